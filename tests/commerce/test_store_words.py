"""The store's order and return pages say through which channel an order came in words, in
the clerk's language, not as the channel's code (issue 17)."""

from __future__ import annotations

import re

import pytest

from tests.commerce.store_fixtures import HOME, client_for, sale

pytestmark = pytest.mark.django_db

HANDHELD = {"es": "Terminal portátil de tienda", "en": "Store handheld"}


def _line(html: str, pattern: str) -> str:
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return re.sub(r"<[^>]+>", "", found[0])


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_order_page_names_the_channel(story, language) -> None:
    order = sale(story.customer_id)
    clerk = client_for("supervisor", HOME, language=language)
    html = clerk.get(f"/store/orders/{order.number}/").content.decode()
    head = _line(html, r'<p><span class="badge">.*?</p>')
    assert HANDHELD[language] in head and not re.search(r"·\s*handheld\b", head)


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_return_page_names_the_channel(story, language) -> None:
    order = sale(story.customer_id)
    clerk = client_for("store_clerk", HOME, language=language)
    html = clerk.get("/store/returns/", {"order": order.number}).content.decode()
    head = _line(html, r'<p id="return-order">.*?</p>')
    assert HANDHELD[language] in head and not re.search(r"·\s*handheld\b", head)
