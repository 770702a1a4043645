"""Did each tier do what its forecast said? Predicted against actual, tier by tier.

The check the anchors' users ask for: fit on the data up to a cut-off day, tier the customers
and forecast each one's purchases or spend over the next weeks (the holdout), then compare
with what they actually did in those weeks. A forecast that is right overall but wrong for the
most valuable tier (the one the budget is spent on) shows here and nowhere else.
``lifetime_value.holdout`` makes the same comparison per calibration frequency; this is its
per-tier twin (the pure cores do not import each other: the caller passes the forecast).

Examples:
    >>> check = tier_check(["mvc", "mvc", "regular", "unknown"], predicted=[3.0, 2.0, 1.0, 0.0],
    ...                    actual=[4, 2, 0, 1])
    >>> [(row.tier, row.customers, row.predicted_mean, row.actual_mean) for row in check.rows]
    [('mvc', 2, 2.5, 3.0), ('regular', 1, 1.0, 0.0), ('unknown', 1, 0.0, 1.0)]
    >>> check.rows[0].error, check.rows[1].error, round(check.total_error or 0, 3)
    (-0.16666666666666666, None, -0.143)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from lealtad.customer_value._columns import floats, note, same_length, usable
from lealtad.customer_value.tiers import TIERS, tier_positions


@dataclass(frozen=True)
class TierRow:
    """One tier: customers, predicted and actual totals and means, and the relative error
    ``(predicted - actual) / actual`` (None when nothing actually happened to compare with,
    0 when nothing was predicted either)."""

    tier: str
    customers: int
    predicted_total: float
    actual_total: float
    predicted_mean: float
    actual_mean: float
    error: float | None


@dataclass(frozen=True)
class TierCheck:
    """The tiers that have customers, in :data:`~tiers.TIERS` order, and the totals."""

    rows: list[TierRow]
    predicted_total: float
    actual_total: float
    warnings: list[str] = field(default_factory=list)

    @property
    def total_error(self) -> float | None:
        return _error(self.predicted_total, self.actual_total)

    def lines(self) -> list[str]:
        """The table as text, one tier a line (benchmarks, CLI)."""
        out = [f"{'tier':<11} {'customers':>10} {'predicted':>11} {'actual':>11} {'error':>8}"]
        for row in self.rows:
            error = "-" if row.error is None else f"{row.error:+.1%}"
            out.append(
                f"{row.tier:<11} {row.customers:>10} {row.predicted_mean:>11.3f} "
                f"{row.actual_mean:>11.3f} {error:>8}"
            )
        return out


def _error(predicted: float, actual: float) -> float | None:
    if actual == 0:
        return 0.0 if predicted == 0 else None
    with np.errstate(over="ignore"):
        error = float(np.float64(predicted - actual) / np.float64(actual))
    return error if np.isfinite(error) else None


def tier_check(tiers: ArrayLike, *, predicted: ArrayLike, actual: ArrayLike) -> TierCheck:
    """Per tier, the predicted and actual totals and means over the holdout period.

    ``predicted`` and ``actual`` are one number per customer in the same unit (purchases, or
    spend). A value that is not a number is read as 0 and noted in ``warnings``.

    Raises:
        ValueError: a tier code not in :data:`~tiers.TIERS`, columns of different lengths.
    """
    position = tier_positions(tiers, "tiers")
    warnings: list[str] = []
    forecast = _finite(floats(predicted, "predicted"), "predicted", warnings)
    seen = _finite(floats(actual, "actual"), "actual", warnings)
    same_length(tiers=position, predicted=forecast, actual=seen)
    size = len(TIERS)
    customers = np.bincount(position, minlength=size)
    predicted_sum = np.bincount(position, weights=forecast, minlength=size)
    actual_sum = np.bincount(position, weights=seen, minlength=size)
    rows = [
        TierRow(
            tier=TIERS[k],
            customers=int(customers[k]),
            predicted_total=float(predicted_sum[k]),
            actual_total=float(actual_sum[k]),
            predicted_mean=float(predicted_sum[k] / customers[k]),
            actual_mean=float(actual_sum[k] / customers[k]),
            error=_error(float(predicted_sum[k]), float(actual_sum[k])),
        )
        for k in range(size)
        if customers[k]
    ]
    return TierCheck(rows, float(forecast.sum()), float(seen.sum()), warnings)


def _finite(values: np.ndarray, name: str, warnings: list[str]) -> np.ndarray:
    bad = ~usable(values)
    note(warnings, bad, f"{name} value(s) not a number were read as 0")
    return np.where(bad, 0.0, values)
