"""The forecast page's reads, handed to the pure core (:mod:`lealtad.sales_engine.forecast`).

Why open deals are grouped in SQL before the core sees them: deals with the same seller,
team, close month, category and stage probability add up to one deal of their summed amount
(the weighted sum is linear), so 100,000 open deals reach Python as a few hundred rows; the
counts come from the same grouped query.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from lealtad.sales.choices import ForecastCategory, StageKind
from lealtad.sales.models import Opportunity, Quota, SalesTeam, StageChange
from lealtad.sales.selectors_board import BoardFilters
from lealtad.sales_engine import forecast as engine

HUNDRED = Decimal(100)
SLIPPED_SHOWN = 25


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _open(filters: BoardFilters) -> QuerySet[Opportunity]:
    rows = Opportunity.objects.filter(stage__kind=StageKind.OPEN)
    if filters.owner_id is not None:
        rows = rows.filter(owner_id=filters.owner_id)
    if filters.team_id is not None:
        rows = rows.filter(team_id=filters.team_id)
    return rows


@dataclass(frozen=True)
class ForecastView:
    result: engine.Forecast
    months: list[date]
    sellers: dict[Hashable, str]
    teams: dict[Hashable, str]


def forecast(filters: BoardFilters, first: date, months: int) -> ForecastView:
    """The forecast of open deals closing from ``first`` for ``months`` months."""
    wanted = [first]
    while len(wanted) < months:
        wanted.append(next_month(wanted[-1]))
    deals: list[engine.OpenDeal] = []
    counts: dict[tuple[object, ...], int] = defaultdict(int)
    for month in wanted:  # a range on the close date per month: no date function per row
        for row in _grouped(filters, month):
            deals.append(_deal(len(deals), row, month))
            if row["forecast_category"] == ForecastCategory.OMITTED:
                continue
            for key in (("rep", row["owner_id"], month), ("team", row["team_id"], month)):
                counts[key] += row["n"]
            counts[("month", month)] += row["n"]
            counts[("total",)] += row["n"]
    result = _counted(engine.forecast(deals), counts)
    return ForecastView(result, wanted, _seller_names(result), _team_names(result))


def _grouped(filters: BoardFilters, month: date) -> QuerySet[Opportunity, dict[str, Any]]:
    return (
        _open(filters)
        .filter(close_date__gte=month, close_date__lt=next_month(month))
        .values("owner_id", "team_id", "forecast_category", "stage__probability")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    )


def _deal(index: int, row: dict[str, Any], month: date) -> engine.OpenDeal:
    return engine.OpenDeal(
        index,
        row["amount"] or Decimal(0),
        Decimal(row["stage__probability"]) / HUNDRED,
        month,
        row["owner_id"],
        row["team_id"],
        engine.Category(row["forecast_category"]),
    )


def _counted(result: engine.Forecast, counts: dict[tuple[object, ...], int]) -> engine.Forecast:
    """The core counted one per grouped row; each cell gets the deals it holds."""

    def fix(figures: engine.Figures, key: tuple[object, ...]) -> engine.Figures:
        return dataclasses.replace(figures, count=counts.get(key, 0))

    return engine.Forecast(
        {k: fix(v, ("rep", *k)) for k, v in result.by_rep.items()},
        {k: fix(v, ("team", *k)) for k, v in result.by_team.items()},
        {k: fix(v, ("month", k)) for k, v in result.by_month.items()},
        fix(result.total, ("total",)),
    )


def _seller_names(result: engine.Forecast) -> dict[Hashable, str]:
    ids = {rep for rep, _ in result.by_rep if rep is not None}
    users = get_user_model().objects.filter(pk__in=ids)
    return {u.pk: u.get_username() for u in users}


def _team_names(result: engine.Forecast) -> dict[Hashable, str]:
    ids = {team for team, _ in result.by_team if team is not None}
    return dict(SalesTeam.objects.filter(pk__in=ids).values_list("pk", "name"))


def slipped(filters: BoardFilters, today: date) -> tuple[int, Decimal, list[dict[str, Any]]]:
    """Open deals whose close date has passed: how many, how much, and the biggest."""
    late = _open(filters).filter(close_date__lt=today)
    totals = late.aggregate(n=Count("id"), amount=Sum("amount"))
    shown: list[dict[str, Any]] = [
        dict(row)
        for row in late.order_by("-amount", "close_date").values(
            "id", "number", "name", "amount", "currency", "close_date", "owner__username"
        )[:SLIPPED_SHOWN]
    ]
    for row in shown:
        row["days_late"] = (today - row["close_date"]).days
    return totals["n"] or 0, totals["amount"] or Decimal(0), shown


def _local_bounds(first: date, after: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(after, time.min, tzinfo=zone),
    )


def won_per_seller(first: date, after: date) -> dict[Hashable, Decimal]:
    start, end = _local_bounds(first, after)
    rows = (
        Opportunity.objects.filter(
            stage__kind=StageKind.WON, closed_at__gte=start, closed_at__lt=end
        )
        .values("owner_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    return {r["owner_id"]: r["amount"] or Decimal(0) for r in rows}


def coverage(view: ForecastView, first: date) -> list[engine.Coverage]:
    """Quota coverage for the month starting ``first``, for every seller with a quota."""
    quotas: dict[Hashable, Decimal] = dict(
        Quota.objects.filter(month=first).values_list("user_id", "amount")
    )
    closed = won_per_seller(first, next_month(first))
    return engine.quota_coverage(view.result, [first], quotas, closed)


def quota_names(rows: list[engine.Coverage]) -> dict[Hashable, str]:
    users = get_user_model().objects.filter(pk__in=[r.rep for r in rows])
    return {u.pk: u.get_username() for u in users}


def backtest(through: date, months: int = 6) -> engine.Backtest:
    """How close the weighted forecast was to what closed won, month by month.

    Each month's snapshot is rebuilt from the stage history: the deals open on the month's
    first day that close in the month, each at the probability of the stage it was in then.
    The close date is today's (its earlier values are not kept).
    """
    last = through.replace(day=1)
    firsts = [last]
    while len(firsts) < months:
        previous = firsts[-1]
        firsts.append(date(previous.year - (previous.month == 1), (previous.month - 2) % 12 + 1, 1))
    # A month nobody had a deal open in is no history to judge the forecast by.
    snapshots = {first: deals for first in sorted(firsts) if (deals := _snapshot(first))}
    start, end = _local_bounds(min(firsts), next_month(last))
    won = Opportunity.objects.filter(
        stage__kind=StageKind.WON, closed_at__gte=start, closed_at__lt=end
    ).values_list("id", "closed_at", "amount")
    outcomes = [
        engine.Outcome(pk, True, timezone.localtime(at).date(), amount) for pk, at, amount in won
    ]
    return engine.backtest(snapshots, outcomes, through)


def _snapshot(first: date) -> list[engine.OpenDeal]:
    start, _end = _local_bounds(first, first)
    stage_then = (
        StageChange.objects.filter(opportunity=OuterRef("pk"), at__lt=start)
        .order_by("-at", "-id")
        .values("to_stage__probability")[:1]
    )
    kind_then = (
        StageChange.objects.filter(opportunity=OuterRef("pk"), at__lt=start)
        .order_by("-at", "-id")
        .values("to_stage__kind")[:1]
    )
    rows = (
        Opportunity.objects.filter(
            created_at__lt=start, close_date__gte=first, close_date__lt=next_month(first)
        )
        .annotate(probability_then=Subquery(stage_then), kind_then=Subquery(kind_then))
        .filter(kind_then=StageKind.OPEN)
        .values_list("id", "amount", "probability_then", "close_date", "owner_id", "team_id")
    )
    return [
        engine.OpenDeal(pk, amount, Decimal(p or 0) / HUNDRED, close, owner, team)
        for pk, amount, p, close, owner, team in rows
    ]
