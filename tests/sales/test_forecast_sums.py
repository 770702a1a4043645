"""The forecast, backtest and dashboard figures the database sums equal the same figures
computed deal by deal: per month, seller, team and category to the cent (also on SQLite,
which sums decimals as binary floats), each past month at the stage a deal was in on its
first day, and wins, losses and cycle time per local month."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.sales.models import Opportunity, Stage
from lealtad.sales.selectors_board import BoardFilters
from lealtad.sales.selectors_dashboard import months_back, win_rate_and_cycle
from lealtad.sales.selectors_forecast import backtest, forecast, next_month, slipped
from lealtad.sales_engine import forecast as engine

from .screens_data import open_deals, seller

pytestmark = pytest.mark.django_db

OPEN_STAGES = ["Prospección", "Calificación", "Propuesta", "Negociación"]
CATEGORIES = ["commit", "best_case", "pipeline", "omitted"]

deals_drawn = st.lists(
    st.tuples(
        st.integers(0, 10**9).map(lambda cents: Decimal(cents) / 100),  # amount
        st.sampled_from(OPEN_STAGES),
        st.integers(0, 3),  # close month, from this one
        st.integers(1, 28),  # close day
        st.integers(0, 2),  # seller
        st.sampled_from(CATEGORIES),
    ),
    max_size=12,
)


def _month(offset: int):
    first = timezone.localdate().replace(day=1)
    for _ in range(offset):
        first = next_month(first)
    return first


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(deals_drawn)
def test_forecast_by_month_equals_the_deals_one_by_one(pipeline, drawn) -> None:
    with transaction.atomic():
        reps = [seller(f"rep{i}") for i in range(3)]
        rows = [
            {
                "name": f"D{i}",
                "amount": str(amount),
                "close": _month(month).replace(day=day),
                "owner": reps[rep],
                "stage": stage,
            }
            for i, (amount, stage, month, day, rep, _category) in enumerate(drawn)
        ]
        made = open_deals(pipeline, rows) if rows else []
        for deal, (*_rest, category) in zip(made, drawn, strict=True):
            Opportunity.objects.filter(pk=deal.pk).update(forecast_category=category)
        probability = {s.name: Decimal(s.probability) / 100 for s in Stage.objects.all()}
        expected = engine.forecast(
            engine.OpenDeal(
                deal.pk,
                row[0],
                probability[row[1]],
                _month(row[2]).replace(day=row[3]),
                reps[row[4]].pk,
                None,
                engine.Category(row[5]),
            )
            for deal, row in zip(made, drawn, strict=True)
        )
        found = forecast(BoardFilters(), _month(0), 4).result
        transaction.set_rollback(True)
    assert found.by_month == expected.by_month
    assert found.by_rep == expected.by_rep
    assert found.by_team == expected.by_team
    assert found.total == expected.total


def test_slipped_total_is_to_the_cent_and_the_biggest_come_first(pipeline) -> None:
    rep = seller("lucia.ventas")
    today = timezone.localdate()
    amounts = ["0.10", "0.20", "1234567.89", "0.30", "99.99"]
    open_deals(
        pipeline,
        [
            {"name": f"L{i}", "amount": a, "close": today - timedelta(days=i + 1), "owner": rep}
            for i, a in enumerate(amounts)
        ]
        + [{"name": "Future", "amount": "5", "close": today + timedelta(days=3), "owner": rep}],
    )
    count, total, shown = slipped(BoardFilters(), today)
    assert (count, total) == (5, Decimal("1234668.48"))
    assert [row["name"] for row in shown] == ["L2", "L4", "L3", "L1", "L0"]
    assert [row["days_late"] for row in shown] == [3, 5, 4, 2, 1]


def _backdate(deal: Opportunity, created: datetime) -> None:
    Opportunity.objects.filter(pk=deal.pk).update(created_at=created)
    deal.stage_changes.update(at=created)


def test_backtest_takes_each_deal_at_its_stage_on_the_month_first_day(pipeline) -> None:
    rep = seller("lucia.ventas")
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    zone = timezone.get_current_timezone()
    before = datetime.combine(last_month - timedelta(days=20), time(9), tzinfo=zone)
    during = datetime.combine(last_month + timedelta(days=3), time(9), tzinfo=zone)
    close = last_month + timedelta(days=10)
    deals = open_deals(
        pipeline,
        [
            {"name": "A", "amount": "1000.10", "close": close, "owner": rep, "stage": "Propuesta"},
            {"name": "B", "amount": "333.33", "close": close, "owner": rep, "stage": "Negociación"},
            {"name": "C", "amount": "0.30", "close": close, "owner": rep},
            {"name": "Late", "amount": "500", "close": close, "owner": rep},
        ],
    )
    for deal in deals:
        _backdate(deal, before)
    late = deals[3]
    Opportunity.objects.filter(pk=late.pk).update(created_at=during)  # opened after the 1st
    moved = deals[2]  # moved to Negociación after the month began: counted at its first stage
    won = Stage.objects.get(pipeline=pipeline, name="Ganada")
    Opportunity.objects.filter(pk=moved.pk).update(stage=won, closed_at=during + timedelta(days=1))
    moved.stage_changes.create(from_stage=moved.stage, to_stage=won, at=during + timedelta(days=1))
    result = backtest(timezone.localdate(), 2)
    [month] = [m for m in result.months if m.month == last_month]
    # 1000.10 x 50% + 333.33 x 75% + 0.30 x 10% = 500.05 + 249.9975 + 0.03
    assert month.forecast == Decimal("750.08")
    assert month.actual == Decimal("0.30")


def test_win_rate_and_cycle_per_local_month_equal_the_deals(pipeline) -> None:
    rep = seller("lucia.ventas")
    months = months_back(timezone.localdate(), 3)
    zone = timezone.get_current_timezone()
    deals = open_deals(
        pipeline,
        [{"name": f"W{i}", "amount": "10", "close": months[0], "owner": rep} for i in range(5)],
    )
    won = Stage.objects.get(pipeline=pipeline, name="Ganada")
    lost = Stage.objects.get(pipeline=pipeline, name="Perdida")
    # (month index, stage, days open, closed at local midnight of the month's first day?)
    plan = [(0, won, 3, False), (0, lost, 1, False), (1, won, 10, True), (1, won, 4.5, False)]
    for deal, (index, stage, days, at_midnight) in zip(deals, plan, strict=False):
        day = months[index] + timedelta(days=0 if at_midnight else 5)
        closed = datetime.combine(day, time(0 if at_midnight else 15), tzinfo=zone)
        Opportunity.objects.filter(pk=deal.pk).update(
            stage=stage, closed_at=closed, created_at=closed - timedelta(days=days)
        )
    # Closed a second before the first month began: in none of them.
    before = datetime.combine(months[0], time(0), tzinfo=zone) - timedelta(seconds=1)
    Opportunity.objects.filter(pk=deals[4].pk).update(stage=won, closed_at=before)
    rate, cycle = win_rate_and_cycle(months, "rate", "days")
    assert rate.datasets[0][1] == [0.5, 1.0, None]
    assert cycle.datasets[0][1] == [3.0, round((10 + 4.5) / 2, 1), None]
