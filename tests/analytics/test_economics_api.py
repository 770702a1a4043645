"""The channel-economics API: cohorts, the channel curve, the segment map, acquisition costs
and maturity, under each caller's capability and row-level scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from lealtad.analytics.models import AcquisitionCost, MaturityAssessment
from lealtad.analytics.services import economics as services
from lealtad.analytics.services import scopes
from lealtad.core import tokens
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.olap import maturity
from tests.analytics.economics_fixtures import shop_facts

pytestmark = pytest.mark.django_db
D = dt.date
GETS = (
    "/api/v1/analytics/cohorts",
    "/api/v1/analytics/channels/curve",
    "/api/v1/analytics/channels/map",
    "/api/v1/analytics/products-per-customer",
    "/api/v1/analytics/acquisition-costs",
    "/api/v1/analytics/maturity",
)


@pytest.fixture
def api(token_client: Any) -> Client:
    """An administrator's token that may read the analytics."""
    return token_client("admin", scopes=("analytics:read",))


def cost(**over: Any) -> dict[str, Any]:
    body = {
        "period_start": "2024-01-01",
        "period_end": "2024-01-31",
        "channel": "web",
        "segment": "",
        "campaign": "Enero web",
        "amount": "200.00",
        "currency": "USD",
    }
    return {**body, **over}


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, body, content_type="application/json")


@pytest.mark.parametrize("role", ["store_clerk", "agent", "technician"])
def test_roles_without_analytics_are_refused(token_client: Any, role: str) -> None:
    client = token_client(role, scopes=("analytics:read", "analytics:manage"))
    for path in GETS:
        assert client.get(path).status_code == 403, path
    assert post(client, "/api/v1/analytics/acquisition-costs", cost()).status_code == 403


def test_a_marketer_reads_but_cannot_enter_costs(token_client: Any) -> None:
    shop_facts()
    client = token_client("marketer", scopes=("analytics:read",))
    for path in GETS:
        assert client.get(path).status_code == 200, path
    assert post(client, "/api/v1/analytics/acquisition-costs", cost()).status_code == 403
    assert not AcquisitionCost.objects.exists()


def test_a_manager_enters_a_cost_and_sees_its_cac(token_client: Any) -> None:
    shop_facts()
    client = token_client("manager", scopes=("analytics:manage",))
    answer = post(client, "/api/v1/analytics/acquisition-costs", cost())
    assert answer.status_code == 201, answer.content
    made = answer.json()
    assert made["customers_acquired"] == 2 and made["cac"] == 100.0  # customers 1 and 2
    assert made["entered_by"].startswith("manager")
    listed = client.get("/api/v1/analytics/acquisition-costs").json()
    assert listed["currency"] == "USD" and [c["id"] for c in listed["costs"]] == [made["id"]]
    cells = client.get("/api/v1/analytics/channels/map").json()
    web = {(c["segment"], c["channel"]): c for c in cells["cells"]}
    assert web["high", "web"]["cac"] == 100.0 and web["low", "web"]["cac"] == 100.0
    best = {b["segment"]: b for b in cells["best"]}
    assert best["high"]["channel"] == "web" and best["high"]["basis"] == "net_of_cac"
    gone = post(client, f"/api/v1/analytics/acquisition-costs/{made['id']}/withdraw", {})
    assert gone.status_code == 200 and gone.json()["withdrawn_at"]
    assert gone.json()["cac"] is None  # out of the figures, kept for the record
    again = post(client, f"/api/v1/analytics/acquisition-costs/{made['id']}/withdraw", {})
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"period_end": "2023-12-31"}, "period_end", 409),  # a rule between two fields
        ({"amount": "-5"}, "amount", 422),
        ({"amount": "1.005"}, "amount", 422),
        ({"amount": 12.5}, "amount", 422),  # money travels as text
        ({"channel": "carrier_pigeon"}, "channel", 404),  # no such channel
        ({"currency": "us$"}, "currency", 422),
        ({"segment": "x" * 61}, "segment", 422),
        ({"campaign": "bad\x07name"}, "campaign", 422),
    ],
)
def test_a_bad_cost_is_refused_naming_its_field(
    token_client: Any, change: dict[str, Any], field: str, status: int
) -> None:
    client = token_client("manager", scopes=("analytics:manage",))
    answer = post(client, "/api/v1/analytics/acquisition-costs", cost(**change))
    assert answer.status_code == status, answer.content
    assert field in str(answer.json())
    assert not AcquisitionCost.objects.exists()


