"""The sales forecast over open deals: weighted per rep, team and month, the rep's own
categories (commit, best case, pipeline), slipped deals, quota coverage, and a backtest of the
forecast against what closed.

Why two measures side by side: the weighted forecast (amount x probability) is the pipeline's
statistics, right on average over many deals and wrong on any one; the categories are the
rep's judgement deal by deal ("commit" means "I will close it this month"). Managers read
both, and the backtest says which has been closer.

Category totals are cumulative, as sales managers read them: ``commit`` is the committed
amount, ``best_case`` commit plus best case, ``pipeline`` every open deal's amount. A deal
the rep marked ``omitted`` counts nowhere.

One pass over the deals groups them by (rep, team, month, category); the rolled-up views
are built from those groups, so 100,000 deals cost one loop of three additions each. The
sales context can instead have the database group them and call :func:`roll_up`.
Money is ``Decimal`` throughout, summed exactly and rounded to the cent (half up) once, at
the end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import NamedTuple

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
PAST_DUE = "past_due"
PUSHED = "pushed"


class Category(StrEnum):
    COMMIT = "commit"
    BEST_CASE = "best_case"
    PIPELINE = "pipeline"
    OMITTED = "omitted"


@dataclass(frozen=True, slots=True)
class OpenDeal:
    """An open opportunity as the forecast needs it. ``probability`` is 0..1 (the stage's, or
    the rep's override); ``owner`` and ``team`` are the caller's ids."""

    id: int
    amount: Decimal
    probability: Decimal
    close_date: date
    owner: Hashable
    team: Hashable
    category: Category = Category.PIPELINE
    stage: str = ""


@dataclass(frozen=True)
class Figures:
    """One cell of the forecast: open deals counted, their amount, the weighted forecast,
    and the cumulative category totals (see the module docstring)."""

    count: int
    amount: Decimal
    weighted: Decimal
    commit: Decimal
    best_case: Decimal
    pipeline: Decimal


@dataclass(frozen=True)
class Forecast:
    """The forecast per (rep, month), (team, month) and month, and over everything. A
    month is its first day."""

    by_rep: dict[tuple[Hashable, date], Figures]
    by_team: dict[tuple[Hashable, date], Figures]
    by_month: dict[date, Figures]
    total: Figures


class _Sums:
    """Running sums of one group, unrounded: rounding happens once per figure shown."""

    __slots__ = ("amount", "by_category", "count", "weighted")

    def __init__(self) -> None:
        self.count = 0
        self.amount = ZERO
        self.weighted = ZERO
        self.by_category: dict[Category, Decimal] = {}

    def add(self, category: Category, amount: Decimal, weighted: Decimal, count: int) -> None:
        self.count += count
        self.amount += amount
        self.weighted += weighted
        self.by_category[category] = self.by_category.get(category, ZERO) + amount

    def figures(self) -> Figures:
        commit = self.by_category.get(Category.COMMIT, ZERO)
        best_case = commit + self.by_category.get(Category.BEST_CASE, ZERO)
        return Figures(
            self.count,
            money(self.amount),
            money(self.weighted),
            money(commit),
            money(best_case),
            money(best_case + self.by_category.get(Category.PIPELINE, ZERO)),
        )


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Group(NamedTuple):
    """Open deals of one rep, team, close month (its first day) and category, summed: what
    a database returns for ``GROUP BY`` owner, team, month, category with
    ``SUM(amount)``, ``SUM(amount * probability)`` and ``COUNT(*)`` as ``deals``."""

    owner: Hashable
    team: Hashable
    month: date
    category: Category | str
    deals: int
    amount: Decimal
    weighted: Decimal


def forecast(deals: Iterable[OpenDeal]) -> Forecast:
    """The weighted forecast and category totals of open deals (omitted ones left out);
    ``ValueError`` names a deal whose probability is outside 0..1 or amount negative."""
    groups: dict[tuple[Hashable, Hashable, int, int, str], list[Decimal]] = {}
    for deal in deals:  # the one pass over every deal: kept lean, no calls per deal
        if deal.category == "omitted":
            continue
        if not ZERO <= deal.probability <= ONE or deal.amount < ZERO:
            _refuse(deal)
        close = deal.close_date
        key = (deal.owner, deal.team, close.year, close.month, deal.category)
        sums = groups.get(key)
        if sums is None:
            groups[key] = [deal.amount, deal.amount * deal.probability, ONE]
        else:
            sums[0] += deal.amount
            sums[1] += deal.amount * deal.probability
            sums[2] += ONE
    return roll_up(
        Group(owner, team, date(year, month, 1), category, int(count), amount, weighted)
        for (owner, team, year, month, category), (amount, weighted, count) in groups.items()
    )


def _refuse(deal: OpenDeal) -> None:
    if deal.amount < 0:
        raise ValueError(f"amount: {deal.amount} is negative (deal {deal.id})")
    raise ValueError(f"probability: {deal.probability} is not between 0 and 1 (deal {deal.id})")


def roll_up(groups: Iterable[Group]) -> Forecast:
    """The forecast from deals already grouped. Why it is public: for 100,000 open deals
    the sales context lets the database group them (one indexed query) and hands the few
    thousand groups here, instead of loading every deal into Python."""
    by_rep: dict[tuple[Hashable, date], _Sums] = defaultdict(_Sums)
    by_team: dict[tuple[Hashable, date], _Sums] = defaultdict(_Sums)
    by_month: dict[date, _Sums] = defaultdict(_Sums)
    total = _Sums()
    for group in groups:
        category = Category(group.category)
        if category is Category.OMITTED:
            continue
        first = group.month.replace(day=1)
        for sums in (by_rep[(group.owner, first)], by_team[(group.team, first)]):
            sums.add(category, group.amount, group.weighted, group.deals)
        for sums in (by_month[first], total):
            sums.add(category, group.amount, group.weighted, group.deals)
    return Forecast(
        {key: sums.figures() for key, sums in by_rep.items()},
        {key: sums.figures() for key, sums in by_team.items()},
        {key: sums.figures() for key, sums in sorted(by_month.items())},
        total.figures(),
    )


@dataclass(frozen=True)
class Slip:
    """A deal that slipped: ``PAST_DUE`` (its close date has passed and it is still open)
    and/or ``PUSHED`` (its close month is later than in the earlier snapshot, by
    ``months_pushed``)."""

    deal_id: int
    owner: Hashable
    close_date: date
    earlier_close_date: date | None
    reasons: tuple[str, ...]
    months_pushed: int


def slipped(
    deals: Iterable[OpenDeal], today: date, earlier: Mapping[int, date] | None = None
) -> list[Slip]:
    """Open deals that slipped, by deal id. ``today`` is the business's day (the caller's
    local date); ``earlier`` maps a deal id to its close date in an earlier snapshot."""
    earlier = earlier or {}
    found = []
    for deal in deals:
        before = earlier.get(deal.id)
        pushed = 0 if before is None else _months_between(before, deal.close_date)
        reasons = (PAST_DUE,) if deal.close_date < today else ()
        if pushed > 0:
            reasons = (*reasons, PUSHED)
        if reasons:
            found.append(Slip(deal.id, deal.owner, deal.close_date, before, reasons, pushed))
    return sorted(found, key=lambda s: s.deal_id)


def _months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


@dataclass(frozen=True)
class Coverage:
    """A rep's standing against quota over some months. ``coverage`` is (closed + weighted
    open) / quota; ``pipeline_coverage`` the open amount over what is still to close (the
    "3x pipeline" rule of thumb); either is None when its divisor is zero."""

    rep: Hashable
    quota: Decimal
    closed: Decimal
    weighted_open: Decimal
    open_amount: Decimal
    coverage: Decimal | None
    pipeline_coverage: Decimal | None
    gap: Decimal


def quota_coverage(
    result: Forecast,
    months: Collection[date],
    quotas: Mapping[Hashable, Decimal],
    closed: Mapping[Hashable, Decimal],
) -> list[Coverage]:
    """Coverage per rep with a quota for ``months`` (first days), given the amount each rep
    has already closed won in them."""
    wanted = {m.replace(day=1) for m in months}
    weighted: dict[Hashable, Decimal] = defaultdict(lambda: ZERO)
    amount: dict[Hashable, Decimal] = defaultdict(lambda: ZERO)
    for (rep, month), figures in result.by_rep.items():
        if month in wanted:
            weighted[rep] += figures.weighted
            amount[rep] += figures.pipeline
    rows = []
    for rep, quota in quotas.items():
        if quota < 0:
            raise ValueError(f"quota: {quota} is negative (rep {rep})")
        won = closed.get(rep, ZERO)
        projected = won + weighted[rep]
        remaining = quota - won
        rows.append(
            Coverage(
                rep,
                quota,
                won,
                weighted[rep],
                amount[rep],
                _ratio(projected, quota),
                _ratio(amount[rep], remaining) if remaining > 0 else None,
                money(max(quota - projected, ZERO)),
            )
        )
    return rows


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator == 0:
        return None
    return (numerator / denominator).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Outcome:
    """How a deal ended: ``amount`` is what was won (ignored when lost)."""

    deal_id: int
    won: bool
    closed_on: date
    amount: Decimal


@dataclass(frozen=True)
class BacktestMonth:
    """One month: the forecast from the snapshot taken on ``snapshot_on`` (the latest on or
    before the month's first day) against what closed won in the month. ``error`` is
    forecast - actual (positive: the forecast was too high)."""

    month: date
    snapshot_on: date
    forecast: Decimal
    actual: Decimal
    error: Decimal
    absolute_error: Decimal
    percentage_error: Decimal | None


@dataclass(frozen=True)
class Backtest:
    """``bias`` is the mean signed error (the forecast's habit of over- or under-calling);
    ``mean_percentage_error`` the mean over months that closed something."""

    months: tuple[BacktestMonth, ...]
    mean_absolute_error: Decimal
    mean_percentage_error: Decimal | None
    bias: Decimal


def backtest(
    snapshots: Mapping[date, Sequence[OpenDeal]],
    outcomes: Iterable[Outcome],
    through: date,
    measure: str = "weighted",
) -> Backtest:
    """The forecast's own accuracy over every whole month up to ``through`` that a snapshot
    precedes. ``measure`` is the :class:`Figures` field taken as the forecast ("weighted",
    "commit", "best_case" or "pipeline")."""
    if measure not in {"weighted", "commit", "best_case", "pipeline"}:
        raise ValueError(f"measure: {measure!r} is not a forecast figure")
    actual: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for outcome in outcomes:
        if outcome.won:
            actual[outcome.closed_on.replace(day=1)] += outcome.amount
    taken = sorted(snapshots)
    rows = []
    for month in _whole_months(taken, through):
        snapshot_on = max(day for day in taken if day <= month)
        cell = forecast(d for d in snapshots[snapshot_on] if d.close_date.replace(day=1) == month)
        predicted = getattr(cell.by_month.get(month), measure, ZERO)
        rows.append(_compare(month, snapshot_on, predicted, money(actual[month])))
    return _summarise(rows)


def _whole_months(taken: Sequence[date], through: date) -> list[date]:
    if not taken:
        return []
    month = taken[0] if taken[0].day == 1 else _next_month(taken[0])
    months = []
    while _last_day(month) <= through:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _last_day(month: date) -> date:
    return date.fromordinal(_next_month(month).toordinal() - 1)


def _compare(month: date, snapshot_on: date, predicted: Decimal, won: Decimal) -> BacktestMonth:
    error = predicted - won
    percentage = _ratio(abs(error) * 100, won) if won else None
    return BacktestMonth(month, snapshot_on, predicted, won, error, abs(error), percentage)


def _summarise(rows: list[BacktestMonth]) -> Backtest:
    if not rows:
        return Backtest((), ZERO, None, ZERO)
    n = Decimal(len(rows))
    percentages = [r.percentage_error for r in rows if r.percentage_error is not None]
    mean_percentage = money(sum(percentages, ZERO) / len(percentages)) if percentages else None
    return Backtest(
        tuple(rows),
        money(sum((r.absolute_error for r in rows), ZERO) / n),
        mean_percentage,
        money(sum((r.error for r in rows), ZERO) / n),
    )
