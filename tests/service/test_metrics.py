"""The service desk's metrics over a hand-built week (``metrics_history``): each figure
against the numbers worked out by hand, and the edges (an empty period, a reopened case,
an internal note before the reply, a case resolved in local time but the next UTC day)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lealtad.service.models import Case, CaseCharge
from lealtad.service.selectors import metrics
from lealtad.service.selectors.metrics import MetricsRefused
from lealtad.service.services import costing
from tests.service import metrics_history as history
from tests.service.metrics_history import ACTOR, WEEK, at

pytestmark = pytest.mark.django_db
groups, desk, week = history.groups, history.desk, history.week


def _scope(**filters: str) -> metrics.Scope:
    return metrics.scope_of(*WEEK, **filters)


def test_first_contact_resolution_counts_only_cases_nobody_had_to_come_back_to(week):
    total, *per_group = metrics.first_contact(_scope())
    assert total == {
        "group": "*",
        "resolved": 6,
        "first_contact": 2,  # A, and B whose internal note did not count as a contact
        "customer_wrote": 1,  # C
        "reopened": 1,  # D
        "escalated_or_transferred": 1,  # E
        "other_outcome": 1,  # F, a commitment
        "rate": 33.3,
    }
    by_group = {row["group"]: (row["resolved"], row["first_contact"]) for row in per_group}
    assert by_group == {"expertos": (1, 0), "nivel1": (5, 2)}


def test_filters_narrow_every_figure(week):
    phone = metrics.first_contact(_scope(channel="phone"))[0]
    assert (phone["resolved"], phone["first_contact"]) == (1, 1)
    complaints = metrics.sla(_scope(category="complaint"))[0]
    assert (complaints["cases"], complaints["breached"]) == (1, 1)
    experts = metrics.resolution(_scope(group="expertos"))[0]
    assert (experts["cases"], experts["median_hours"]) == (1, 5.0)


def test_sla_compliance_by_group_and_tier(week):
    rows = metrics.sla(_scope())
    everything = rows[0]
    assert everything["cases"] == 6 and everything["breached"] == 1
    assert (everything["first_targets"], everything["first_met"]) == (6, 5)
    assert (everything["resolution_targets"], everything["resolution_met"]) == (6, 5)
    assert everything["first_met_pct"] == everything["resolution_met_pct"] == 83.3
    tiers = {r["key"]: r for r in rows if r["dimension"] == "value_tier"}
    assert tiers["mvc"]["cases"] == 1 and tiers["mvc"]["resolution_met_pct"] == 0.0
    assert tiers["unknown"]["cases"] == 5 and tiers["unknown"]["first_met_pct"] == 100.0
    by_group = {r["key"]: r["cases"] for r in rows if r["dimension"] == "group"}
    assert by_group == {"expertos": 1, "nivel1": 5}
    assert metrics.breached_open(_scope()) == 0


def test_time_to_resolve_median_and_90th_percentile(week):
    rows = {(r["dimension"], r["key"]): r for r in metrics.resolution(_scope())}
    # hours 2, 1, 11, 4 (D to its last resolution), 5, 1
    assert rows[("all", "*")] == {
        "dimension": "all",
        "key": "*",
        "cases": 6,
        "median_hours": 3.0,
        "p90_hours": 8.0,
    }
    assert rows[("group", "nivel1")]["median_hours"] == 2.0
    assert rows[("group", "nivel1")]["p90_hours"] == 8.2
    assert rows[("category", "complaint")]["median_hours"] == 11.0


def test_backlog_now_and_at_the_end_of_the_period(week):
    now = metrics.backlog_now(_scope())
    assert now == [
        {
            "group": "nivel1",
            "status": "new",
            "lt1d": 0,
            "1to3d": 0,
            "3to7d": 1,
            "gt7d": 1,
            "total": 2,
        }
    ]
    end = {(r["group"], r["status"]): r for r in metrics.backlog_at_end(_scope())}
    assert set(end) == {("nivel1", "new"), ("nivel1", "open")}
    assert (end[("nivel1", "new")]["1to3d"], end[("nivel1", "new")]["gt7d"]) == (1, 1)
    assert end[("nivel1", "open")]["total"] == 1  # H: answered, resolved after the week


def test_opened_and_resolved_per_local_day(week):
    days = {str(r["day"]): (r["opened"], r["resolved"]) for r in metrics.daily(_scope())}
    assert len(days) == 7
    assert days["2025-03-02"] == (2, 2)
    assert days["2025-03-03"] == (2, 2)  # C resolved at 20:00 here, the 4th in UTC
    assert days["2025-03-04"] == (2, 2)
    assert days["2025-03-01"] == (0, 0) and days["2025-03-07"] == (0, 0)


def test_each_group_a_case_passed_through_is_charged_once(week):
    charges = {
        (c.case.subject, c.group.name): c.amount for c in CaseCharge.objects.select_related()
    }
    assert charges[("Caso E", "nivel1")] == Decimal("5.00")
    assert charges[("Caso E", "expertos")] == Decimal("40.00")
    d = week.cases["D"]
    assert d.cost == Decimal("5.00")  # resolved twice, charged once
    assert costing.charge_handling(d) == 0 and costing.charge_resolved() == 0
    assert week.cases["C"].cost == Decimal("105.00")  # field work 100 + level 1


def test_cost_per_case_and_per_customer(week):
    total, *per_group = metrics.cost_summary(_scope())
    assert total["cases"] == 6 and total["total"] == Decimal("170.00")
    assert total["handling"] == Decimal("70.00") and total["field"] == Decimal("100.00")
    assert total["per_case"] == Decimal("28.33")
    assert {g["group"]: g["total"] for g in per_group} == {
        "expertos": Decimal("45.00"),
        "nivel1": Decimal("125.00"),
    }
    dearest = metrics.cost_per_case(_scope())
    assert dearest[0]["number"] == week.cases["C"].number
    assert (dearest[0]["handling"], dearest[0]["field"]) == (Decimal("5.00"), Decimal("100.00"))
    customers = [
        (r["customer_id"], r["cases"], r["total"]) for r in metrics.cost_per_customer(_scope())
    ]
    assert customers == [
        (2, 1, Decimal("105.00")),
        (3, 3, Decimal("55.00")),
        (1, 2, Decimal("10.00")),
    ]
    # analytics reads all history up to a moment: H, resolved on the 9th, counts from then on
    assert metrics.support_cost_by_customer(None, at(9, 0)) == {1: 10.0, 2: 105.0, 3: 55.0}
    assert metrics.support_cost_by_customer(at(4, 0), at(10, 0)) == {3: 50.0, 4: 5.0}


def test_an_empty_period_gives_zeros_and_no_rates(week):
    empty = metrics.scope_of("2024-01-01", "2024-01-08")
    assert metrics.first_contact(empty) == [
        {
            "group": "*",
            "resolved": 0,
            "first_contact": 0,
            "customer_wrote": 0,
            "reopened": 0,
            "escalated_or_transferred": 0,
            "other_outcome": 0,
            "rate": None,
        }
    ]
    assert metrics.sla(empty)[0]["first_met_pct"] is None
    assert metrics.resolution(empty) == [
        {"dimension": "all", "key": "*", "cases": 0, "median_hours": None, "p90_hours": None}
    ]
    assert metrics.cost_summary(empty) == [
        {
            "group": "*",
            "cases": 0,
            "total": Decimal(0),
            "handling": Decimal(0),
            "field": Decimal(0),
            "per_case": None,
        }
    ]
    assert metrics.backlog_at_end(empty) == []
    assert [r["opened"] for r in metrics.daily(empty)] == [0] * 7


def test_a_customer_writing_after_the_reply_on_a_case_reopened_by_them(desk):
    desk.open("X", at(2, 9), 7)
    desk.do("X", at(2, 9, 5), "reply", "Hecho", ACTOR)
    desk.do("X", at(2, 10), "resolve")
    desk.do("X", at(2, 11), "customer_message", "No funciona", ACTOR)
    assert Case.objects.get().status == "open"
    assert metrics.first_contact(_scope())[0]["resolved"] == 0  # open again: not resolved
    desk.do("X", at(2, 12), "resolve")
    row = metrics.first_contact(_scope())[0]
    assert (row["resolved"], row["first_contact"], row["customer_wrote"]) == (1, 0, 1)
    assert row["reopened"] == 1


@pytest.mark.parametrize(
    ("since", "until", "field"),
    [
        ("2025-13-01", "", "from"),
        ("", "ayer", "to"),
        ("2025-03-08", "2025-03-01", "to"),
        ("2020-01-01", "2025-01-01", "from"),
    ],
)
def test_a_bad_period_is_refused_naming_its_field(since, until, field):
    with pytest.raises(MetricsRefused) as refused:
        metrics.scope_of(since, until)
    assert refused.value.field == field
