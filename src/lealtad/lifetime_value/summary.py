"""From a transaction log to what the models read: frequency, recency, T and mean spend.

One row per customer, computed with sorts and reductions over whole arrays (no loop per
customer), so ten million transactions take seconds. The conventions are the literature's
(and ``lifetimes``'): purchases on one calendar day are one purchase; ``frequency`` counts the
purchase days after the first; ``recency`` is the time from the first purchase day to the last,
``T`` from the first purchase day to the end of the observation, both in ``unit_days`` days;
``monetary`` is the mean spend of the repeat purchase days (0 for who never repeated), the
first purchase being left out because its spend is often unlike the rest (a welcome offer).

Bad rows are dropped, never guessed at, and each kind is reported in ``warnings``: a missing
date, customer or amount; a date after the end of the observation; a day whose amounts net to
less than zero, or to zero with a return among them (a voided sale), is not a purchase; a
day worth exactly zero with no return (a free item) is a purchase with no spend, as in CDNOW.

Examples:
    >>> import numpy as np
    >>> result = summarize(
    ...     customers=[7, 7, 7, 9],
    ...     dates=np.array(["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-08"],
    ...                    dtype="datetime64[D]"),
    ...     amounts=[10.0, 20.0, 40.0, 5.0],
    ...     observation_end=np.datetime64("2024-01-29"),
    ...     unit_days=7,
    ... )
    >>> result.customers.tolist(), result.frequency.tolist(), result.recency.tolist()
    ([7, 9], [2.0, 0.0], [2.0, 0.0])
    >>> result.age.tolist(), result.monetary.tolist()
    ([4.0, 3.0], [30.0, 0.0])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lealtad.lifetime_value.inputs import Floats

Days = NDArray[np.int64]


@dataclass(frozen=True)
class Summary:
    """One row per customer who made at least one purchase, sorted by customer id."""

    customers: NDArray[np.generic]
    frequency: Floats
    recency: Floats
    age: Floats
    monetary: Floats
    first_day: Days
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.frequency.size)


@dataclass(frozen=True)
class _Days:
    """Transactions reduced to one row per customer and purchase day, sorted."""

    customers: NDArray[np.generic]
    days: Days
    amounts: Floats
    warnings: list[str]


def _to_days(values: ArrayLike) -> Days:
    """Dates, datetimes or datetime64 of any precision → whole days since 1970 (NaT → min)."""
    array = np.asarray(values)
    if array.dtype == object:
        array = np.array(
            [v.date() if isinstance(v, dt.datetime) else v for v in array.ravel()],
            dtype="datetime64[D]",
        )
    return np.asarray(array.astype("datetime64[D]").astype(np.int64)).ravel()


def _day_number(value: np.datetime64 | dt.date | str) -> int:
    """One day as whole days since 1970 (the unit ``_to_days`` gives every transaction)."""
    return int(np.asarray(value, dtype="datetime64[D]").astype(np.int64))


def _purchase_days(
    customers: ArrayLike, dates: ArrayLike, amounts: ArrayLike | None, end_day: int
) -> _Days:
    ids = np.asarray(customers).ravel()
    days = _to_days(dates)
    money = np.ones(days.size) if amounts is None else np.asarray(amounts, np.float64).ravel()
    if not ids.size == days.size == money.size:
        raise ValueError(
            f"customers, dates and amounts must have one value per transaction "
            f"(got {ids.size}, {days.size} and {money.size})"
        )
    warnings: list[str] = []
    nat = np.iinfo(np.int64).min
    missing = (days == nat) | ~np.isfinite(money)
    if ids.dtype.kind == "f":
        missing |= np.isnan(ids)
    elif ids.dtype == object:
        missing |= np.array([v is None for v in ids], dtype=bool)
    future = ~missing & (days > end_day)
    _note(warnings, missing, "transaction(s) with no customer, date or amount were dropped")
    _note(warnings, future, "transaction(s) dated after the end of the observation were dropped")
    keep = ~(missing | future)
    ids, days, money = ids[keep], days[keep], money[keep]
    order = np.lexsort((days, ids))
    ids, days, money = ids[order], days[order], money[order]
    starts = np.ones(ids.size, dtype=bool)
    starts[1:] = (ids[1:] != ids[:-1]) | (days[1:] != days[:-1])
    first = np.flatnonzero(starts)
    net = np.add.reduceat(money, first) if ids.size else money
    lowest = np.minimum.reduceat(money, first) if ids.size else money
    ids, days = ids[starts], days[starts]
    not_purchase = (net < 0) | ((net == 0) & (lowest < 0))
    _note(warnings, not_purchase, "customer-day(s) cancelled by returns were dropped")
    _note(warnings, ~not_purchase & (net == 0), "purchase day(s) worth zero were kept (no spend)")
    return _Days(ids[~not_purchase], days[~not_purchase], net[~not_purchase], warnings)


def _note(warnings: list[str], mask: NDArray[np.bool_], message: str) -> None:
    count = int(np.count_nonzero(mask))
    if count:
        warnings.append(f"{count} {message}")


def summarize(
    customers: ArrayLike,
    dates: ArrayLike,
    amounts: ArrayLike | None = None,
    *,
    observation_end: np.datetime64 | dt.date | str | None = None,
    unit_days: float = 7.0,
) -> Summary:
    """Frequency, recency, T and mean repeat spend per customer from a transaction log.

    Args:
        customers: the customer of each transaction (any sortable id).
        dates: the day of each transaction (``datetime64``, ``date`` or ISO strings).
        amounts: what each transaction was worth (returns negative); ``None`` counts
            transactions only (``monetary`` is then the number of purchases per day, 1).
        observation_end: the last day observed, included (default today, UTC).
        unit_days: days per time unit of ``recency`` and ``T`` (7 for weeks).

    Raises:
        ValueError: arrays of different lengths, or ``unit_days`` not positive.
    """
    if not unit_days > 0:
        raise ValueError("unit_days: must be a positive number of days per time unit")
    end_day = _day_number(observation_end or dt.datetime.now(dt.UTC).date())
    rows = _purchase_days(customers, dates, amounts, end_day)
    return _per_customer(rows, end_day, unit_days)


def _per_customer(rows: _Days, end_day: int, unit_days: float) -> Summary:
    ids = rows.customers
    if ids.size == 0:
        empty = np.zeros(0)
        return Summary(ids, empty, empty, empty, empty, np.zeros(0, np.int64), rows.warnings)
    starts = np.ones(ids.size, dtype=bool)
    starts[1:] = ids[1:] != ids[:-1]
    first_index = np.flatnonzero(starts)
    last_index = np.append(first_index[1:] - 1, ids.size - 1)
    count = last_index - first_index + 1
    first, last = rows.days[first_index], rows.days[last_index]
    spent = np.add.reduceat(rows.amounts, first_index) - rows.amounts[first_index]
    frequency = (count - 1).astype(np.float64)
    repeat = frequency > 0
    monetary = np.where(repeat, spent / np.where(repeat, frequency, 1.0), 0.0)
    return Summary(
        customers=ids[first_index],
        frequency=frequency,
        recency=(last - first) / unit_days,
        age=(end_day - first) / unit_days,
        monetary=monetary,
        first_day=first,
        warnings=rows.warnings,
    )


@dataclass(frozen=True)
class CalibrationHoldout:
    """The calibration summary and, per calibration customer, purchases in the holdout."""

    calibration: Summary
    holdout_purchases: Floats
    holdout_length: float


def split(
    customers: ArrayLike,
    dates: ArrayLike,
    amounts: ArrayLike | None = None,
    *,
    calibration_end: np.datetime64 | dt.date | str,
    observation_end: np.datetime64 | dt.date | str,
    unit_days: float = 7.0,
) -> CalibrationHoldout:
    """Summarise up to ``calibration_end`` and count each customer's purchase days after it.

    Why: the honest test of a forecast is a period the model did not see. Customers whose
    first purchase falls in the holdout are not in the calibration and are not counted.
    """
    cal_end = _day_number(calibration_end)
    obs_end = _day_number(observation_end)
    if obs_end <= cal_end:
        raise ValueError("observation_end: must be after calibration_end")
    rows = _purchase_days(customers, dates, amounts, obs_end)
    in_calibration = rows.days <= cal_end
    calibration = _per_customer(
        _Days(
            rows.customers[in_calibration],
            rows.days[in_calibration],
            rows.amounts[in_calibration],
            rows.warnings,
        ),
        cal_end,
        unit_days,
    )
    counts = _count_known(calibration.customers, rows.customers[~in_calibration])
    return CalibrationHoldout(calibration, counts, (obs_end - cal_end) / unit_days)


def _count_known(known: NDArray[np.generic], later: NDArray[np.generic]) -> Floats:
    """How many of ``later`` fall on each of the sorted ids ``known`` (others ignored)."""
    if known.size == 0:
        return np.zeros(0)
    position = np.minimum(np.searchsorted(known, later), known.size - 1)
    hit = known[position] == later
    return np.bincount(position[hit], minlength=known.size).astype(np.float64)
