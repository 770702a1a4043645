"""Acquisition cost per channel: what each lead source cost, against the leads it brought and
the customers it won, over a span of months (the business's calendar).

A lead counts in the month it was captured; a won customer in the month its deal closed won
(one customer won twice from the same source counts once). Spend is counted in one currency
at a time; leads and wins are counts, whatever the deal's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from lealtad.sales.choices import LeadSource, StageKind
from lealtad.sales.models import AcquisitionSpend, Lead
from lealtad.sales.selectors_calendar import day_start
from lealtad.sales.selectors_dashboard import Chart
from lealtad.sales.selectors_forecast import next_month

CENT = Decimal("0.01")


@dataclass(frozen=True)
class SourceCost:
    """One lead source over the span: its spend, leads and won customers."""

    source: str
    spend: Decimal
    leads: int
    won: int

    @property
    def label(self) -> str:
        return str(LeadSource(self.source).label)

    @property
    def cost_per_lead(self) -> Decimal | None:
        return _per(self.spend, self.leads)

    @property
    def cost_per_won(self) -> Decimal | None:
        return _per(self.spend, self.won)


def year_to(last: date) -> date:
    """The first of the twelve months ending with ``last``'s: the span read when none is said."""
    return date(last.year - 1 + (last.month == 12), last.month % 12 + 1, 1)


def _per(spend: Decimal, count: int) -> Decimal | None:
    """None when nothing came of the spend: a cost per nothing is not a number to chart."""
    if not count:
        return None
    return (spend / count).quantize(CENT, rounding=ROUND_HALF_UP)


def acquisition_costs(first: date, last: date, currency: str = "USD") -> list[SourceCost]:
    """Per lead source with spend or leads between the months of ``first`` and ``last``
    (both included), in the order of the sources' list."""
    first, last = first.replace(day=1), last.replace(day=1)
    start, end = day_start(first), day_start(next_month(last))
    spend = dict(
        AcquisitionSpend.objects.filter(
            month__gte=first, month__lte=last, currency=currency.upper()
        )
        .order_by()
        .values_list("source")
        .annotate(total=Sum("amount"))
    )
    leads = dict(
        Lead.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values_list("source")
        .annotate(n=Count("id"))
    )
    won = dict(
        Lead.objects.filter(
            opportunity__stage__kind=StageKind.WON,
            opportunity__closed_at__gte=start,
            opportunity__closed_at__lt=end,
        )
        .order_by()
        .values_list("source")
        .annotate(n=Count("opportunity__customer_id", distinct=True))
    )
    return [
        SourceCost(
            s.value,
            (spend.get(s.value) or Decimal(0)).quantize(CENT),
            leads.get(s.value, 0),
            won.get(s.value, 0),
        )
        for s in LeadSource
        if s.value in spend or s.value in leads
    ]


def cost_chart(
    first: date, last: date, per_lead_label: str, per_won_label: str, currency: str = "USD"
) -> Chart:
    """The dashboard's chart: cost per lead and per won customer, per source."""
    costs = acquisition_costs(first, last, currency)
    return Chart(
        [c.label for c in costs],
        [
            (per_lead_label, [_number(c.cost_per_lead) for c in costs]),
            (per_won_label, [_number(c.cost_per_won) for c in costs]),
        ],
    )


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def spend_rows(first: date, last: date, currency: str = "USD") -> list[AcquisitionSpend]:
    """The spend recorded between two months (both included), newest month first."""
    return list(
        AcquisitionSpend.objects.filter(
            month__gte=first.replace(day=1),
            month__lte=last.replace(day=1),
            currency=currency.upper(),
        ).order_by("-month", "source")
    )
