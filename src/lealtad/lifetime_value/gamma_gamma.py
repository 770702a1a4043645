"""Gamma-Gamma: what a customer's purchases will be worth on average.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves", after Colombo & Jiang
(1999). Each customer's spend per purchase varies around their own mean, and those means vary
across customers (gamma with shape ``q`` and rate ``gamma``; each purchase gamma with shape
``p``). A customer seen only twice at 200 is pulled toward the base's average; one seen twenty
times at 200 is believed. The model assumes spend is independent of how often someone buys
(check that before trusting it: the correlation is usually weak).

Fitted on repeat customers only: their mean spend over repeat purchases (``monetary``) and how
many there were (``frequency``).

Examples:
    >>> model = GammaGamma(6.25, 3.74, 15.44)
    >>> model.conditional_expected_spend([0, 1, 10], [0.0, 200.0, 200.0]).round(2)
    array([ 35.22, 149.78, 193.08])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from lealtad.lifetime_value.fitting import minimize_log
from lealtad.lifetime_value.inputs import Floats


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma parameters (``gamma`` in the currency the data was in)."""

    p: float
    q: float
    gamma: float
    log_likelihood: float = float("nan")
    customers: int = 0
    observed_mean_spend: float = 0.0
    converged: bool = True
    message: str = ""

    @property
    def params(self) -> tuple[float, float, float]:
        return (self.p, self.q, self.gamma)

    @property
    def population_mean_spend(self) -> float:
        """Average spend per purchase across the base: ``p·gamma/(q-1)``.

        For q ≤ 1 the model's mean is unbounded (a few huge spenders dominate); the mean
        observed among the repeat customers it was fitted on stands in, so no score is NaN.
        """
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else self.observed_mean_spend

    def conditional_expected_spend(self, frequency: ArrayLike, monetary: ArrayLike) -> Floats:
        """Expected spend per future purchase of each customer.

        A weighted average of the base's mean and the customer's own mean, the weight on
        their own growing with their repeat purchases. Customers with no repeat purchase get
        the base's mean. Zero or negative monetary values count as no evidence.
        """
        x, z = _check(frequency, monetary)
        x = np.where(z > 0, x, 0.0)
        z = np.where(z > 0, z, 0.0)
        p, q, gamma = self.params
        denominator = p * x + q - 1
        shrunk = p * (gamma + x * z) / np.where(denominator > 0, denominator, 1.0)
        return np.where(denominator > 0, shrunk, np.where(x > 0, z, self.population_mean_spend))


def _check(frequency: ArrayLike, monetary: ArrayLike) -> tuple[Floats, Floats]:
    x = np.asarray(frequency, dtype=np.float64).ravel()
    z = np.asarray(monetary, dtype=np.float64).ravel()
    if x.size != z.size:
        raise ValueError(f"frequency and monetary differ in length ({x.size} and {z.size})")
    for name, values in (("frequency", x), ("monetary", z)):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"{name}: row {int(bad[0])} is not a finite number")
    bad = np.flatnonzero(x < 0)
    if bad.size:
        raise ValueError(f"frequency: row {int(bad[0])} must be ≥ 0")
    return x, z


def _terms(log_theta: Floats, x: Floats, z: Floats) -> tuple[Floats, Floats]:
    """Per-customer log-likelihood of the mean spend and its gradient in log-parameters."""
    p, q, gamma = np.exp(log_theta)
    px = p * x
    log_z, log_pool = np.log(z), np.log(gamma + x * z)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * log_z
        + px * np.log(x)
        - (px + q) * log_pool
    )
    d_p = x * (digamma(px + q) - digamma(px) + log_z + np.log(x) - log_pool)
    d_q = digamma(px + q) - digamma(q) + np.log(gamma) - log_pool
    d_gamma = q / gamma - (px + q) / (gamma + x * z)
    return ll, np.stack([d_p * p, d_q * q, d_gamma * gamma])


def log_likelihood(
    params: tuple[float, float, float], frequency: ArrayLike, monetary: ArrayLike
) -> Floats:
    """Each repeat customer's log-likelihood of their mean spend.

    Examples:
        >>> log_likelihood((6.25, 3.74, 15.44), [2], [22.35]).round(3)
        array([-3.551])
    """
    x, z = _check(frequency, monetary)
    return _terms(np.log(np.asarray(params, dtype=np.float64)), x, z)[0]


def fit(frequency: ArrayLike, monetary: ArrayLike) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters from the repeat customers among the rows.

    Rows with no repeat purchase or a mean spend ≤ 0 carry no information about spend and are
    left out (a return-only customer has no purchase to average). Money is rescaled so the
    mean spend is 10 while fitting; ``gamma`` is scaled back.

    Raises:
        ValueError: no row has a repeat purchase with a positive mean spend.
    """
    x, z = _check(frequency, monetary)
    keep = (x > 0) & (z > 0)
    x, z = x[keep], z[keep]
    if x.size == 0:
        raise ValueError("no repeat customer with a positive spend to fit the spend model on")
    scale = 10.0 / float(z.mean())
    z_scaled = z * scale

    def objective(log_theta: Floats) -> tuple[float, Floats]:
        ll, grad = _terms(log_theta, x, z_scaled)
        return -float(ll.sum()) / x.size, -grad.sum(axis=1) / x.size

    best = minimize_log(objective, [0.0, 0.0, 0.0])
    p, q, gamma = best.params
    params = (float(p), float(q), float(gamma / scale))
    ll_value = float(_terms(np.log(params), x, z)[0].sum())
    return GammaGamma(
        *params,
        log_likelihood=ll_value,
        customers=int(x.size),
        observed_mean_spend=float(z.mean()),
        converged=best.converged and not best.at_bound,
        message=best.message + (" (a parameter reached its bound)" if best.at_bound else ""),
    )
