"""The forecast page's reads, handed to the pure core (:mod:`lealtad.sales_engine.forecast`).

Why open deals are grouped in SQL before the core sees them: deals with the same seller,
team, close month, category and stage add up to one deal of their summed amount
(the weighted sum is linear), so 100,000 open deals reach Python as a few hundred rows; the
counts come from the same grouped query.

Why one query per month and not one grouped by a month expression: every column the forecast
reads is in the ``sales_opp_forecast`` index (stage, close date, owner, team, category,
amount), so a month is a range read of the index alone; grouping all months at once by a
CASE on the close date measured slower on SQLite (one bigger sort) than the months' small
ones, and a month with no deals costs one index probe.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from lealtad.sales.choices import ForecastCategory, StageKind
from lealtad.sales.models import Opportunity, Quota, SalesTeam, Stage, StageChange
from lealtad.sales.selectors_board import BoardFilters
from lealtad.sales_engine import forecast as engine

HUNDRED = Decimal(100)
SLIPPED_SHOWN = 25


def summed(amount: Decimal | None) -> Decimal:
    """A sum of amounts from the database, to the cent. Why: SQLite keeps decimals as
    binary floats and sums them as such (9310915.59999999 for 9310915.60), and a sum of
    amounts in cents is a whole number of cents; PostgreSQL's sums are exact already."""
    return engine.money(amount or Decimal(0))


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def stages_of(*kinds: str) -> dict[int, Stage]:
    """The stages of these kinds, by id.

    Why deals are then filtered by ``stage_id IN (…)`` and not by a join on the stage's kind:
    SQLite keeps no table statistics here, and with the join it scans a whole index of
    opportunities; with the ids it reads the (stage, …) indexes' ranges.
    """
    return {s.pk: s for s in Stage.objects.filter(kind__in=kinds).order_by()}


def _open(filters: BoardFilters, stage_ids: Iterable[int] | None = None) -> QuerySet[Opportunity]:
    if stage_ids is None:
        stage_ids = stages_of(StageKind.OPEN)
    rows = Opportunity.objects.filter(stage_id__in=list(stage_ids))
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
    probability = {pk: s.probability for pk, s in stages_of(StageKind.OPEN).items()}
    counts: dict[tuple[object, ...], int] = defaultdict(int)
    for month in wanted:  # a range on the close date per month: no date function per row
        for row in _grouped(filters, month, probability):
            deals.append(_deal(len(deals), row, month, probability[row["stage_id"]]))
            if row["forecast_category"] == ForecastCategory.OMITTED:
                continue
            for key in (("rep", row["owner_id"], month), ("team", row["team_id"], month)):
                counts[key] += row["n"]
            counts[("month", month)] += row["n"]
            counts[("total",)] += row["n"]
    result = _counted(engine.forecast(deals), counts)
    return ForecastView(result, wanted, _seller_names(result), _team_names(result))


def _grouped(
    filters: BoardFilters, month: date, stage_ids: Iterable[int]
) -> QuerySet[Opportunity, dict[str, Any]]:
    return (
        _open(filters, stage_ids)
        .filter(close_date__gte=month, close_date__lt=next_month(month))
        .values("owner_id", "team_id", "forecast_category", "stage_id")
        .annotate(n=Count("*"), amount=Sum("amount"))
        .order_by()
    )


