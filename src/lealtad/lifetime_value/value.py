"""Customer lifetime value: expected purchases times expected spend, discounted month by month.

A purchase a year from now is worth less than one today (money has a cost, and the forecast
is less sure), so the value adds each future month's expected purchases times the customer's
expected spend, divided by ``(1 + monthly discount)^month``. The horizon is finite on purpose:
a marketer budgets for the next one to three years, and the models' far tails are their least
tested part.

Examples:
    >>> from lealtad.lifetime_value import BgNbd, GammaGamma, score
    >>> scores = score(
    ...     BgNbd(0.243, 4.414, 0.793, 2.426), GammaGamma(6.25, 3.74, 15.44),
    ...     frequency=[0, 2], recency=[0, 30.43], age=[38.86, 38.86], monetary=[0, 22.35],
    ...     unit_days=7, months=12, monthly_discount=0.01,
    ... )
    >>> scores.p_alive.round(3).tolist(), scores.value.round(2).tolist()
    ([1.0, 0.727], [8.37, 36.31])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike

from lealtad.lifetime_value.gamma_gamma import GammaGamma
from lealtad.lifetime_value.inputs import Collapsed, Floats

DAYS_PER_MONTH = 365.25 / 12


class PurchaseModel(Protocol):
    """What BG/NBD and Pareto/NBD both answer, so either can drive the value."""

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike) -> Floats: ...

    def conditional_expected_purchases(
        self, horizon: ArrayLike, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
    ) -> Floats: ...


@dataclass(frozen=True)
class Scores:
    """Per customer, in the order given: chance still active, purchases expected over the
    horizon, expected spend per purchase and the discounted value over the horizon."""

    p_alive: Floats
    expected_purchases: Floats
    expected_spend: Floats
    value: Floats


def discounted_purchases(
    model: PurchaseModel,
    rows: Collapsed,
    *,
    unit_days: float,
    months: int,
    monthly_discount: float,
) -> Floats:
    """Per distinct row: ``Σ_m (E[purchases by month m] - E[by month m-1]) / (1+d)^m``."""
    if months < 1:
        raise ValueError("months: the horizon must be at least one month")
    if not 0 <= monthly_discount < 1:
        raise ValueError("monthly_discount: must be in [0, 1), e.g. 0.01 for 1% a month")
    if not unit_days > 0:
        raise ValueError("unit_days: must be a positive number of days per time unit")
    month = DAYS_PER_MONTH / unit_days
    cumulative = np.zeros((months + 1, len(rows)))
    for m in range(1, months + 1):
        cumulative[m] = model.conditional_expected_purchases(
            m * month, rows.frequency, rows.recency, rows.age
        )
    per_month = np.maximum(np.diff(cumulative, axis=0), 0.0)
    factors = (1.0 + monthly_discount) ** -np.arange(1, months + 1)
    return np.asarray(factors @ per_month, dtype=np.float64)


def score(
    purchases: PurchaseModel,
    spend: GammaGamma,
    *,
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
    monetary: ArrayLike,
    unit_days: float,
    months: int = 12,
    monthly_discount: float = 0.01,
) -> Scores:
    """Score every customer: P(alive), purchases and value over ``months``, expected spend.

    ``unit_days`` is the length in days of the time unit the purchase model was fitted in
    (7 for weeks). Identical ``(frequency, recency, T)`` rows are scored once.

    Raises:
        ValueError: an impossible row (named by its index) or a bad horizon or rate.
    """
    rows = Collapsed.of(frequency, recency, age)
    expected_spend = spend.conditional_expected_spend(frequency, monetary)
    if len(rows) == 0:
        empty = np.zeros(0)
        return Scores(empty, empty, empty, empty)
    horizon = months * DAYS_PER_MONTH / unit_days
    alive = purchases.p_alive(rows.frequency, rows.recency, rows.age)
    expected = purchases.conditional_expected_purchases(
        horizon, rows.frequency, rows.recency, rows.age
    )
    discounted = discounted_purchases(
        purchases, rows, unit_days=unit_days, months=months, monthly_discount=monthly_discount
    )
    inverse = rows.inverse
    return Scores(
        p_alive=alive[inverse],
        expected_purchases=expected[inverse],
        expected_spend=expected_spend,
        value=discounted[inverse] * expected_spend,
    )
