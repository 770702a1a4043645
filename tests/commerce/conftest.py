"""Fixtures of the commerce tests: seed 000's catalog, stores, customer and card on file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from lealtad.commerce import demo


@pytest.fixture
def story(db: Any) -> demo.Story:
    demo.seed_catalog()
    return demo.seed_customer()


@pytest.fixture
def clerk(token_client: Any) -> Any:
    """A store clerk's handheld: finds products and customers, places orders, takes returns."""
    return token_client("store_clerk", ("customers:read", "customers:write", "commerce:sell"))


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-sized page, as the store handheld is used."""
    context = browser.new_context(locale="es-EC", viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()
