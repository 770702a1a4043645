"""The offers on every surface that shows a customer (360, handheld/POS customer box, agent's
screen pop), the panel's buttons, the management pages and the CLI."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from lealtad.commerce import demo
from lealtad.contactcenter import views_pop
from lealtad.core.access import principal_for_user
from lealtad.marketing.cli_offers import app as offers_cli
from lealtad.marketing.models import Offer, OfferEvent, OfferStat
from lealtad.marketing.selectors.offers import month_of
from tests.marketing.offer_fixtures import make_offers, offer, seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> int:
    customer_id = seed()
    make_offers(
        offer("warranty", name_en="Extended warranty", priority=80),
        offer("visit", name_en="Free fitting", priority=20),
    )
    return customer_id


def signed_in(make_user: Any, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(role))
    return client


def test_the_360_shows_the_offers_section(customer: int, make_user: Any) -> None:
    page = signed_in(make_user, "agent").get(f"/customers/{customer}/").content.decode()
    assert 'id="offers"' in page
    assert 'data-offer="warranty"' in page
    assert not OfferEvent.objects.exists()  # the 360 is a read: nothing recorded as shown


def test_the_handheld_customer_box_shows_offers_and_records_them(
    customer: int, make_user: Any
) -> None:
    clerk = signed_in(make_user, "store_clerk")
    clerk.get(f"/store/?store={demo.STORE_HOME}")
    page = clerk.get(reverse("commerce:customer_card"), {"pick": customer}).content.decode()
    assert 'data-panel="offers"' in page
    assert 'data-offer="warranty"' in page and 'data-offer="visit"' in page
    assert OfferStat.objects.get(offer__code="warranty", channel="handheld").shown == 1
    clerk.get(reverse("commerce:customer_card"), {"pick": customer})  # a re-render
    assert OfferStat.objects.get(offer__code="warranty", channel="handheld").shown == 1


def test_the_screen_pop_shows_offers(customer: int, make_user: Any) -> None:
    who = principal_for_user(make_user("agent"))
    card = views_pop._customer_card(customer, who)
    assert card is not None and [p["name"] for p in card["panels"]] == ["offers"]
    html = render_to_string(
        "contactcenter/_pop.html",
        {"pop": {"customer": card}, "contact": SimpleNamespace(pk=1)},
    )
    assert 'data-panel="offers"' in html and 'data-offer="warranty"' in html
    assert OfferEvent.objects.filter(channel="call_center", outcome="shown").count() == 2


def test_a_panel_button_records_the_answer_and_swaps_the_panel(
    customer: int, make_user: Any
) -> None:
    clerk = signed_in(make_user, "store_clerk")
    url = reverse("marketing:offer_answer", args=[customer, "warranty"])
    body = {"outcome": "accepted", "channel": "pos", "key": "panel-1-warranty"}
    first = clerk.post(url, body)
    assert first.status_code == 200
    assert "Recorded" in first.content.decode() and 'id="offers-panel-' in first.content.decode()
    clerk.post(url, body)  # a double tap
    assert OfferEvent.objects.filter(outcome="accepted").count() == 1
    bad = clerk.post(url, {**body, "outcome": "maybe", "key": "x"})
    assert bad.status_code == 422
    assert OfferEvent.objects.filter(outcome="accepted").count() == 1


def test_the_offers_page_shows_rates_per_channel(customer: int, make_user: Any) -> None:
    clerk = signed_in(make_user, "store_clerk")
    clerk.get(reverse("commerce:customer_card"), {"pick": customer})
    clerk.post(
        reverse("marketing:offer_answer", args=[customer, "warranty"]),
        {"outcome": "accepted", "channel": "handheld", "key": "k"},
    )
    marketer = signed_in(make_user, "marketer")
    page = marketer.get("/marketing/offers/").content.decode()
    assert 'data-offer="warranty" data-channel="handheld"' in page
    assert "1.000" in page  # one accepted of one answered
    assert signed_in(make_user, "store_clerk").get("/marketing/offers/").status_code == 403


def test_the_form_creates_and_edits_an_offer(customer: int, make_user: Any) -> None:
    marketer = signed_in(make_user, "marketer")
    assert marketer.get("/marketing/offers/new/").status_code == 200
    form = {
        "code": "plan-100h",
        "name_es": "Plan 100 horas",
        "name_en": "100-hour plan",
        "kind": "upsell",
        "purpose": "marketing",
        "target_plan": "100h",
        "channels": ["call_center", "web"],
        "priority": "70",
        "value": "12.50",
        "cap_period": "week",
        "active": "on",
    }
    assert marketer.post("/marketing/offers/new/", form).status_code == 302
    assert Offer.objects.get(code="plan-100h").channels == ["call_center", "web"]
    refused = marketer.post("/marketing/offers/plan-100h/", {**form, "target_plan": ""})
    assert refused.status_code == 200 and "names the plan" in refused.content.decode()
    assert Offer.objects.get(code="plan-100h").target_plan == "100h"


def test_the_uplift_page(customer: int, make_user: Any) -> None:
    page = signed_in(make_user, "marketer").get("/marketing/offers/uplift/").content.decode()
    assert month_of(timezone.now()) in page and 'data-group="holdout"' in page


def test_cli_lists_shows_and_reports(customer: int) -> None:
    runner = CliRunner()
    shown = runner.invoke(offers_cli, ["show", str(customer), "--channel", "pos"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0].startswith("1. warranty")
    assert not OfferEvent.objects.exists()  # show is read-only
    listed = runner.invoke(offers_cli, ["list"])
    assert listed.exit_code == 0 and "warranty" in listed.output
    month = month_of(timezone.now())
    report = runner.invoke(offers_cli, ["uplift", "--month", month])
    assert report.exit_code == 0 and "holdout" in report.output
    bad = runner.invoke(offers_cli, ["uplift", "--month", "2026-13"])
    assert bad.exit_code != 0
    unknown = runner.invoke(offers_cli, ["show", str(customer), "--channel", "fax"])
    assert unknown.exit_code != 0 and "channel" in unknown.output
