"""A case's subtype, an RMA's channel and the store it came back to are shown in words, in
the agent's language, not as their codes (issue 17)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lealtad.commerce import demo
from lealtad.service.models import Rma, SupportGroup
from lealtad.service.services import cases
from tests.service.test_rma_pages import SHIRT_L, T, shipped

pytestmark = pytest.mark.django_db

WORDS = {
    "es": {"subtype": "Problema de servicio", "pos": "Tienda / punto de venta"},
    "en": {"subtype": "Service problem", "pos": "Store / point of sale"},
}


@pytest.fixture
def story(db: None) -> demo.Story:
    demo.seed_catalog()
    return demo.seed_customer()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("language", ["es", "en"])
def test_case_and_rma_pages_in_words(make_user, story, language) -> None:
    words = WORDS[language]
    number = shipped(story)
    SupportGroup.objects.get_or_create(name="nivel1", defaults={"label": "Nivel 1", "level": 1})
    case = cases.open_case(
        cases.NewCase(
            subject="Sin servicio",
            category="post_sale",
            subtype="service_problem",
            customer_id=story.customer_id,
            order_number=number,
            product_sku=SHIRT_L,
        ),
        T,
    )
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(make_user("agent"))
    page = _text(client.get(f"/service/cases/{case.pk}/").content.decode())
    assert words["subtype"] in page and "service_problem" not in page
    client.post(
        f"/service/rma/new/?case={case.pk}",
        {"reason": "Costura rota", "channel": "web", "order_number_0": number, "sku_0": SHIRT_L},
    )
    found = Rma.objects.get(case=case)
    client.post(
        f"/service/rma/{found.number}/receive", {"location": demo.STORE_HOME, "channel": "pos"}
    )
    html = client.get(f"/service/rma/{found.number}/").content.decode()
    facts = _text(re.search(r'<dl class="facts".*?</dl>', html, re.S)[0])
    assert "Tienda Quicentro" in facts and demo.STORE_HOME not in facts
    assert words["pos"] in facts and not re.search(r"\bpos\b", facts)  # received at the till