def test_cohorts_answer_each_metric_and_refuse_bad_ones(api: Client) -> None:
    shop_facts()
    got = api.get("/api/v1/analytics/cohorts?metric=revenue&months=3").json()
    assert got["as_of"] == "2025-02-01"
    first = got["cohorts"][0]
    assert first == {"cohort": "2024-01-01", "customers": 2, "cells": [110.0, 0.0, 50.0]}
    retention = api.get("/api/v1/analytics/cohorts?months=3").json()["cohorts"][0]
    assert retention["cells"] == [1.0, 0.0, 0.5]
    bad = api.get("/api/v1/analytics/cohorts?metric=profit")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "metric"
    bad = api.get("/api/v1/analytics/cohorts?months=0")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "months"


def test_no_facts_at_all_answer_empty_figures(api: Client) -> None:
    assert api.get("/api/v1/analytics/cohorts").json()["cohorts"] == []
    assert api.get("/api/v1/analytics/channels/curve").json() == []
    assert api.get("/api/v1/analytics/channels/map").json()["cells"] == []
    assert api.get("/api/v1/analytics/maturity").json()["evidence"]["stage"] == 0


def test_the_curve_under_a_store_manager_s_scope(token_client: Any, make_user: Any) -> None:
    shop_facts()
    everyone = token_client("manager", scopes=("analytics:read",)).get(
        "/api/v1/analytics/channels/curve"
    )
    assert [(r["year"], r["label"], r["customers"]) for r in everyone.json()] == [
        (2024, "1", 2),
        (2024, "2", 1),
        (2025, "1", 1),
    ]
    user = make_user("manager")
    scopes.set_scope(user.username, stores=["S02"], actor=Actor.system("test"))
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {tokens.create_token(user, 'test', ['analytics:read'])}"
    )
    mine = client.get("/api/v1/analytics/channels/curve").json()
    assert [(r["year"], r["label"], r["customers"], r["revenue"]) for r in mine] == [
        (2024, "1", 1, 330.0)
    ]
    cohorts = client.get("/api/v1/analytics/cohorts").json()["cohorts"]
    assert [c["cohort"] for c in cohorts] == ["2024-02-01"]
    cells = client.get("/api/v1/analytics/channels/map").json()["cells"]
    assert {(c["segment"], c["channel"]) for c in cells} == {("high", "pos")}


def test_maturity_assessment_and_evidence(token_client: Any) -> None:
    shop_facts()
    client = token_client("manager", scopes=("analytics:manage",))
    first = client.get("/api/v1/analytics/maturity").json()
    assert first["questionnaire"] is None and first["disagreements"] == []
    assert len(first["questions"]) == len(maturity.QUESTIONS) == 15
    assert first["evidence"]["details"]["multichannel_customers"] == pytest.approx(1 / 4)
    answers = {q: 4 for q in maturity.QUESTIONS}
    bad = post(client, "/api/v1/analytics/maturity", {"answers": {**answers, "unified_view": 5}})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "unified_view"
    missing = dict(answers)
    del missing["web_presence"]
    bad = post(client, "/api/v1/analytics/maturity", {"answers": missing})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "web_presence"
    assert not MaturityAssessment.objects.exists()
    made = post(client, "/api/v1/analytics/maturity", {"answers": answers, "note": "optimists"})
    assert made.status_code == 201, made.content
    got = made.json()
    assert got["questionnaire"]["stage"] == 4 and got["questionnaire"]["note"] == "optimists"
    assert got["questionnaire"]["assessed_by"].startswith("manager")
    assert got["evidence"]["stage"] == 4 and got["disagreements"] == []
    assert MaturityAssessment.objects.get().stage == 4
    modest = {q: 0 for q in maturity.QUESTIONS}
    got = post(client, "/api/v1/analytics/maturity", {"answers": modest}).json()
    assert got["questionnaire"]["stage"] == 0 and len(got["history"]) == 2
    assert {g["direction"] for g in got["disagreements"]} == {"understated"}


