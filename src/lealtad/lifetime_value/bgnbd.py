"""BG/NBD: how many purchases a customer will make, and whether they are still a customer.

Fader, Hardie & Lee (2005), "Counting your customers the easy way". While active, a customer
buys at a steady rate λ (gamma-distributed across customers with shape ``r`` and rate
``alpha``); after every purchase they may drop out for good with probability p (beta-
distributed with ``a`` and ``b``). Nobody announces leaving, so the model infers it: a customer
who bought often and then went quiet for long is probably gone, while a customer who rarely
buys and was last seen a while ago may well still be there.

Examples:
    >>> from lealtad.lifetime_value import bgnbd
    >>> model = bgnbd.fit([0, 1, 4, 0, 2, 7], [0, 10, 30, 0, 20, 35], [40, 40, 40, 30, 30, 38])
    >>> bool(model.p_alive(4, 30, 40) > model.p_alive(4, 5, 40))
    True
    >>> model.conditional_expected_purchases(0, [0], [0], [40]).tolist()
    [0.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from lealtad.lifetime_value.fitting import minimize_log
from lealtad.lifetime_value.hypergeometric import hyp2f1
from lealtad.lifetime_value.inputs import Collapsed, Floats, check_customers, distinct_pairs

# Near a = 1 the closed forms divide 0 by 0, and for a customer with no repeat purchase at
# a + b = 1 they multiply 0 by an infinite 2F1 (its c = a + b + x - 1 is 0); both limits are
# taken by moving a or b this far (the values move by about as much, relatively).
_A_NUDGE = 1e-7


@dataclass(frozen=True)
class BgNbd:
    """Fitted BG/NBD parameters (times in the unit of the data they were fitted on)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    customers: int = 0
    converged: bool = True
    message: str = ""

    @property
    def params(self) -> tuple[float, float, float, float]:
        return (self.r, self.alpha, self.a, self.b)

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike) -> Floats:
        """Chance each customer has not dropped out by ``T`` (1 for who never repeated).

        Examples:
            >>> BgNbd(0.243, 4.414, 0.793, 2.426).p_alive([2], [30.43], [38.86]).round(3)
            array([0.727])
        """
        x, t_x, big_t = check_customers(frequency, recency, age)
        r, alpha, a, b = self.params
        with np.errstate(divide="ignore"):
            log_ratio = (
                np.log(a)
                - np.log(np.maximum(b + x - 1, 1e-300))
                + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
            )
        log_ratio = np.where(x > 0, log_ratio, -np.inf)
        return np.exp(-np.logaddexp(0.0, log_ratio))

    def expected_purchases(self, horizon: ArrayLike) -> Floats:
        """Purchases a new customer is expected to make in their first ``horizon`` units.

        Examples:
            >>> BgNbd(0.243, 4.414, 0.793, 2.426).expected_purchases([0, 39, 78]).round(3)
            array([0.   , 1.197, 1.861])
        """
        t = np.asarray(horizon, dtype=np.float64)
        r, alpha, a, b = self.params
        a, b = _nudged(a, b)
        tail = _tail(r, a, b, np.zeros_like(t), np.zeros_like(t), alpha, t)
        return np.maximum((a + b - 1) / (a - 1) * (1 - tail), 0.0)

    def conditional_expected_purchases(
        self, horizon: ArrayLike, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
    ) -> Floats:
        """Purchases each customer is expected to make in the next ``horizon`` units.

        Rewrites the paper's equation (10) by Pfaff's transformations (see ``_tail``) so
        a customer with thousands of purchases or a horizon of decades gets a number, not NaN.

        Examples:
            >>> model = BgNbd(0.243, 4.414, 0.793, 2.426)
            >>> model.conditional_expected_purchases(39, [2], [30.43], [38.86]).round(3)
            array([1.226])
        """
        x, t_x, big_t = check_customers(frequency, recency, age)
        t = np.asarray(horizon, dtype=np.float64)
        r, alpha, a, b = self.params
        a, b = _nudged(a, b)
        if t.ndim == 0 and x.size > 1000:
            # The tail depends on (x, T) only, which far fewer customers differ in.
            first, inverse = distinct_pairs(x, big_t)
            tail = _tail(r, a, b, x[first], big_t[first], alpha, t)[inverse]
        else:
            tail = _tail(r, a, b, x, big_t, alpha, t)
        active = (a + b + x - 1) / (a - 1) * (1 - tail)
        return np.maximum(active * self.p_alive(x, t_x, big_t), 0.0)


