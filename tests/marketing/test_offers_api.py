"""Next-best-offer over HTTP: offers on every channel, answers from any channel, eligibility,
consent, stock, caps, fatigue, holdout, feedback, idempotency and bad input."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lealtad.commerce import demo
from lealtad.commerce.models import Order
from lealtad.marketing.models import OfferEvent, OfferExposure, OfferStat
from lealtad.marketing.selectors import offer_program
from lealtad.marketing.selectors.offer_uplift import uplift
from lealtad.marketing.selectors.offers import month_of
from lealtad.marketing.services.offer_catalog import set_program
from lealtad.marketing.services.offers import present
from lealtad.marketing_engine.arbitration import in_holdout
from tests.marketing.offer_fixtures import (
    CHANNELS,
    make_offers,
    offer,
    refuse_marketing,
    seed,
    standing,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> int:
    return seed()


@pytest.fixture
def clerk(token_client: Any) -> Any:
    return token_client("store_clerk", ("customers:read", "commerce:sell"))


def offers(client: Any, customer_id: int, **params: Any) -> Any:
    params.setdefault("channel", "pos")
    return client.get(f"/api/v1/customers/{customer_id}/offers", params)


def codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [o["code"] for o in response.json()["offers"]]


def answer(client: Any, customer_id: int, code: str, **body: Any) -> Any:
    body.setdefault("channel", "pos")
    return client.post(
        f"/api/v1/customers/{customer_id}/offers/{code}/responses",
        body,
        content_type="application/json",
    )


def test_every_channel_gets_offers_and_each_showing_is_recorded(clerk: Any, customer: int) -> None:
    make_offers(offer("warranty", priority=80), offer("visit", priority=20))
    set_program(0.0, 12, 20)  # 6 channels x 2 offers, no fatigue
    for channel in CHANNELS:
        assert codes(offers(clerk, customer, channel=channel, key=f"s-{channel}")) == [
            "warranty",
            "visit",
        ]
    assert OfferEvent.objects.filter(outcome="shown").count() == 12
    assert OfferStat.objects.get(offer__code="warranty", channel="email").shown == 1


def test_a_refresh_with_the_same_key_counts_once(clerk: Any, customer: int) -> None:
    make_offers(offer("warranty"))
    for _ in range(3):
        assert codes(offers(clerk, customer, key="screen-1")) == ["warranty"]
    assert OfferEvent.objects.count() == 1
    assert OfferStat.objects.get().shown == 1


@pytest.mark.django_db(transaction=True)  # committed as requests are: the program is then kept
def test_the_request_asks_a_fixed_number_of_statements(customer: int, monkeypatch: Any) -> None:
    """The same statements for the second showing and for the tenth (a longer history,
    tallies and today's budget rows there): no per-offer or per-showing query, one write
    transaction of four statements; a refresh moves no tally."""
    make_offers(offer("warranty"), offer("visit"))
    set_program(0.0, 200, 200)
    monkeypatch.setattr(offer_program, "TTL", 3600.0)  # the kept program is not reread

    def statements(key: str) -> list[str]:
        with CaptureQueriesContext(connection) as seen:
            shown = present(customer, "pos", 3, key, by="test")
        assert [o["code"] for o in shown["offers"]] == ["visit", "warranty"]
        return [q["sql"] for q in seen.captured_queries]

    statements("k-0")  # the program is read and kept
    second = statements("k-1")
    for n in range(2, 9):
        statements(f"k-{n}")
    tenth = statements("k-9")
    assert len(second) == len(tenth) <= 10, tenth
    writes = [q for q in tenth if q.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 4, writes
    statements("k-9")  # a refresh: the events' INSERT adds nothing, so no tally moves
    assert OfferStat.objects.get(offer__code="warranty", channel="pos").shown == 10


def test_eligibility_guards(clerk: Any, customer: int) -> None:
    standing(customer, value_tier="mvc", lifecycle_stage="loyal", churn_band="high", clv=900)
    today = timezone.localdate()
    make_offers(
        offer("for-mvc", tiers=["mvc"]),
        offer("for-regular", tiers=["regular"]),
        offer("for-lapsed", lifecycle_stages=["lapsed"]),
        offer("for-risky", churn_bands=["high"]),
        offer("rich-only", min_clv=Decimal("1000")),
        offer("not-yet", starts_on=today + timedelta(days=1)),
        offer("over", ends_on=today - timedelta(days=1)),
        offer("web-only", channels=["web"]),
        offer("switched-off", active=False),
    )
    assert sorted(codes(offers(clerk, customer, limit=10))) == ["for-mvc", "for-risky"]


def test_objector_gets_service_offers_only(clerk: Any, customer: int) -> None:
    make_offers(
        offer("fix", purpose="service", priority=10),
        offer("buy", kind="loyalty", purpose="marketing", priority=90),
    )
    assert codes(offers(clerk, customer)) == ["buy", "fix"]
    refuse_marketing(customer, ("email",))  # one channel refused: still offered at the till
    assert codes(offers(clerk, customer)) == ["buy", "fix"]
    assert codes(offers(clerk, customer, channel="email")) == ["fix"]
    refuse_marketing(customer)
    assert codes(offers(clerk, customer)) == ["fix"]


def test_stock_of_the_store_decides(clerk: Any, customer: int) -> None:
    make_offers(offer("shirt-m", kind="cross_sell", purpose="marketing", product_sku=demo.SHIRT_M))
    assert codes(offers(clerk, customer, store=demo.STORE_HOME)) == []  # none left there
    assert codes(offers(clerk, customer, store=demo.STORE_OFFICE)) == ["shirt-m"]
    assert codes(offers(clerk, customer, channel="web")) == ["shirt-m"]  # the warehouse has it


def test_caps_budget_and_fatigue(clerk: Any, customer: int, make_user: Any) -> None:
    make_offers(offer("once", max_shown=1, cap_period="week"))
    assert codes(offers(clerk, customer, key="a")) == ["once"]
    assert codes(offers(clerk, customer, key="b")) == []
    make_offers(offer("budget", daily_budget=1))
    other = seed_other()
    assert codes(offers(clerk, other, key="c")) == ["budget", "once"]
    assert "budget" not in codes(offers(clerk, customer, key="d"))
    set_program(0.0, 3, 20)
    make_offers(offer("many-1"), offer("many-2"), offer("many-3"))
    fresh = seed_other("Ana Quishpe", "0987654321")
    assert len(codes(offers(clerk, fresh, key="e", limit=5))) == 3
    assert codes(offers(clerk, fresh, key="f", limit=5)) == []  # three shown today already


def seed_other(name: str = "María José Tipán", phone: str = "0998765432") -> int:
    from lealtad.customers.models import Customer

    return Customer.objects.create(display_name=name, search_name=name.lower()).pk


def test_held_out_customer_gets_nothing_and_lands_in_the_report(clerk: Any, customer: int) -> None:
    make_offers(offer("warranty"))
    set_program(0.5, 6, 20)
    month = month_of(timezone.now())
    held = in_holdout(customer, month, 0.5)
    assert codes(offers(clerk, customer)) == ([] if held else ["warranty"])
    exposure = OfferExposure.objects.get(customer_id=customer)
    assert exposure.group == ("holdout" if held else "offered")


def test_acceptance_feedback_changes_the_ranking(clerk: Any, customer: int) -> None:
    make_offers(offer("a", priority=50), offer("b", priority=55))
    assert codes(offers(clerk, customer, key="k0", limit=2)) == ["b", "a"]
    for n in range(40):
        assert (
            answer(clerk, customer, "b", outcome="declined", idempotency_key=f"n{n}").status_code
            == 200
        )
    assert codes(offers(clerk, customer, key="k1", limit=2)) == ["a", "b"]


def test_answers_are_idempotent_and_conflicts_refused(clerk: Any, customer: int) -> None:
    make_offers(offer("warranty"))
    first = answer(clerk, customer, "warranty", outcome="accepted", idempotency_key="tap-1")
    again = answer(clerk, customer, "warranty", outcome="accepted", idempotency_key="tap-1")
    assert first.status_code == again.status_code == 200
    assert first.json()["replay"] is False and again.json()["replay"] is True
    other = answer(clerk, customer, "warranty", outcome="declined", idempotency_key="tap-1")
    assert other.status_code == 409 and other.json()["field"] == "idempotency_key"
    assert OfferStat.objects.get().accepted == 1
    assert OfferEvent.objects.filter(outcome="accepted").count() == 1


def _named_field(body: dict[str, Any]) -> str:
    """The field a refusal names: the service's ``field``, or the schema's ``loc``."""
    if "field" in body:
        return str(body["field"])
    return str(body["detail"][0]["loc"][-1])


@pytest.mark.parametrize(
    ("path_code", "body", "status", "field"),
    [
        ("nope", {"outcome": "accepted"}, 404, "code"),
        ("warranty", {"outcome": "shown"}, 422, "outcome"),
        ("warranty", {"outcome": "maybe"}, 422, "outcome"),
        ("warranty", {"outcome": "accepted", "channel": "fax"}, 422, "channel"),
    ],
)
def test_bad_answers_name_the_field_and_write_nothing(
    clerk: Any, customer: int, path_code: str, body: dict[str, Any], status: int, field: str
) -> None:
    make_offers(offer("warranty"))
    response = answer(clerk, customer, path_code, **body)
    assert response.status_code == status, response.content
    assert _named_field(response.json()) == field
    assert not OfferEvent.objects.exists() and not OfferStat.objects.exists()


def test_bad_requests_for_offers(clerk: Any, customer: int) -> None:
    make_offers(offer("warranty"))
    unknown_channel = offers(clerk, customer, channel="fax")
    assert unknown_channel.status_code == 422 and _named_field(unknown_channel.json()) == "channel"
    assert offers(clerk, 999999).status_code == 404
    assert answer(clerk, 999999, "warranty", outcome="accepted").status_code == 404
    assert not OfferEvent.objects.exists()


def test_catalog_api_checks_every_row_first(token_client: Any, customer: int) -> None:
    marketer = token_client("marketer", ("marketing:manage",))
    good = {"code": "ok", "name_es": "Sí", "name_en": "Yes", "kind": "service", "channels": ["pos"]}
    bad = {**good, "code": "bad", "channels": ["pos", "fax"]}
    refused = marketer.post(
        "/api/v1/marketing/offers", [good, bad], content_type="application/json"
    )
    assert refused.status_code == 422  # the schema lists the channels
    assert refused.json()["detail"][0]["loc"][-3:] == [1, "channels", 1]
    assert marketer.get("/api/v1/marketing/offers").json() == []
    saved = marketer.post("/api/v1/marketing/offers", [good], content_type="application/json")
    assert saved.status_code == 200 and saved.json()[0]["code"] == "ok"
    assert marketer.get("/api/v1/marketing/offers/ok").json()["channels"] == ["pos"]
    assert marketer.delete("/api/v1/marketing/offers/ok").json()["active"] is False
    clerk = token_client("store_clerk", ("customers:read",))
    assert clerk.get("/api/v1/marketing/offers").status_code == 403


def test_uplift_report_compares_offered_and_holdout(customer: int) -> None:
    now = timezone.now()
    month = month_of(now)
    other = seed_other()
    OfferExposure.objects.create(
        customer_id=customer,
        month=month,
        group="offered",
        first_at=now - timedelta(minutes=5),
        channel="pos",
    )
    OfferExposure.objects.create(
        customer_id=other,
        month=month,
        group="holdout",
        first_at=now - timedelta(minutes=5),
        channel="pos",
    )
    Order.objects.create(
        number="PED-UPLIFT-1",
        customer_id=customer,
        channel="pos",
        fulfilment="take_now",
        currency="USD",
        tax_country="EC",
        tax_rate=Decimal("0.15"),
        subtotal=Decimal("40"),
        discount=Decimal("0"),
        tax=Decimal("6"),
        total=Decimal("46"),
        placed_at=now,
    )
    report = uplift(month)
    assert report["offered"]["converted"] == 1 and report["offered"]["revenue"] == 40.0
    assert report["holdout"]["customers"] == 1 and report["holdout"]["converted"] == 0
    assert report["conversion"]["absolute"] == 1.0
