"""The sales dashboard's figures: the open pipeline by stage, win rate and cycle time per
month, leads and wins per source, and the forecast against what closed.

Acquisition cost per channel needs each campaign's cost, which marketing does not expose
through its selectors; the dashboard shows leads and won deals per lead source instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from lealtad.sales.choices import LeadSource, StageKind
from lealtad.sales.models import Lead, Opportunity
from lealtad.sales.selectors_calendar import day_start
from lealtad.sales.selectors_forecast import next_month


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
    rows = (
        Opportunity.objects.filter(stage__kind=StageKind.OPEN)
        .values("stage__name", "stage__order")
        .annotate(amount=Sum("amount"), n=Count("id"))
        .order_by("stage__order", "stage__name")
    )
    labels, amounts = [], []
    for row in rows:
        labels.append(row["stage__name"])
        amounts.append(_number(row["amount"]))
    return Chart(labels, [(amount_label, amounts)])


@dataclass
class _Closed:
    won: int = 0
    lost: int = 0
    days: list[float] = field(default_factory=list)


def closed_by_month(months: list[date]) -> dict[date, _Closed]:
    """Per month (of ``closed_at``): won and lost counts and the days each win took."""
    found = {m: _Closed() for m in months}
    start, end = day_start(months[0]), day_start(next_month(months[-1]))
    rows = Opportunity.objects.filter(
        closed_at__gte=start, closed_at__lt=end, stage__kind__in=[StageKind.WON, StageKind.LOST]
    ).values_list("stage__kind", "created_at", "closed_at")
    for kind, created, closed in rows:
        if closed is None:
            continue
        cell = found[timezone.localtime(closed).date().replace(day=1)]
        if kind == StageKind.WON:
            cell.won += 1
            cell.days.append((closed - created).total_seconds() / 86400)
        else:
            cell.lost += 1
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
        days.append(round(sum(cell.days) / len(cell.days), 1) if cell.days else None)
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