def _tail(r: float, a: float, b: float, x: Floats, big_t: Floats, alpha: float, t: Floats):
    """``((alpha+T)/(alpha+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))``, the
    hypergeometric part of equation (10), by the first of three equal forms that is finite.

    Two Pfaff transformations give ``(1+t/(alpha+T))^(1-a) · 2F1(a+b-1-r, a-1; a+b+x-1;
    t/(alpha+T+t))``, whose first two parameters do not grow with ``x``: it converges where
    the paper's form overflows (x in the hundreds, t ≫ alpha+T). One gives
    ``2F1(r+x, a-1; a+b+x-1; -t/(alpha+T))``, finite where a is huge (a fit at its bound).
    """
    with np.errstate(all="ignore"):
        z = t / (alpha + big_t + t)
        log_power = (1 - a) * np.log1p(t / (alpha + big_t))
        value = np.exp(log_power) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        value = np.broadcast_to(value, np.broadcast(value, x, big_t).shape).copy()
        bad = ~np.isfinite(value)
        if bad.any():
            xb, zb = (np.broadcast_to(v, value.shape)[bad] for v in (x, z))
            shift = np.broadcast_to(-t / (alpha + big_t), value.shape)[bad]
            value[bad] = hyp2f1(r + xb, a - 1, a + b + xb - 1, shift)
        bad = ~np.isfinite(value)
        if bad.any():
            xb, zb = (np.broadcast_to(v, value.shape)[bad] for v in (x, z))
            log_first = (r + xb) * np.log1p(-zb)
            value[bad] = np.exp(log_first) * hyp2f1(r + xb, b + xb, a + b + xb - 1, zb)
    return value


def _nudged(a: float, b: float) -> tuple[float, float]:
    if abs(a - 1) < _A_NUDGE:
        a = 1 + _A_NUDGE if a >= 1 else 1 - _A_NUDGE
    if abs(a + b - 1) < _A_NUDGE:
        b = 1 - a + _A_NUDGE
    return a, b


def log_likelihood(
    params: tuple[float, float, float, float],
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
) -> Floats:
    """Each customer's log-likelihood under ``(r, alpha, a, b)`` (paper's equation 6).

    Examples:
        >>> log_likelihood((0.243, 4.414, 0.793, 2.426), [0, 2], [0, 30.43], [38.86, 38.86])
        array([-0.5547..., -9.4586...])
    """
    x, t_x, big_t = check_customers(frequency, recency, age)
    return _terms(np.log(np.asarray(params, dtype=np.float64)), x, t_x, big_t)[0]


def _terms(log_theta: Floats, x: Floats, t_x: Floats, big_t: Floats) -> tuple[Floats, Floats]:
    """Per-row log-likelihood and its gradient with respect to the log-parameters."""
    r, alpha, a, b = np.exp(log_theta)
    repeat = x > 0
    bx1 = np.where(repeat, b + x - 1, 1.0)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + big_t)
    a4 = np.where(repeat, np.log(a) - np.log(bx1) - (r + x) * np.log(alpha + t_x), -np.inf)
    mix = np.logaddexp(a3, a4)
    w = np.exp(a4 - mix)  # share of the "dropped out after the last purchase" branch
    d_r = digamma(r + x) - digamma(r) + np.log(alpha)
    d_r -= (1 - w) * np.log(alpha + big_t) + w * np.log(alpha + t_x)
    d_alpha = r / alpha - (r + x) * ((1 - w) / (alpha + big_t) + w / (alpha + t_x))
    d_a = digamma(a + b) - digamma(a + b + x) + w / a
    d_b = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - w / bx1
    gradient = np.stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return a1 + a2 + mix, gradient


def fit(
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
    weights: ArrayLike | None = None,
) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters for a base of customers.

    ``weights`` counts how many customers each row stands for. Times are rescaled so the
    oldest customer's ``T`` is 10 while fitting (better conditioned; ``alpha`` is scaled back).

    Raises:
        ValueError: no customers, or an impossible row (named by its index).
    """
    rows = Collapsed.of(frequency, recency, age, weights)
    if len(rows) == 0 or rows.weight.sum() <= 0:
        raise ValueError("no customers to fit")
    scale = 10.0 / rows.age.max() if rows.age.max() > 0 else 1.0
    x, t_x, big_t, w = rows.frequency, rows.recency * scale, rows.age * scale, rows.weight
    total = w.sum()

    def objective(log_theta: Floats) -> tuple[float, Floats]:
        ll, grad = _terms(log_theta, x, t_x, big_t)
        return -float(w @ ll) / total, -(grad @ w) / total

    best = minimize_log(objective, [0.0, 0.0, 0.0, 0.0])
    r, alpha, a, b = best.params
    params = (float(r), float(alpha / scale), float(a), float(b))
    ll_value = float(w @ _terms(np.log(params), rows.frequency, rows.recency, rows.age)[0])
    return BgNbd(
        *params,
        log_likelihood=ll_value,
        customers=round(total),
        converged=best.converged and not best.at_bound,
        message=best.message + (" (a parameter reached its bound)" if best.at_bound else ""),
    )
