"""Lift of a treated group over a random control: did the campaign (or the offers) change what
customers did, and how sure can we be?

Two measures matter to a marketer: a *rate* (converted / customers) and a *value per customer*
(revenue / customers). For a rate the interval on the difference is Newcombe's hybrid score
interval (his method 10, built from two Wilson intervals): unlike the textbook Wald interval it
stays inside [-1, 1] and keeps its coverage when rates are near 0, which is where campaign
conversion rates live. For revenue per customer the interval is Welch's t interval, which does
not assume both groups spread alike (a control group is usually much smaller).

An empty group has no rate and no interval; one customer in a group has no spread. Those
cases return ``None`` with a ``note`` saying why instead of a number that would look precise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

CONFIDENCE = 0.95
NO_TREATED = "no treated customers"
NO_CONTROL = "no control group"
TOO_SMALL = "too few customers in a group for an interval"


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of one proportion (the building block of Newcombe's interval)."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    z = _z(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(
    x1: int, n1: int, x2: int, n2: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Interval for p1 - p2 (Newcombe 1998, method 10: hybrid score, no continuity correction)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, confidence)
    l2, u2 = wilson(x2, n2, confidence)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return max(-1.0, low), min(1.0, high)


@dataclass(frozen=True)
class RateLift:
    """A rate in each group and the treated group's lift over control."""

    treated_n: int
    treated_x: int
    control_n: int
    control_x: int
    treated_rate: float | None
    control_rate: float | None
    absolute: float | None  # treated_rate - control_rate (percentage points / 100)
    relative: float | None  # absolute / control_rate; None when control converted nobody
    ci_low: float | None  # interval on ``absolute``
    ci_high: float | None
    note: str = ""

    @property
    def significant(self) -> bool:
        """True when the interval excludes zero: the difference is unlikely to be chance."""
        if self.ci_low is None or self.ci_high is None:
            return False
        return self.ci_low > 0 or self.ci_high < 0


def _check_counts(x: int, n: int, name: str) -> None:
    if n < 0:
        raise ValueError(f"{name}_n must not be negative")
    if not 0 <= x <= n:
        raise ValueError(f"{name}_x must be between 0 and {name}_n")


def rate_lift(
    treated_x: int,
    treated_n: int,
    control_x: int,
    control_n: int,
    confidence: float = CONFIDENCE,
) -> RateLift:
    """Conversion (or any yes/no) rate of treated vs control, with the lift and its interval.

    Examples:
        >>> r = rate_lift(56, 70, 48, 80)
        >>> round(r.absolute, 4), round(r.ci_low, 4), round(r.ci_high, 4)
        (0.2, 0.0524, 0.3339)
    """
    _check_counts(treated_x, treated_n, "treated")
    _check_counts(control_x, control_n, "control")
    treated_rate = treated_x / treated_n if treated_n else None
    control_rate = control_x / control_n if control_n else None
    note = NO_TREATED if not treated_n else NO_CONTROL if not control_n else ""
    if treated_rate is None or control_rate is None:
        return RateLift(
            treated_n, treated_x, control_n, control_x, treated_rate, control_rate,
            None, None, None, None, note,
        )  # fmt: skip
    absolute = treated_rate - control_rate
    relative = absolute / control_rate if control_rate > 0 else None
    low, high = newcombe(treated_x, treated_n, control_x, control_n, confidence)
    return RateLift(
        treated_n, treated_x, control_n, control_x, treated_rate, control_rate,
        absolute, relative, low, high,
    )  # fmt: skip


@dataclass(frozen=True)
class MeanLift:
    """A value per customer (revenue per recipient) in each group and the lift over control."""

    treated_n: int
    control_n: int
    treated_mean: float | None
    control_mean: float | None
    absolute: float | None
    relative: float | None
    ci_low: float | None
    ci_high: float | None
    note: str = ""

    @property
    def significant(self) -> bool:
        if self.ci_low is None or self.ci_high is None:
            return False
        return self.ci_low > 0 or self.ci_high < 0


@dataclass(frozen=True)
class Moments:
    """What Welch's interval needs of a group: its size, mean and sample variance."""

    n: int
    mean: float
    variance: float

    @classmethod
    def of(cls, values: Sequence[float], n: int | None = None) -> Moments:
        """The moments of ``values`` followed by zeros up to ``n`` customers: revenue per
        recipient where only the few who bought are listed (exact, without building a list
        of a million zeros)."""
        size = len(values) if n is None else n
        if size < len(values):
            raise ValueError("n must be at least the number of values")
        if size == 0:
            return cls(0, 0.0, 0.0)
        distinct = set(values) | ({0.0} if size > len(values) else set())
        if len(distinct) <= 1:  # everyone alike: no spread (rounding must not invent one)
            return cls(size, next(iter(distinct), 0.0), 0.0)
        mean = math.fsum(values) / size
        squares = math.fsum((v - mean) ** 2 for v in values) + (size - len(values)) * mean * mean
        return cls(size, mean, squares / (size - 1) if size > 1 else 0.0)


def welch_moments(
    treated: Moments, control: Moments, confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """Welch's t interval for treated.mean - control.mean; None with fewer than 2 per group.

    When both groups have no spread at all (everyone spent the same) the interval collapses
    onto the difference itself.
    """
    n1, n2 = treated.n, control.n
    if n1 < 2 or n2 < 2:
        return None
    difference = treated.mean - control.mean
    a, b = treated.variance / n1, control.variance / n2
    se2 = a + b
    if se2 == 0:
        return difference, difference
    df = se2 * se2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * math.sqrt(se2)
    return difference - half, difference + half


def welch(
    treated: Sequence[float], control: Sequence[float], confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """Welch's t interval for mean(treated) - mean(control) (see :func:`welch_moments`)."""
    return welch_moments(Moments.of(treated), Moments.of(control), confidence)


def mean_lift(
    treated: Sequence[float], control: Sequence[float], confidence: float = CONFIDENCE
) -> MeanLift:
    """Value per customer in each group (zeros for customers who bought nothing must be in)."""
    return moments_lift(Moments.of(treated), Moments.of(control), confidence)


def moments_lift(treated: Moments, control: Moments, confidence: float = CONFIDENCE) -> MeanLift:
    """:func:`mean_lift` from each group's moments (:meth:`Moments.of` with ``n``)."""
    n1, n2 = treated.n, control.n
    treated_mean = treated.mean if n1 else None
    control_mean = control.mean if n2 else None
    if treated_mean is None or control_mean is None:
        note = NO_TREATED if not n1 else NO_CONTROL
        return MeanLift(n1, n2, treated_mean, control_mean, None, None, None, None, note)
    absolute = treated_mean - control_mean
    relative = absolute / control_mean if control_mean > 0 else None
    interval = welch_moments(treated, control, confidence)
    if interval is None:
        return MeanLift(
            n1, n2, treated_mean, control_mean, absolute, relative, None, None, TOO_SMALL
        )
    return MeanLift(n1, n2, treated_mean, control_mean, absolute, relative, *interval)
