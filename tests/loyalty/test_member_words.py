"""The loyalty pages speak of people and sources in words (issue 17): the members list and a
member's page name the customer, the ledger says an entry came from an order, and the
program's earning rules name their channel, in Spanish and English."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lealtad.commerce import demo
from lealtad.loyalty.models import Member
from lealtad.loyalty.services import programs
from tests.loyalty.helpers import ACTOR, dispatch, place, program

pytestmark = pytest.mark.django_db

WORDS = {
    "es": {"order": "Pedido", "web": "Web", "pos": "Tienda / punto de venta", "in": "en"},
    "en": {"order": "Order", "web": "Web", "pos": "Store / point of sale", "in": "in"},
}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def member(api, story) -> Member:
    club = program()
    programs.save_rule(club, {"name": "Tienda", "points_per_unit": 12, "channel": "pos"}, ACTOR)
    place(api, story, [{"sku": demo.SHIRT_M, "quantity": 1}])
    dispatch()
    return Member.objects.get(customer_id=story.customer_id)


@pytest.mark.parametrize("language", ["es", "en"])
def test_names_and_sources_in_words(make_user, member, language) -> None:
    words = WORDS[language]
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(make_user("manager"))
    home = client.get("/loyalty/").content.decode()
    listed = re.search(rf'<a href="/loyalty/members/{member.pk}/">(.*?)</a>', home)
    assert listed and listed[1] == demo.CUSTOMER["name"]
    rules = _text(
        re.search(r"<h3>[^<]*</h3>\s*<table.*?</table>", home.split("Oro", 1)[1], re.S)[0]
    )
    assert words["pos"] in rules and not re.search(r"\bpos\b", rules)
    page = client.get(f"/loyalty/members/{member.pk}/").content.decode()
    heading = _text(re.search(r"<h1>.*?</h1>", page, re.S)[0])
    assert heading.strip().startswith(f"{demo.CUSTOMER['name']} {words['in']} Club Lealtad")
    ledger = _text(re.search(r'<table[^>]*id="ledger".*?</table>', page, re.S)[0])
    assert f"{words['order']} PED-" in ledger and not re.search(r"\border PED-", ledger)
    statement = client.get(f"/loyalty/members/{member.pk}/statement/").content.decode()
    assert demo.CUSTOMER["name"] in statement and f"{words['order']} PED-" in _text(statement)
