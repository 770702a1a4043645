"""Paying with points in the customer box: ask, see the value, confirm; a double tap spends
once, more than the balance is refused with nothing spent, and only a seller may spend."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lealtad.core import panels
from lealtad.core.roles import Capability
from lealtad.customers.models import Customer
from lealtad.loyalty.models import Member, Redemption
from lealtad.loyalty.services import members, movements
from tests.loyalty.helpers import ACTOR, program

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db) -> Member:
    club = program()  # a point is worth 0.01
    customer = Customer.objects.create(display_name="María José Guamán").pk
    found = members.enrol(club, [customer])[customer]
    movements.adjust([movements.Adjust(found.pk, 1200, "bienvenida", "w1")], ACTOR)
    return found


def clerk(make_user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("store_clerk"))
    return client


def test_the_panel_offers_points_to_whoever_sells(member) -> None:
    selling = panels.collect(member.customer_id, "handheld", frozenset({Capability.SELL}))
    [panel] = [p for p in selling if p["name"] == "loyalty"]
    assert panel["can_redeem"] and panel["balance"] == 1200
    watching = panels.collect(member.customer_id, "call_center", frozenset({Capability.VIEW}))
    assert not next(p for p in watching if p["name"] == "loyalty")["can_redeem"]


def test_ask_confirm_and_a_double_tap_spends_once(make_user, member) -> None:
    client = clerk(make_user)
    url = f"/loyalty/members/{member.pk}/redeem/"
    asked = client.post(url, {"points": "500", "channel": "handheld", "order_reference": "T-9"})
    html = asked.content.decode()
    assert "Redeem 500 points for 5.00 USD?" in html
    assert not Redemption.objects.exists()  # asking spends nothing
    key = re.search(r'name="key" value="([0-9a-f]+)"', html).group(1)
    confirm = {"points": "500", "channel": "handheld", "key": key, "confirm": "yes"}
    done = client.post(url, {**confirm, "order_reference": "T-9"}).content.decode()
    assert "500 points redeemed: 5.00 USD off." in done and "700 points" in done
    client.post(url, {**confirm, "order_reference": "T-9"})  # the second tap
    member.refresh_from_db()
    assert member.balance == 700
    [made] = Redemption.objects.all()
    assert made.channel == "handheld" and made.order_reference == "T-9"


def test_refusals_spend_nothing(make_user, member) -> None:
    client = clerk(make_user)
    url = f"/loyalty/members/{member.pk}/redeem/"
    too_many = client.post(url, {"points": "5000", "channel": "handheld"}).content.decode()
    assert "5000 points asked but the balance is 1200." in too_many
    words = client.post(url, {"points": "muchos", "channel": "handheld"}).content.decode()
    assert "whole number above zero" in words
    cancelled = client.post(
        url, {"points": "100", "channel": "handheld", "key": "k", "confirm": "no"}
    ).content.decode()
    assert "1200 points" in cancelled and "redeemed" not in cancelled
    marketer = Client(HTTP_ACCEPT_LANGUAGE="en")
    marketer.force_login(make_user("marketer"))
    assert marketer.post(url, {"points": "1", "channel": "handheld"}).status_code == 403
    assert not Redemption.objects.exists() and Member.objects.get().balance == 1200
