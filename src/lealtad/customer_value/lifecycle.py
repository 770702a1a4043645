"""Lifecycle stages from purchase history, with the day of every change.

The stages, and when a customer enters each (``LifecycleRules`` holds every number):

* ``prospect`` — known, never bought.
* ``first_purchase`` — on the day of the first purchase.
* ``repeat`` — on a later purchase day (and after coming back from ``lapsing``).
* ``loyal`` — on a purchase day that completes ``loyal_purchases`` (4) purchase days within
  ``loyal_window_days`` (365). Loyalty is kept on later purchases until the customer lapses.
* ``lapsing`` — once more than the customer's lapsing threshold has passed since their last
  purchase: ``lapsing_gaps`` (2) times their usual gap (the mean gap between their purchase
  days so far) but at least ``min_lapsing_days`` (30); ``lapsing_days`` (90) for a customer
  with one purchase day, who has no usual gap yet.
* ``lapsed`` — the same with ``lapsed_gaps`` (4), at least ``min_lapsed_days`` (60) and always
  after lapsing; ``lapsed_days`` (180) after a single purchase.
* ``won_back`` — on a purchase day after having lapsed.

So the only moves are: prospect → first_purchase; first_purchase → repeat, loyal, lapsing;
repeat → loyal, lapsing; loyal → lapsing; lapsing → lapsed, repeat, loyal; lapsed → won_back;
won_back → repeat, loyal, lapsing (:data:`ALLOWED`). A day a customer has no purchase never
brings anything but lapsing or lapsed, and a purchase day never does.

"More than n days" is exact: last purchase on day 100, threshold 30, lapsing on day 131 (the
first day with more than 30 days without a purchase), which ``as_of`` must have reached.
Purchases on one day are one purchase day; a day whose amounts net below zero (returns), or
to zero with a return among them (a voided sale), is not a purchase day.

Examples:
    >>> rules = LifecycleRules(loyal_purchases=3, loyal_window_days=60)
    >>> result = lifecycle([0, 0, 0, 0, 1], [0, 10, 20, 300, 5], as_of=600, rules=rules,
    ...                    customers=3)
    >>> [STAGES[s] for s in result.stage], result.since.tolist()
    (['lapsing', 'lapsed', 'prospect'], [501, 186, -1])
    >>> result.transitions.listed()  # doctest: +NORMALIZE_WHITESPACE
    [(0, 'first_purchase', 0), (0, 'repeat', 10), (0, 'loyal', 20), (0, 'lapsing', 51),
     (0, 'lapsed', 81), (0, 'won_back', 300), (0, 'lapsing', 501), (1, 'first_purchase', 5),
     (1, 'lapsing', 96), (1, 'lapsed', 186)]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lealtad.customer_value._columns import (
    Flags,
    Floats,
    Ints,
    customer_indexes,
    floats,
    ints,
    note,
    same_length,
    usable,
)

STAGES: tuple[str, ...] = (
    "prospect",
    "first_purchase",
    "repeat",
    "loyal",
    "lapsing",
    "lapsed",
    "won_back",
)
"""Stage codes; results hold each stage as its position here (``int8``)."""

PROSPECT, FIRST, REPEAT, LOYAL, LAPSING, LAPSED, WON_BACK = range(len(STAGES))

ALLOWED: dict[str, frozenset[str]] = {
    "prospect": frozenset({"first_purchase"}),
    "first_purchase": frozenset({"repeat", "loyal", "lapsing"}),
    "repeat": frozenset({"loyal", "lapsing"}),
    "loyal": frozenset({"lapsing"}),
    "lapsing": frozenset({"lapsed", "repeat", "loyal"}),
    "lapsed": frozenset({"won_back"}),
    "won_back": frozenset({"repeat", "loyal", "lapsing"}),
}
"""Every move a customer can make from each stage (the tests check no other appears)."""


@dataclass(frozen=True)
class LifecycleRules:
    """The numbers behind the stages (days are whole days)."""

    loyal_purchases: int = 4
    loyal_window_days: int = 365
    lapsing_gaps: float = 2.0
    lapsed_gaps: float = 4.0
    min_lapsing_days: int = 30
    min_lapsed_days: int = 60
    lapsing_days: int = 90
    lapsed_days: int = 180

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name}: must be a positive number (got {value!r})")
        if self.loyal_purchases < 2:
            raise ValueError("loyal_purchases: must be at least 2 (loyalty needs a repeat)")
        if self.lapsed_gaps <= self.lapsing_gaps:
            raise ValueError("lapsed_gaps: must be more than lapsing_gaps")
        if self.lapsed_days <= self.lapsing_days:
            raise ValueError("lapsed_days: must be more than lapsing_days")


@dataclass(frozen=True)
class Transitions:
    """Every change of stage, in order per customer: who, the stage entered, the day."""

    customer: Ints
    stage: NDArray[np.int8]
    day: Ints

    def listed(self) -> list[tuple[int, str, int]]:
        """As ``(customer, stage name, day)`` tuples (for tests and small bases)."""
        return [
            (int(c), STAGES[int(s)], int(d))
            for c, s, d in zip(self.customer, self.stage, self.day, strict=True)
        ]


@dataclass(frozen=True)
class Lifecycle:
    """Per customer 0..n-1: the current stage (position in :data:`STAGES`), the day it began
    (-1 for a prospect whose joining day is not given), purchase days, the last one (-1 for
    none) and the usual gap in days (0 below two purchase days); and all transitions."""

    stage: NDArray[np.int8]
    since: Ints
    purchase_days: Ints
    last_purchase_day: Ints
    usual_gap_days: Floats
    transitions: Transitions
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Rows:
    """Purchase days, one row per customer and day, sorted by customer then day."""

    customer: Ints
    day: Ints


def lifecycle(
    customer_index: ArrayLike,
    day_number: ArrayLike,
    as_of: int,
    *,
    customers: int | None = None,
    amount: ArrayLike | None = None,
    joined_day: ArrayLike | None = None,
    rules: LifecycleRules | None = None,
) -> Lifecycle:
    """The stage of every customer on ``as_of`` and every change that led there.

    Rows are transactions (customer index 0..n-1, whole day numbers), best sorted by customer
    then day (then no sort is needed; any order is accepted). Whole-array operations only:
    1,000,000 customers and 10,000,000 rows take a few seconds.

    Dropped and counted in ``warnings``: rows after ``as_of``, rows whose amount is not a
    number. With ``amount``, a customer's rows of one day are netted, as ``lifetime_value``
    does: a day worth less than zero (returns only, or returns larger than the purchase), or
    zero with a return among them (a voided sale), is not a purchase day; a day worth exactly
    zero with no return (a free item) is.

    Raises:
        ValueError: columns of different lengths, a customer index outside 0..customers-1,
            ``joined_day`` not one per customer.
    """
    rules = rules or LifecycleRules()
    warnings: list[str] = []
    rows, count = _purchase_rows(
        customer_index, day_number, amount, int(as_of), customers, warnings
    )
    per_row = _classify(rows, int(as_of), rules)
    transitions = _transitions(rows, per_row)
    stage = np.full(count, PROSPECT, dtype=np.int8)
    since = np.full(count, -1, dtype=np.int64)
    if joined_day is not None:
        joined = ints(joined_day, "joined_day")
        if joined.size != count:
            raise ValueError(f"joined_day: expected {count} values, got {joined.size}")
        since = joined.copy()
    last = _last_of_each(transitions.customer)
    stage[transitions.customer[last]] = transitions.stage[last]
    since[transitions.customer[last]] = transitions.day[last]
    days = np.bincount(rows.customer, minlength=count).astype(np.int64)
    last_day = np.full(count, -1, dtype=np.int64)
    row_last = _last_of_each(rows.customer)
    last_day[rows.customer[row_last]] = rows.day[row_last]
    gap = np.zeros(count)
    gap[rows.customer[row_last]] = per_row.usual_gap[row_last]
    return Lifecycle(stage, since, days, last_day, gap, transitions, warnings)


def _purchase_rows(
    customer_index: ArrayLike,
    day_number: ArrayLike,
    amount: ArrayLike | None,
    as_of: int,
    customers: int | None,
    warnings: list[str],
) -> tuple[_Rows, int]:
    """Purchases up to ``as_of``, one row per customer and day, sorted."""
    index, count = customer_indexes(customer_index, customers, "customer_index")
    days = ints(day_number, "day_number")
    same_length(customer_index=index, day_number=days)
    keep = days <= as_of
    note(warnings, ~keep, f"transaction(s) dated after day {as_of} dropped")
    money = None
    if amount is not None:
        money = floats(amount, "amount")
        same_length(customer_index=index, amount=money)
        finite = usable(money)
        note(warnings, ~finite, "transaction(s) with an amount that is not a number dropped")
        keep &= finite
    if not keep.all():
        index, days = index[keep], days[keep]
        money = None if money is None else money[keep]
    if index.size == 0:
        return _Rows(index, days), count
    order = _order(index, days, count)
    if order is not None:
        index, days = index[order], days[order]
        money = None if money is None else money[order]
    new = np.ones(index.size, dtype=bool)
    new[1:] = (index[1:] != index[:-1]) | (days[1:] != days[:-1])
    purchase = _purchase_days(money, new)
    index, days = index[new], days[new]
    if purchase is not None:
        index, days = index[purchase], days[purchase]
    return _Rows(index, days), count


def _order(index: Ints, days: Ints, count: int) -> Ints | None:
    """The order that sorts rows by customer then day (None when they already are)."""
    step = np.diff(index)
    if (step >= 0).all() and ((np.diff(days) >= 0) | (step > 0)).all():
        return None
    low, high = int(days.min()), int(days.max())
    if (high - low + 1) * max(count, 1) < 2**62:  # one integer key sorts faster than two
        return np.argsort(index * (high - low + 1) + (days - low))
    return np.lexsort((days, index))


def _purchase_days(money: Floats | None, new: Flags) -> Flags | None:
    """Which customer-days are purchases (None: all): a day whose amounts net below zero, or
    to zero with a return among them (a voided sale), is not; as in ``lifetime_value``."""
    if money is None:
        return None
    first = np.flatnonzero(new)
    net = np.add.reduceat(money, first)
    lowest = np.minimum.reduceat(money, first)
    return (net > 0) | ((net == 0) & (lowest >= 0))


@dataclass(frozen=True)
class _PerRow:
    """Per purchase row: the stage the purchase brings, the thresholds after it, whether the
    gap after it reached them, and the usual gap so far."""

    stage: NDArray[np.int8]
    first: Flags
    lapsing_after: Ints
    lapsed_after: Ints
    lapses: Flags
    lapsed: Flags
    usual_gap: Floats


def _classify(rows: _Rows, as_of: int, rules: LifecycleRules) -> _PerRow:
    size = rows.customer.size
    first = np.ones(size, dtype=bool)
    first[1:] = rows.customer[1:] != rows.customer[:-1]
    position = np.arange(size)
    start = _start_of_group(first)
    nth = position - start  # purchase days before this one, for this customer
    usual = (rows.day - rows.day[start]).astype(np.float64)  # 0 on a first purchase day
    usual /= np.maximum(nth, 1)
    lapsing_after, lapsed_after = _thresholds(usual, nth, rules)
    last = np.ones(size, dtype=bool)
    last[:-1] = first[1:]
    following = np.empty(size, dtype=np.int64)
    following[:-1] = rows.day[1:]
    following[last] = as_of
    gap_after = following - rows.day
    lapses = gap_after > lapsing_after
    lapsed = gap_after > lapsed_after
    came_back = np.zeros(size, dtype=bool)  # this purchase follows a lapse of its customer
    came_back[1:] = lapsed[:-1]
    came_back &= ~first
    run_starts = first.copy()
    run_starts[1:] |= lapses[:-1]
    stage = np.full(size, REPEAT, dtype=np.int8)
    stage[_loyal(rows, nth, position, _start_of_group(run_starts), rules)] = LOYAL
    stage[came_back] = WON_BACK
    stage[first] = FIRST
    return _PerRow(stage, first, lapsing_after, lapsed_after, lapses, lapsed, usual)


def _thresholds(usual: Floats, nth: Ints, rules: LifecycleRules) -> tuple[Ints, Ints]:
    """Days without a purchase after which a customer is lapsing, and lapsed."""
    alone = nth == 0
    lapsing = np.multiply(usual, rules.lapsing_gaps)  # in place from here: 10M rows are
    np.ceil(lapsing, out=lapsing)  # 80 MB a column, and every new one is page faults
    np.maximum(lapsing, rules.min_lapsing_days, out=lapsing)
    lapsing[alone] = rules.lapsing_days
    lapsed = np.multiply(usual, rules.lapsed_gaps)
    np.ceil(lapsed, out=lapsed)
    np.maximum(lapsed, rules.min_lapsed_days, out=lapsed)
    lapsed[alone] = rules.lapsed_days
    np.maximum(lapsed, lapsing + 1, out=lapsed)
    return lapsing.astype(np.int64), lapsed.astype(np.int64)


def _start_of_group(starts: Flags) -> Ints:
    """For each row, the position of the row that starts its group (``starts[0]`` is true)."""
    first = np.flatnonzero(starts)
    return np.repeat(first, np.diff(np.append(first, starts.size)))


def _loyal(rows: _Rows, nth: Ints, position: Ints, run_start: Ints, rules: LifecycleRules) -> Flags:
    """Rows where the customer is loyal: the loyalty rule held on this purchase or an
    earlier one since they last started lapsing."""
    size = rows.customer.size
    back = int(rules.loyal_purchases) - 1
    met = np.zeros(size, dtype=bool)
    if size > back:
        span = rows.day[back:] - rows.day[:-back]
        met[back:] = (nth[back:] >= back) & (span <= rules.loyal_window_days)
    latest_met = np.maximum.accumulate(np.where(met, position, -1))
    return latest_met >= run_start


def _transitions(rows: _Rows, per_row: _PerRow) -> Transitions:
    """Purchase, lapsing and lapsed events in order, placed by a running count (no sort).

    A lapsing or lapsed event always changes the stage, and so does the purchase after one;
    a purchase right after a purchase changes it only if its stage differs (repeat → loyal,
    not repeat → repeat), so only those are kept.
    """
    stage = per_row.stage
    after_lapse = np.zeros(stage.size, dtype=bool)
    after_lapse[1:] = per_row.lapses[:-1]
    changed = np.ones(stage.size, dtype=bool)
    changed[1:] = stage[1:] != stage[:-1]
    kept = per_row.first | after_lapse | changed
    counts = kept.astype(np.int64) + per_row.lapses + per_row.lapsed
    starts = np.cumsum(counts) - counts
    total = int(counts.sum())
    customer = np.empty(total, dtype=np.int64)
    stages = np.empty(total, dtype=np.int8)
    day = np.empty(total, dtype=np.int64)
    rows_kept = np.flatnonzero(kept)  # positions, gathered once: cheaper than masks
    at = starts[rows_kept]
    customer[at], stages[at] = rows.customer[rows_kept], stage[rows_kept]
    day[at] = rows.day[rows_kept]
    for event, lapse, after, offset in (
        (LAPSING, per_row.lapses, per_row.lapsing_after, 0),
        (LAPSED, per_row.lapsed, per_row.lapsed_after, 1),
    ):
        lapsed_rows = np.flatnonzero(lapse)
        at = starts[lapsed_rows] + kept[lapsed_rows] + offset
        customer[at], stages[at] = rows.customer[lapsed_rows], event
        day[at] = rows.day[lapsed_rows] + after[lapsed_rows] + 1
    return Transitions(customer, stages, day)


def _last_of_each(customer: Ints) -> Ints:
    """Positions of each customer's last row in a column sorted by customer."""
    if customer.size == 0:
        return np.zeros(0, dtype=np.int64)
    last = np.ones(customer.size, dtype=bool)
    last[:-1] = customer[1:] != customer[:-1]
    return np.flatnonzero(last)
