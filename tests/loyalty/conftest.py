"""The loyalty tests read its messages in English (the installation's default
language is Spanish, whose catalog is compiled); a test about Spanish switches explicitly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def story(db: object):
    """Seed 000's catalog, stores, customer and card on file (as the commerce tests)."""
    from lealtad.commerce import demo

    demo.seed_catalog()
    return demo.seed_customer()
