"""Does the forecast come true? Expected against actual purchases in a holdout period.

The check of Fader, Hardie & Lee's figure 4: fit on the calibration period, forecast each
customer's purchases in the holdout, and compare the averages per group of calibration
frequency (0, 1, …, 6 and "7+"), where an error would show as a bend in the curve: the
frequent buyers' group is where a model that ignores dropping out over-forecasts.

Examples:
    >>> from lealtad.lifetime_value import BgNbd
    >>> table = compare(BgNbd(0.243, 4.414, 0.793, 2.426), [0, 0, 3], [0, 0, 20.0],
    ...                 [38.0, 38.0, 38.0], actual=[0, 1, 2], holdout_length=39)
    >>> [(g.label, g.customers, g.actual) for g in table.groups]
    [('0', 2, 0.5), ('3', 1, 2.0)]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from lealtad.lifetime_value.inputs import check_customers
from lealtad.lifetime_value.value import PurchaseModel


@dataclass(frozen=True)
class Group:
    """Customers with one calibration frequency (or ``top`` and more): their count, mean
    actual and mean expected holdout purchases."""

    label: str
    customers: int
    actual: float
    expected: float


@dataclass(frozen=True)
class HoldoutCheck:
    """The per-group table and the totals over all customers."""

    groups: list[Group]
    actual_total: float
    expected_total: float

    @property
    def total_error(self) -> float:
        """Relative error of the total forecast: (expected - actual) / actual."""
        if self.actual_total == 0:
            return 0.0 if self.expected_total == 0 else float("inf")
        return (self.expected_total - self.actual_total) / self.actual_total

    def lines(self) -> list[str]:
        """The table as text, one group a line, for the benchmark and the CLI."""
        out = [f"{'x':>4} {'customers':>10} {'actual':>9} {'expected':>9}"]
        for g in self.groups:
            out.append(f"{g.label:>4} {g.customers:>10} {g.actual:>9.3f} {g.expected:>9.3f}")
        out.append(
            f"{'all':>4} {'':>10} {self.actual_total:>9.0f} {self.expected_total:>9.0f}"
            f"  ({self.total_error:+.1%})"
        )
        return out


def compare(
    model: PurchaseModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
    *,
    actual: ArrayLike,
    holdout_length: float,
    top: int = 7,
) -> HoldoutCheck:
    """Group customers by calibration frequency and compare forecast with what happened.

    Raises:
        ValueError: an impossible row, or ``actual`` not one count per customer.
    """
    x, t_x, big_t = check_customers(frequency, recency, age)
    seen = np.asarray(actual, dtype=np.float64).ravel()
    if seen.size != x.size:
        raise ValueError(f"actual: expected {x.size} values, got {seen.size}")
    expected = model.conditional_expected_purchases(holdout_length, x, t_x, big_t)
    group = np.minimum(x, top).astype(np.int64)
    customers = np.bincount(group, minlength=top + 1)
    actual_sum = np.bincount(group, weights=seen, minlength=top + 1)
    expected_sum = np.bincount(group, weights=expected, minlength=top + 1)
    groups = [
        Group(
            label=f"{k}+" if k == top else str(k),
            customers=int(customers[k]),
            actual=float(actual_sum[k] / customers[k]),
            expected=float(expected_sum[k] / customers[k]),
        )
        for k in range(top + 1)
        if customers[k]
    ]
    return HoldoutCheck(groups, float(seen.sum()), float(expected.sum()))
