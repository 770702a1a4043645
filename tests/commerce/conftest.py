"""Fixtures of the commerce tests: seed 000's catalog, stores, customer and card on file."""

from __future__ import annotations

from typing import Any

import pytest

from lealtad.commerce import demo


@pytest.fixture
def story(db: Any) -> demo.Story:
    demo.seed_catalog()
    return demo.seed_customer()


@pytest.fixture
def clerk(token_client: Any) -> Any:
    """A store clerk's handheld: finds products and customers, places orders, takes returns."""
    return token_client("store_clerk", ("customers:read", "customers:write", "commerce:sell"))
