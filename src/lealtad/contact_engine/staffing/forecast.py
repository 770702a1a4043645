"""Contact volume per interval from history: a day-of-week x time-of-day profile on a level.

Call volume in a center has a strong weekly and intraday shape that moves slowly, and a daily
level that moves faster (a campaign, a billing run, a season). So the model is multiplicative:

    calls[day, slot] = level x weekday_factor[weekday] x shape[weekday, slot]

The level is the exponentially smoothed daily total after removing the weekday factor; the
weekday factors and the intraday shapes are exponentially weighted averages over past days, so
recent weeks count more. Only numpy: the staffing core must run where statsmodels is not
installed, and this model is enough for staffing (whose error is dominated by rounding to
agents).

The core takes plain arrays: one row per day, one column per slot, and the weekday of each day
(0 = Monday). ``by_day`` builds that matrix from timestamps and counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import StaffingError

Array = NDArray[np.float64]


@dataclass(frozen=True)
class DailyHistory:
    """Counts as a day x slot matrix, with each day's date and weekday."""

    days: NDArray[np.datetime64]
    weekdays: NDArray[np.int64]
    slot_starts: NDArray[np.timedelta64]  # offset of each slot from midnight
    counts: Array


def by_day(times: ArrayLike, counts: ArrayLike, slot_minutes: int) -> DailyHistory:
    """Arrange counts per slot into one row per day; a slot with no record counts 0."""
    t = np.asarray(times, dtype="datetime64[m]")
    c = np.asarray(counts, dtype=np.float64)
    if t.shape != c.shape or t.ndim != 1 or t.size == 0:
        raise StaffingError("counts", "need one count per timestamp, at least one")
    if slot_minutes <= 0 or 1440 % slot_minutes:
        raise StaffingError("slot_minutes", f"must divide a day, got {slot_minutes}")
    if np.any(~np.isfinite(c) | (c < 0)):
        row = int(np.flatnonzero(~np.isfinite(c) | (c < 0))[0])
        raise StaffingError(f"counts[{row}]", f"must be >= 0, got {c[row]}")
    day = t.astype("datetime64[D]")
    minute = (t - day).astype(np.int64)
    slot = minute // slot_minutes
    days, day_index = np.unique(day, return_inverse=True)
    slots, slot_index = np.unique(slot, return_inverse=True)
    matrix = np.zeros((days.size, slots.size))
    np.add.at(matrix, (day_index, slot_index), c)
    weekdays = ((days.astype(np.int64) + 3) % 7).astype(np.int64)  # 1970-01-01 was a Thursday
    starts = (slots * slot_minutes).astype("timedelta64[m]")
    return DailyHistory(days=days, weekdays=weekdays, slot_starts=starts, counts=matrix)


@dataclass(frozen=True)
class SeasonalModel:
    """A fitted level with weekday factors and intraday shapes (see the module docstring)."""

    level: float
    weekday_factor: Array  # (7,), NaN for weekdays never seen
    shape: Array  # (7, slots), each seen row sums to 1

    def forecast(self, weekdays: ArrayLike) -> Array:
        """Expected counts per slot for future days of the given weekdays (one row per day)."""
        w = np.atleast_1d(np.asarray(weekdays, dtype=np.int64))
        if np.any((w < 0) | (w > 6)):
            raise StaffingError("weekdays", "must be 0 (Monday) to 6 (Sunday)")
        unseen = sorted({int(x) for x in w if not math.isfinite(self.weekday_factor[x])})
        if unseen:
            raise StaffingError("weekdays", f"no history for weekday(s) {unseen}")
        return np.asarray(
            self.level * self.weekday_factor[w][:, None] * self.shape[w], dtype=np.float64
        )


def _weights(n: int, smoothing: float) -> Array:
    """Exponential weights for n observations in time order, newest heaviest."""
    return np.asarray((1.0 - smoothing) ** np.arange(n - 1, -1, -1), dtype=np.float64)


