"""Loyalty's pages: programs for managers, a member's page with ledger and statement, the
adjustment form (refusals shown, nothing written), and the printable statement."""

from __future__ import annotations

import pytest
from django.test import Client

from lealtad.customers.models import Customer
from lealtad.loyalty.models import LedgerEntry, Member
from lealtad.loyalty.services import members
from tests.loyalty.helpers import program

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db):
    club = program()
    customer = Customer.objects.create(display_name="María José Guamán").pk
    return members.enrol(club, [customer])[customer]


def signed_in(make_user, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(role))
    return client


def test_home_lists_programs_and_finds_members(make_user, member):
    page = signed_in(make_user, "marketer").get("/loyalty/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Club Lealtad" in text and "Oro" in text and "Base" in text
    found = signed_in(make_user, "marketer").get(f"/loyalty/?q={member.referral_code}")
    assert f"/loyalty/members/{member.pk}/" in found.content.decode()
    assert signed_in(make_user, "agent").get("/loyalty/").status_code == 403


def test_adjustment_from_the_member_page(make_user, member):
    client = signed_in(make_user, "marketer")
    url = f"/loyalty/members/{member.pk}/adjust/"
    done = client.post(url, {"points": "250", "reason": "compensación", "key": "a1"}, follow=True)
    assert "Points adjusted." in done.content.decode()
    again = client.post(url, {"points": "250", "reason": "compensación", "key": "a1"}, follow=True)
    assert again.status_code == 200
    member.refresh_from_db()
    assert member.balance == 250 and LedgerEntry.objects.count() == 1
    refused = client.post(url, {"points": "-999", "reason": "error", "key": "a2"}, follow=True)
    assert "balance is 250" in refused.content.decode()
    bad = client.post(url, {"points": "mucho", "reason": "x", "key": "a3"}, follow=True)
    assert "whole number" in bad.content.decode()
    assert Member.objects.get().balance == 250 and LedgerEntry.objects.count() == 1
    page = client.get(f"/loyalty/members/{member.pk}/").content.decode()
    assert "compensación" in page and 'id="balance">250<' in page
    statement = client.get(f"/loyalty/members/{member.pk}/statement/").content.decode()
    assert 'id="closing">250<' in statement and 'id="opening">0<' in statement
    agent = signed_in(make_user, "agent")
    assert agent.get(f"/loyalty/members/{member.pk}/").status_code == 200
    assert agent.post(url, {"points": "1", "reason": "x", "key": "z"}).status_code == 403
    assert client.get("/loyalty/members/999999/").status_code == 404
