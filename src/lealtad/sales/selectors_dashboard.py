"""The sales dashboard's figures: the open pipeline by stage, win rate and cycle time per
month, leads and wins per source, and the forecast against what closed.

Acquisition cost per channel needs each campaign's cost, which marketing does not expose
through its selectors; the dashboard shows leads and won deals per lead source instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from lealtad.sales.choices import LeadSource, StageKind
from lealtad.sales.models import Lead, Opportunity
from lealtad.sales.selectors_calendar import day_start
from lealtad.sales.selectors_forecast import closed_month, next_month, stages_of, summed


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
    rows = Lead.objects.values("source").annotate(
        n=Count("id"),
        won=Count("opportunity", filter=Q(opportunity__stage__kind=StageKind.WON)),
    )
    counts = {r["source"]: (r["n"], r["won"]) for r in rows}
    sources = [s for s in LeadSource if s.value in counts]
    return Chart(
        [str(s.label) for s in sources],
        [
            (leads_label, [float(counts[s.value][0]) for s in sources]),
            (won_label, [float(counts[s.value][1]) for s in sources]),
        ],
    )
