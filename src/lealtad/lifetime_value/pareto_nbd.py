"""Pareto/NBD: the original buy-till-you-die model, kept as the alternative to BG/NBD.

Schmittlein, Morrison & Colombo (1987), in the formulation of Fader & Hardie's note "Deriving
the Pareto/NBD model" (2005). Purchases arrive as in BG/NBD (gamma ``r``, ``alpha``), but a
customer may drop out at any moment, not only just after buying: their lifetime is exponential
with a rate μ, gamma-distributed with shape ``s`` and rate ``beta``. It fits bases where people
leave without a last purchase (a subscription lapses) a little better, costs a hypergeometric
function per customer, and serves as the check that BG/NBD's conclusions do not hinge on how
dropping out is modelled.

Examples:
    >>> model = ParetoNbd(0.553, 10.578, 0.606, 11.669)
    >>> model.p_alive([2, 2], [30.43, 5.0], [38.86, 38.86]).round(3)
    array([0.869, 0.13 ])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln

from lealtad.lifetime_value.fitting import minimize_log, polish_log
from lealtad.lifetime_value.hypergeometric import hyp2f1
from lealtad.lifetime_value.inputs import Collapsed, Floats, check_customers


@dataclass(frozen=True)
class ParetoNbd:
    """Fitted Pareto/NBD parameters (times in the unit of the data they were fitted on)."""

    r: float
    alpha: float
    s: float
    beta: float
    log_likelihood: float = float("nan")
    customers: int = 0
    converged: bool = True
    message: str = ""

    @property
    def params(self) -> tuple[float, float, float, float]:
        return (self.r, self.alpha, self.s, self.beta)

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike) -> Floats:
        """Chance each customer is still active at ``T``."""
        x, t_x, big_t = check_customers(frequency, recency, age)
        return np.exp(-np.logaddexp(0.0, _log_odds_dead(self.params, x, t_x, big_t)))

    def expected_purchases(self, horizon: ArrayLike) -> Floats:
        """Purchases a new customer is expected to make in their first ``horizon`` units.

        Examples:
            >>> ParetoNbd(0.553, 10.578, 0.606, 11.669).expected_purchases([0, 39]).round(3)
            array([0.   , 1.213])
        """
        t = np.asarray(horizon, dtype=np.float64)
        r, alpha, s, beta = self.params
        return r / alpha * _lifetime_integral(s, beta, np.zeros_like(t), t)

    def conditional_expected_purchases(
        self, horizon: ArrayLike, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
    ) -> Floats:
        """Purchases each customer is expected to make in the next ``horizon`` units.

        Examples:
            >>> model = ParetoNbd(0.553, 10.578, 0.606, 11.669)
            >>> model.conditional_expected_purchases(39, [2], [30.43], [38.86]).round(3)
            array([1.455])
        """
        x, t_x, big_t = check_customers(frequency, recency, age)
        t = np.asarray(horizon, dtype=np.float64)
        r, alpha, s, beta = self.params
        rate = (r + x) / (alpha + big_t)
        alive = self.p_alive(x, t_x, big_t)
        return np.maximum(rate * _lifetime_integral(s, beta, big_t, t) * alive, 0.0)


def _lifetime_integral(s: float, beta: float, big_t: Floats, t: Floats) -> Floats:
    """Expected time alive within the next ``t`` units for someone alive at ``T``:
    ``(β+T)/(s-1) · [1 - ((β+T)/(β+T+t))^(s-1)]``, with its limit ``(β+T)·ln(1+t/(β+T))``
    at s = 1 (``expm1``/``log1p`` keep it exact near there)."""
    base = beta + big_t
    log_ratio = np.log1p(t / base)
    if abs(s - 1) < 1e-9:
        return base * log_ratio
    return base * -np.expm1(-(s - 1) * log_ratio) / (s - 1)


def _log_a0(
    params: tuple[float, ...], x: Floats, t_x: Floats, big_t: Floats, resolve: bool = True
) -> Floats:
    """log of the note's A0 term, with the usual branch on alpha ≥ beta so the
    hypergeometric argument stays in [0, 1)."""
    r, alpha, s, beta = params
    big = max(alpha, beta)
    shape = np.full_like(x, s + 1.0) if alpha >= beta else r + x
    gap = abs(alpha - beta)
    rsx = r + s + x
    log_1 = _log_hyp(rsx, shape, gap, big, t_x, resolve) - rsx * np.log(big + t_x)
    log_2 = _log_hyp(rsx, shape, gap, big, big_t, resolve) - rsx * np.log(big + big_t)
    # A0 = e^log_1 - e^log_2 with log_1 ≥ log_2; log1p(-exp) is exact when they are close.
    diff = np.minimum(log_2 - log_1, 0.0)
    with np.errstate(divide="ignore"):
        return log_1 + np.log(-np.expm1(diff))


def _log_hyp(
    rsx: Floats, shape: Floats, gap: float, big: float, t: Floats, resolve: bool
) -> Floats:
    """``log 2F1(rsx, shape; rsx+1; z)`` with ``z = gap/(big+t)``, by Euler's transformation
    ``(1-z)^(1-shape) · 2F1(1, rsx+1-shape; rsx+1; z)``: the power is taken as a log, so a
    customer with hundreds of purchases (shape r+x) does not overflow to infinity."""
    z = gap / (big + t)
    log_1mz = np.log(big - gap + t) - np.log(big + t)  # big - gap is min(alpha, beta)
    return (1 - shape) * log_1mz + np.log(hyp2f1(1.0, rsx + 1 - shape, rsx + 1, z, resolve=resolve))


def _log_odds_dead(params: tuple[float, ...], x: Floats, t_x: Floats, big_t: Floats) -> Floats:
    """log of (likelihood of "dropped out before T") over (likelihood of "alive at T")."""
    r, alpha, s, beta = params
    log_alive = -(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t)
    log_dead = np.log(s) - np.log(r + s + x) + _log_a0(params, x, t_x, big_t)
    return log_dead - log_alive


def log_likelihood(
    params: tuple[float, float, float, float],
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
) -> Floats:
    """Each customer's log-likelihood under ``(r, alpha, s, beta)``.

    Examples:
        >>> ll = log_likelihood((0.553, 10.578, 0.606, 11.669), [0, 2], [0, 30.43], [38.86] * 2)
        >>> ll.round(3)
        array([-0.521, -9.554])
    """
    x, t_x, big_t = check_customers(frequency, recency, age)
    return _rows(tuple(float(p) for p in params), x, t_x, big_t)


def _rows(
    params: tuple[float, ...], x: Floats, t_x: Floats, big_t: Floats, resolve: bool = True
) -> Floats:
    r, alpha, s, beta = params
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    log_alive = -(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t)
    log_dead = np.log(s) - np.log(r + s + x) + _log_a0(params, x, t_x, big_t, resolve)
    return head + np.logaddexp(log_alive, log_dead)


def fit(
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
    weights: ArrayLike | None = None,
) -> ParetoNbd:
    """Maximum-likelihood Pareto/NBD parameters (L-BFGS-B, then a Nelder-Mead polish).

    Raises:
        ValueError: no customers, or an impossible row (named by its index).
    """
    rows = Collapsed.of(frequency, recency, age, weights)
    if len(rows) == 0 or rows.weight.sum() <= 0:
        raise ValueError("no customers to fit")
    scale = 10.0 / rows.age.max() if rows.age.max() > 0 else 1.0
    x, t_x, big_t, w = rows.frequency, rows.recency * scale, rows.age * scale, rows.weight
    total = w.sum()

    def objective(log_theta: Floats) -> float:
        with np.errstate(all="ignore"):  # a trial step far out may overflow: penalised
            value = -float(w @ _rows(tuple(np.exp(log_theta)), x, t_x, big_t, False)) / total
        return value if np.isfinite(value) else 1e300

    first = minimize_log(objective, [0.0, 0.0, 0.0, 0.0], gradient=False)
    best = polish_log(objective, np.log(first.params))
    r, alpha, s, beta = best.params
    params = (float(r), float(alpha / scale), float(s), float(beta / scale))
    ll_value = float(w @ _rows(params, rows.frequency, rows.recency, rows.age))
    return ParetoNbd(
        *params,
        log_likelihood=ll_value,
        customers=round(total),
        converged=best.converged and not best.at_bound,
        message=best.message + (" (a parameter reached its bound)" if best.at_bound else ""),
    )