class TestCostRule(HypothesisTestCase):
    """Whatever dates and amount come in, a cost is kept exactly when its period is in order
    and its amount is not negative; a refusal writes nothing."""

    @settings(max_examples=40, deadline=None)
    @given(
        start=st.dates(D(2020, 1, 1), D(2030, 12, 31)),
        end=st.dates(D(2020, 1, 1), D(2030, 12, 31)),
        cents=st.integers(-(10**6), 10**8),
    )
    def test_kept_exactly_when_valid(self, start: dt.date, end: dt.date, cents: int) -> None:
        before = AcquisitionCost.objects.count()
        data = cost(
            period_start=start.isoformat(), period_end=end.isoformat(), amount=f"{cents / 100:.2f}"
        )
        valid = end >= start and cents >= 0
        try:
            services.record_acquisition_cost(data)
        except DomainError as exc:
            assert not valid
            assert exc.field == ("period_end" if end < start else "amount")
            assert AcquisitionCost.objects.count() == before
        else:
            assert valid and AcquisitionCost.objects.count() == before + 1


def test_orders_taken_through_the_hub_reach_the_curve(token_client: Any) -> None:
    """End to end: orders placed as events in two channels, exported to the cube's facts."""
    from datetime import UTC, datetime, timedelta

    from lealtad.analytics.services import facts
    from lealtad.channels.models import ExternalSystem
    from lealtad.commerce import demo
    from tests.api_fixtures import post_events

    demo.seed_catalog()
    ExternalSystem.objects.create(name="pos_cadena", description="POS")
    writer = token_client("admin")
    day = datetime.now(UTC) - timedelta(days=3)
    for n, (who, channel) in enumerate(
        [("ana", "pos_cadena"), ("ana", "web"), ("beto", "pos_cadena")], start=1
    ):
        payload: dict[str, Any] = {
            "order_ref": f"E-{n}",
            "lines": [{"sku": "CAM-OXF-CEL-S", "quantity": 1}],
        }
        if channel == "pos_cadena":
            payload["location"] = demo.STORE_HOME
        else:  # bought online, collected at the office store
            payload.update(fulfilment="pickup", location=demo.STORE_OFFICE)
        event = {
            "id": f"econ-{n}",
            "type": "order.placed",
            "channel": channel,
            "occurred_at": (day + timedelta(hours=n)).isoformat(),
            "customer": {"email": f"{who}@example.ec", "name": who.title()},
            "payload": payload,
        }
        answer = post_events(writer, [event])
        assert answer.status_code == 200 and answer.json()["created"] == 1, answer.content
    facts.export_all()
    reader = token_client("marketer", scopes=("analytics:read",))
    curve = reader.get("/api/v1/analytics/channels/curve").json()
    assert [(r["label"], r["customers"]) for r in curve] == [("1", 1), ("2", 1)]
    cohorts = reader.get("/api/v1/analytics/cohorts?months=1").json()["cohorts"]
    assert [c["customers"] for c in cohorts] == [2]
    evidence = reader.get("/api/v1/analytics/maturity").json()["evidence"]["details"]
    assert evidence["multichannel_customers"] == 0.5
    assert evidence["cross_channel_pickups"] == 1.0


def test_the_selectors_refuse_a_bad_question_naming_it() -> None:
    """The dashboards call the selectors directly: they refuse as the API does."""
    from lealtad.analytics.selectors import economics as selectors

    for call, field in (
        (lambda: selectors.cohort_matrix(None, metric="profit"), "metric"),
        (lambda: selectors.cohort_matrix(None, months=64), "months"),
        (lambda: selectors.products_per_customer(None, by="sku"), "by"),
    ):
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.field == field and refused.value.status == 422