def _deal(index: int, row: dict[str, Any], month: date, probability: int) -> engine.OpenDeal:
    return engine.OpenDeal(
        index,
        summed(row["amount"]),
        Decimal(probability) / HUNDRED,
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
    totals = late.aggregate(n=Count("*"), amount=Sum("amount"))
    order = ("-amount", "close_date", "id")
    # The biggest picked from the index first, then only their rows read.
    biggest = list(late.order_by(*order).values_list("id", flat=True)[:SLIPPED_SHOWN])
    shown: list[dict[str, Any]] = [
        dict(row)
        for row in Opportunity.objects.filter(pk__in=biggest)
        .order_by(*order)
        .values("id", "number", "name", "amount", "currency", "close_date", "owner__username")
    ]
    for row in shown:
        row["days_late"] = (today - row["close_date"]).days
    return totals["n"] or 0, summed(totals["amount"]), shown


def _local_bounds(first: date, after: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(after, time.min, tzinfo=zone),
    )


def closed_month(firsts: list[date]) -> Case:
    """Which of ``firsts`` (consecutive months, oldest first) a deal closed in, by its index:
    a CASE on ``closed_at`` against each local month's end, the same on both databases and
    with no date function run per row (on SQLite Django's are Python calls)."""
    return Case(
        *[
            When(closed_at__lt=_local_bounds(first, next_month(first))[1], then=Value(i))
            for i, first in enumerate(firsts)
        ],
        default=Value(None),
        output_field=IntegerField(),
    )


def won_per_seller(first: date, after: date) -> dict[Hashable, Decimal]:
    start, end = _local_bounds(first, after)
    rows = (
        Opportunity.objects.filter(
            stage_id__in=list(stages_of(StageKind.WON)), closed_at__gte=start, closed_at__lt=end
        )
        .values("owner_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    return {r["owner_id"]: summed(r["amount"]) for r in rows}


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
    The close date is today's (its earlier values are not kept). Only whole months are
    judged, so the current month's snapshot is not rebuilt unless ``through`` ends it.
    """
    last = through.replace(day=1)
    firsts = [last]
    while len(firsts) < months:
        previous = firsts[-1]
        firsts.append(date(previous.year - (previous.month == 1), (previous.month - 2) % 12 + 1, 1))
    stages = stages_of(StageKind.OPEN)
    whole = [first for first in sorted(firsts) if next_month(first) - timedelta(days=1) <= through]
    # A month nobody had a deal open in is no history to judge the forecast by.
    snapshots = {first: deals for first in whole if (deals := _snapshot(first, stages))}
    return engine.backtest(snapshots, _won_per_month(sorted(firsts)), through)


def _won_per_month(firsts: list[date]) -> list[engine.Outcome]:
    """What closed won in each month, summed per month by the database: the backtest reads
    only the months' totals, so one outcome per month stands for its deals."""
    start, end = _local_bounds(firsts[0], next_month(firsts[-1]))
    rows = (
        Opportunity.objects.filter(
            stage_id__in=list(stages_of(StageKind.WON)), closed_at__gte=start, closed_at__lt=end
        )
        .annotate(month=closed_month(firsts))
        .values_list("month")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    return [
        engine.Outcome(-1 - index, True, firsts[index], summed(amount)) for index, amount in rows
    ]


def _snapshot(first: date, stages: dict[int, Stage]) -> list[engine.OpenDeal]:
    """The deals open on ``first`` that close in its month, summed per stage they were in.

    Why summed: the backtest reads only each month's weighted total, which is linear in the
    amounts, so one deal per stage of the summed amount gives the same figure as every deal
    (a test pins it) while the database returns a handful of rows instead of thousands.
    """
    start, _end = _local_bounds(first, first)
    stage_then = (
        StageChange.objects.filter(opportunity=OuterRef("pk"), at__lt=start)
        .order_by("-at", "-id")
        .values("to_stage_id")[:1]
    )
    rows = (
        Opportunity.objects.filter(
            created_at__lt=start, close_date__gte=first, close_date__lt=next_month(first)
        )
        .annotate(stage_then=Subquery(stage_then))
        .values("stage_then")
        .annotate(amount=Sum("amount"))
        .order_by()
        .values_list("stage_then", "amount")
    )
    deals: list[engine.OpenDeal] = []
    for stage_id, amount in rows:
        stage = stages.get(stage_id)  # None: a stage not open, or no history then
        if stage is not None:
            probability = Decimal(stage.probability) / HUNDRED
            deals.append(
                engine.OpenDeal(len(deals), summed(amount), probability, first, None, None)
            )
    return deals
