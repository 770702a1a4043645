"""The desktop's screen pop lists the caller's open orders with their status in words, in
the agent's language (issue 17)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation


@pytest.mark.parametrize(
    ("language", "words"), [("es", "Listo para retirar"), ("en", "Ready for pickup")]
)
def test_open_orders_show_their_status_in_words(language: str, words: str) -> None:
    customer = {
        "id": 7,
        "name": "Rodrigo Juárez Ortega",
        "open_order_count": 1,
        "open_orders": [
            {"number": "PED-1", "status": "ready", "total": "25.00", "currency": "USD"}
        ],
        "panels": [],
    }
    with translation.override(language):
        html = render_to_string(
            "contactcenter/_pop.html", {"contact": {"pk": 1}, "pop": {"customer": customer}}
        )
    assert f"PED-1 · {words} · 25.00 USD" in html and "· ready ·" not in html


@pytest.mark.parametrize(("language", "words"), [("es", "Más valioso"), ("en", "Most valuable")])
def test_the_tier_is_in_words_with_or_without_the_value_card(language: str, words: str) -> None:
    """The tier the router saw on the contact (no value card yet) and the card's own tier."""
    customer = {"id": 7, "name": "Rodrigo Juárez Ortega", "open_order_count": 0, "panels": []}
    with translation.override(language):
        bare = render_to_string(
            "contactcenter/_pop.html",
            {"contact": {"pk": 1, "tier": "mvc"}, "pop": {"customer": customer}},
        )
        card = render_to_string(
            "contactcenter/_pop.html",
            {"contact": {"pk": 1}, "pop": {"customer": {**customer, "value": {"tier": "mvc"}}}},
        )
    for html in (bare, card):
        tier = html.split('class="cc-tier">')[1].split("</dd>")[0]
        assert tier == words, tier
