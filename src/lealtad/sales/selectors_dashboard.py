"""The sales dashboard's figures: the open pipeline by stage, win rate and cycle time per
month, leads and wins per source, and the forecast against what closed.

Acquisition cost per channel needs each campaign's cost, which marketing does not expose
through its selectors; the dashboard shows leads and won deals per lead source instead.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Sum

from lealtad.sales.choices import LeadSource, StageKind
from lealtad.sales.models import Lead, Opportunity, Stage, StageChange
from lealtad.sales.selectors_calendar import day_start
from lealtad.sales.selectors_forecast import (
    backtest,
    closed_month,
    next_month,
    stages_of,
    summed,
)
from lealtad.sales_engine.forecast import Backtest

BACKTEST_KEPT_SECONDS = 3600


@dataclass(frozen=True)
class Chart:
    """A chart's data for ``analytics/charts.js`` and the same numbers as table rows."""

    labels: list[str]
    datasets: list[tuple[str, list[float | None]]]

    def data(self) -> dict[str, object]:
        return {
            "labels": self.labels,
            "datasets": [{"label": name, "data": values} for name, values in self.datasets],
        }

    def rows(self) -> list[tuple[str, list[float | None]]]:
        return [(label, [d[1][i] for d in self.datasets]) for i, label in enumerate(self.labels)]


def _number(value: Decimal | int | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def months_back(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    months = [first]
    while len(months) < count:
        m = months[-1]
        months.append(date(m.year - (m.month == 1), (m.month - 2) % 12 + 1, 1))
    return sorted(months)


def pipeline_by_stage(weighted_label: str, amount_label: str) -> Chart:
    """Open amount per stage (stages of the same name and place in several pipelines are one
    bar), summed per stage id from the (stage, amount) index and named here."""
    stages = stages_of(StageKind.OPEN)
    rows = (
        Opportunity.objects.filter(stage_id__in=list(stages))
        .values_list("stage_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    bars: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for stage_id, amount in rows:
        stage = stages[stage_id]
        bars[(stage.order, stage.name)] += summed(amount)
    ordered = sorted(bars.items())
    return Chart(
        [name for (_order, name), _amount in ordered],
        [(amount_label, [_number(amount) for _key, amount in ordered])],
    )


@dataclass
class _Closed:
    won: int = 0
    lost: int = 0
    won_seconds: float = 0.0  # opening to won, summed over the month's wins


def closed_by_month(months: list[date]) -> dict[date, _Closed]:
    """Per month (of ``closed_at``, local): won and lost counts and the time the wins took,
    counted and summed by the database per (month, stage) in one query."""
    found = {m: _Closed() for m in months}
    stages = stages_of(StageKind.WON, StageKind.LOST)
    start, end = day_start(months[0]), day_start(next_month(months[-1]))
    took = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    rows = (
        Opportunity.objects.filter(
            closed_at__gte=start, closed_at__lt=end, stage_id__in=list(stages)
        )
        .annotate(month=closed_month(months))
        .values_list("month", "stage_id")
        .annotate(n=Count("*"), took=Sum(took))
        .order_by()
    )
    for index, stage_id, n, seconds in rows:
        cell = found[months[index]]
        if stages[stage_id].kind == StageKind.WON:
            cell.won += n
            cell.won_seconds += seconds.total_seconds() if seconds else 0.0
        else:
            cell.lost += n
    return found


def win_rate_and_cycle(months: list[date], rate_label: str, days_label: str) -> tuple[Chart, Chart]:
    cells = closed_by_month(months)
    labels = [m.strftime("%m/%Y") for m in months]
    rates: list[float | None] = []
    days: list[float | None] = []
    for m in months:
        cell = cells[m]
        decided = cell.won + cell.lost
        rates.append(round(cell.won / decided, 4) if decided else None)
        days.append(round(cell.won_seconds / 86400 / cell.won, 1) if cell.won else None)
    return Chart(labels, [(rate_label, rates)]), Chart(labels, [(days_label, days)])


def leads_by_source(leads_label: str, won_label: str) -> Chart:
    """Leads per source, and how many of them became a won deal. Why two queries: joining
    every lead to its deal and the deal's stage read both tables whole; the won deals are
    few and read from the (stage, …) index, each joined to its lead by key."""
    leads = dict(Lead.objects.order_by().values_list("source").annotate(n=Count("*")))
    won = dict(
        Opportunity.objects.filter(stage_id__in=list(stages_of(StageKind.WON)), lead__isnull=False)
        .order_by()
        .values_list("lead__source")
        .annotate(n=Count("*"))
    )
    counts = {source: (n, won.get(source, 0)) for source, n in leads.items()}
    sources = [s for s in LeadSource if s.value in counts]
    return Chart(
        [str(s.label) for s in sources],
        [
            (leads_label, [float(counts[s.value][0]) for s in sources]),
            (won_label, [float(counts[s.value][1]) for s in sources]),
        ],
    )


def forecast_against_won(today: date, months: int) -> Backtest:
    """The backtest the dashboard charts, kept (in Django's cache) until a deal or its
    history changes, the day turns, or an hour passes.

    Why kept: it rebuilds every past month's forecast with one stage-history lookup per
    deal of the past year (80-150 ms at 100,000 deals) for months that rarely change. Why
    it stays right: the key holds what any change to the deals moves — their count, the
    latest ``updated_at`` (every service that edits a deal sets it) and the latest
    stage-history row — and the stages' probabilities; the hour bounds a change written
    around the services. The forecast
    page's own accuracy part is rebuilt on every request.
    """
    deals = Opportunity.objects.aggregate(n=Count("*"), edited=Max("updated_at"))
    moved = StageChange.objects.order_by("-id").values_list("id", flat=True).first()
    edited = deals["edited"].isoformat() if deals["edited"] else "-"
    stages = Stage.objects.order_by("pk").values_list("pk", "probability", "kind")
    weights = hashlib.sha256(repr(list(stages)).encode()).hexdigest()[:16]
    key = (
        f"sales:dashboard:backtest:{today.isoformat()}:{months}:{deals['n']}:{edited}:{moved}"
        f":{weights}"
    )
    found = cache.get(key)
    if found is None:
        found = backtest(today, months)
        cache.set(key, found, BACKTEST_KEPT_SECONDS)
    return found