def fit(
    counts: ArrayLike,
    weekdays: ArrayLike,
    level_smoothing: float = 0.2,
    profile_smoothing: float = 0.05,
) -> SeasonalModel:
    """Fit the model to ``counts`` (days x slots, oldest day first) and each day's weekday."""
    y = np.asarray(counts, dtype=np.float64)
    w = np.asarray(weekdays, dtype=np.int64)
    if y.ndim != 2 or y.shape[0] == 0 or y.shape[1] == 0:
        raise StaffingError("counts", "must be a non-empty days x slots matrix")
    if w.shape != (y.shape[0],) or np.any((w < 0) | (w > 6)):
        raise StaffingError("weekdays", "need one weekday 0..6 per day")
    if np.any(~np.isfinite(y) | (y < 0)):
        day = int(np.flatnonzero(np.any(~np.isfinite(y) | (y < 0), axis=1))[0])
        raise StaffingError(f"counts[{day}]", "counts must be finite and >= 0")
    for name, value in (
        ("level_smoothing", level_smoothing),
        ("profile_smoothing", profile_smoothing),
    ):
        if not 0.0 < value <= 1.0:
            raise StaffingError(name, f"must be in (0, 1], got {value}")
    totals = y.sum(axis=1)
    if totals.sum() <= 0:
        raise StaffingError("counts", "the history has no contacts")
    factor = np.full(7, np.nan)
    shape = np.full((7, y.shape[1]), np.nan)
    overall = float(np.average(totals, weights=_weights(len(totals), profile_smoothing)))
    for day in range(7):
        rows = np.flatnonzero(w == day)
        if rows.size == 0:
            continue
        wt = _weights(rows.size, profile_smoothing)
        factor[day] = np.average(totals[rows], weights=wt) / overall
        profile = np.average(y[rows], axis=0, weights=wt)
        shape[day] = profile / profile.sum() if profile.sum() > 0 else 1.0 / y.shape[1]
    deseasonalized = totals / np.where(factor[w] > 0, factor[w], 1.0)
    level = float(deseasonalized[0])
    for value in deseasonalized[1:]:
        level = level_smoothing * float(value) + (1.0 - level_smoothing) * level
    return SeasonalModel(level=level, weekday_factor=factor, shape=shape)


@dataclass(frozen=True)
class Accuracy:
    """Forecast error over intervals: MAPE skips intervals with no actual contacts."""

    mape: float
    wape: float
    bias: float  # (forecast - actual) / actual, summed over all intervals


def accuracy(actual: ArrayLike, forecast: ArrayLike) -> Accuracy:
    """Mean absolute percentage error, weighted absolute percentage error and bias."""
    a = np.asarray(actual, dtype=np.float64).ravel()
    f = np.asarray(forecast, dtype=np.float64).ravel()
    if a.shape != f.shape or a.size == 0:
        raise StaffingError("forecast", "must have one value per actual interval")
    total = a.sum()
    if total <= 0:
        raise StaffingError("actual", "has no contacts to compare with")
    nonzero = a > 0
    return Accuracy(
        mape=float(np.mean(np.abs(f[nonzero] - a[nonzero]) / a[nonzero])),
        wape=float(np.abs(f - a).sum() / total),
        bias=float((f - a).sum() / total),
    )


def aggregate(counts: ArrayLike, slots_per_interval: int) -> Array:
    """Sum consecutive slots (e.g. three five-minute counts into a quarter hour).

    Trailing slots that do not fill a whole interval are dropped, so every interval covers the
    same length of time (what Erlang needs).
    """
    y = np.asarray(counts, dtype=np.float64)
    if slots_per_interval <= 0:
        raise StaffingError("slots_per_interval", "must be >= 1")
    whole = (y.shape[-1] // slots_per_interval) * slots_per_interval
    if whole == 0:
        raise StaffingError("slots_per_interval", "is longer than the day")
    trimmed = y[..., :whole]
    return np.asarray(
        trimmed.reshape(*y.shape[:-1], -1, slots_per_interval).sum(axis=-1), dtype=np.float64
    )
