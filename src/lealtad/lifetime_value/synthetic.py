"""A synthetic base drawn from BG/NBD itself, to time fits and to check they recover it.

Drawn without a loop per customer: a customer's purchases up to ``T`` are a Poisson count;
they stop after a geometric number of them; and the time of the last kept purchase is an
order statistic of uniform times, a scaled beta draw. Times are whole days, as in a real
log, so many customers share rows (which the fit collapses).

Examples:
    >>> base = draw_bgnbd(1000, (0.243, 4.414, 0.793, 2.426), seed=1)
    >>> len(base.frequency), bool((base.recency <= base.age).all())
    (1000, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lealtad.lifetime_value.inputs import Floats


@dataclass(frozen=True)
class SyntheticBase:
    """Per customer: frequency, recency and T in weeks, and mean repeat spend."""

    frequency: Floats
    recency: Floats
    age: Floats
    monetary: Floats


def draw_bgnbd(
    customers: int,
    params: tuple[float, float, float, float],
    *,
    weeks_observed: int = 39,
    weeks_acquiring: int = 12,
    spend: tuple[float, float, float] = (6.25, 3.74, 15.44),
    seed: int = 0,
) -> SyntheticBase:
    """Customers acquired uniformly over the first ``weeks_acquiring`` weeks, observed to
    week ``weeks_observed``, buying as BG/NBD ``(r, alpha, a, b)`` (alpha per week) says, each
    repeat purchase's spend drawn from Gamma-Gamma ``(p, q, gamma)``."""
    r, alpha, a, b = params
    rng = np.random.default_rng(seed)
    first = rng.integers(0, weeks_acquiring * 7, customers)
    age_days = weeks_observed * 7 - first
    rate = rng.gamma(r, 1.0 / alpha, customers) / 7.0  # purchases per day
    dropout = rng.beta(a, b, customers)
    arrivals = rng.poisson(rate * age_days)
    lifetime = rng.geometric(dropout)
    x = np.minimum(arrivals, lifetime)
    share = rng.beta(np.maximum(x, 1), np.maximum(arrivals - x + 1, 1))
    recency_days = np.where(x > 0, np.clip(np.ceil(share * age_days), 1, age_days), 0)
    p, q, gamma = spend
    scale = rng.gamma(q, 1.0 / gamma, customers)  # nu: a customer's spend rate
    total = rng.gamma(np.maximum(p * x, 1e-9), 1.0 / scale)
    monetary = np.where(x > 0, total / np.maximum(x, 1), 0.0)
    return SyntheticBase(
        frequency=x.astype(np.float64),
        recency=recency_days / 7.0,
        age=age_days / 7.0,
        monetary=monetary,
    )
