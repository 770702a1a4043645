"""Erlang C (M/M/n) and Erlang A (M/M/n+M) in closed form, stable at any size.

Every quantity is computed in log space from the regularized incomplete gamma function, so a
thousand agents (or a hundred thousand) never meet a factorial: Erlang B is a Poisson
probability over a Poisson distribution function, and Erlang A's queue sum is the confluent
hypergeometric series ``M(1; b; x)``, taken from the incomplete gamma function, and summed
term by term only where that underflows (a queue so underloaded that hardly anyone waits).
The functions take numpy arrays as well as scalars and broadcast, because a week of intervals
is staffed in one pass (``plan.py``).

Erlang A follows Garnett, Mandelbaum and Reiman (2002) and Mandelbaum and Zeltyn (2005): the
offered ("virtual") wait V of an arrival has density ``n mu pi_n exp(y (1 - e^{-theta v}) - n mu
v)`` for v > 0, where ``pi_n`` is the probability that all agents are busy and nobody waits,
theta is 1 / mean patience, ``a = n mu / theta`` and ``y = lambda / theta``. A caller is
answered when patience outlasts V, which gives the answered-within-T integrals below.

Units: rates are per second, times in seconds. ``load`` is the offered traffic in Erlangs
(arrival rate times mean handle time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import quad
from scipy.special import gammainc, gammaincc, gammaln

Array = NDArray[np.float64]

_SERIES_TERMS = 1_000_000


def _as_array(value: ArrayLike) -> Array:
    return np.asarray(value, dtype=np.float64)


def _unwrap(value: Array) -> Any:
    """Scalars in, scalars out: callers with one interval should not meet 0-d arrays."""
    return float(value) if np.ndim(value) == 0 else value


def _check_positive(name: str, value: Array, allow_zero: bool = False) -> None:
    bad = (value < 0) if allow_zero else (value <= 0)
    if np.any(bad) or np.any(~np.isfinite(value)):
        qualifier = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be finite and {qualifier}, got {value!r}")


def log_erlang_b(agents: ArrayLike, load: ArrayLike) -> Array:
    """log B(n, A) = log Poisson(n; A) - log P(N <= n) with N ~ Poisson(A)."""
    n = _as_array(agents)
    a = _as_array(load)
    _check_positive("agents", n, allow_zero=True)
    _check_positive("load", a, allow_zero=True)
    with np.errstate(divide="ignore"):
        log_pmf = np.where(a > 0, n * np.log(np.where(a > 0, a, 1.0)) - a - gammaln(n + 1), 0.0)
        log_pmf = np.where((a == 0) & (n > 0), -np.inf, log_pmf)
        log_cdf = np.log(gammaincc(n + 1, a))
    # B <= 1 always; rounding can put pmf / cdf a hair above 1 when the load swamps n
    return np.asarray(np.minimum(log_pmf - log_cdf, 0.0), dtype=np.float64)


def erlang_b(agents: ArrayLike, load: ArrayLike) -> Any:
    """Blocking probability of M/M/n/n (lost calls cleared)."""
    return _unwrap(np.exp(log_erlang_b(agents, load)))


def erlang_c(agents: ArrayLike, load: ArrayLike) -> Any:
    """Probability that an arrival waits (Erlang C); 1.0 when the queue is unstable (A >= n)."""
    n = _as_array(agents)
    a = _as_array(load)
    b = np.exp(log_erlang_b(n, a))
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore"):
        c = n * b / (n - a * (1.0 - b))
    return _unwrap(np.where(stable, c, 1.0))


def erlang_c_asa(agents: ArrayLike, load: ArrayLike, aht: ArrayLike) -> Any:
    """Average speed of answer (mean wait of all callers, seconds); inf when unstable."""
    n, a, h = _as_array(agents), _as_array(load), _as_array(aht)
    c = _as_array(erlang_c(n, a))
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = c * h / (n - a)
    return _unwrap(np.where(n > a, asa, np.inf))


def erlang_c_service_level(
    agents: ArrayLike, load: ArrayLike, aht: ArrayLike, within: ArrayLike
) -> Any:
    """Share of callers answered within ``within`` seconds (Erlang C: nobody abandons)."""
    n, a, h, t = _as_array(agents), _as_array(load), _as_array(aht), _as_array(within)
    c = _as_array(erlang_c(n, a))
    with np.errstate(over="ignore"):  # unstable (n <= A): masked below
        sl = 1.0 - c * np.exp(-(n - a) * t / h)
    return _unwrap(np.where(n > a, sl, 0.0))


def occupancy(agents: ArrayLike, load: ArrayLike) -> Any:
    """Share of the agents' ready time spent handling contacts (A / n, capped at 1)."""
    n, a = _as_array(agents), _as_array(load)
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > 0, np.minimum(a / n, 1.0), 1.0)
    return _unwrap(occ)


@dataclass(frozen=True)
class ErlangC:
    """The Erlang C figures for one staffing of one interval."""

    agents: int
    load: float
    p_wait: float
    asa: float
    service_level: float
    occupancy: float


def erlang_c_metrics(
    calls: float, interval_seconds: float, aht: float, agents: int, within: float
) -> ErlangC:
    """Erlang C for ``calls`` offered in an interval of ``interval_seconds``."""
    _check_positive("interval_seconds", _as_array(interval_seconds))
    _check_positive("aht", _as_array(aht))
    _check_positive("calls", _as_array(calls), allow_zero=True)
    _check_positive("within", _as_array(within), allow_zero=True)
    load = calls / interval_seconds * aht
    return ErlangC(
        agents=agents,
        load=load,
        p_wait=erlang_c(agents, load),
        asa=erlang_c_asa(agents, load, aht),
        service_level=erlang_c_service_level(agents, load, aht, within),
        occupancy=occupancy(agents, load),
    )


# --- Erlang A ----------------------------------------------------------------------------


def _log_m_series(b: Array, x: Array) -> Array:
    """log M(1; b; x) = log sum_k x^k / ((b)(b+1)...(b+k-1)) by direct summation (x < b)."""
    total = np.ones_like(x)
    term = np.ones_like(x)
    for k in range(_SERIES_TERMS):
        term = term * x / (b + k)
        total = total + term
        if not np.any(term > 1e-17 * total):
            break
    return np.asarray(np.log(total), dtype=np.float64)


def log_kummer_one(b: ArrayLike, x: ArrayLike) -> Array:
    """log M(1; b; x) for b > 1, x >= 0: the sum behind Erlang A's waiting states.

    From ``M(1; b; x) = Gamma(b) x^(1-b) e^x P(b-1, x)`` wherever the regularized incomplete
    gamma P is a normal float (scipy computes it to full relative precision); where it
    underflows — x far below b, a queue so underloaded that hardly anyone waits — the series
    is summed directly, and there its terms shrink at once.
    """
    bb, xx = np.broadcast_arrays(_as_array(b), _as_array(x))
    out = np.empty(bb.shape, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        p = gammainc(bb - 1.0, xx)
        closed = (p > 1e-250) & (xx > 0)
        out[closed] = (
            gammaln(bb[closed])
            + xx[closed]
            - (bb[closed] - 1.0) * np.log(xx[closed])
            + np.log(p[closed])
        )
    series = ~closed
    if np.any(series):
        out[series] = _log_m_series(bb[series], xx[series])
    return out


@dataclass(frozen=True)
class ErlangA:
    """The Erlang A figures for one staffing of one interval (seconds, shares of offered).

    ``average_wait`` is the mean wait of every caller, answered or not (= P(abandon) x mean
    patience, by Little's law); ``asa`` is the mean wait of the answered callers only.
    """

    agents: int
    load: float
    p_wait: float
    p_abandon: float
    average_wait: float
    asa: float
    service_level: float
    service_level_answered: float
    occupancy: float


def _erlang_a_parts(
    agents: Array, arrival_rate: Array, aht: Array, patience: Array, within: Array
) -> dict[str, Array]:
    """The log-space pieces every Erlang A figure is built from (all arrays, broadcast).

    Extreme inputs (a patience of a microsecond, a day-long wait) overflow or underflow
    intermediate exponentials to inf or 0, which is the right limit; only NaN would be wrong.
    """
    with np.errstate(over="ignore", under="ignore"):
        return _erlang_a_parts_raw(agents, arrival_rate, aht, patience, within)


def _erlang_a_parts_raw(
    agents: Array, arrival_rate: Array, aht: Array, patience: Array, within: Array
) -> dict[str, Array]:
    n, lam, h, pat, t = np.broadcast_arrays(agents, arrival_rate, aht, patience, within)
    load = lam * h
    a = n * pat / h  # n mu / theta
    y = lam * pat  # lambda / theta
    log_b = log_erlang_b(n, load)
    log_j = log_kummer_one(a + 1.0, y)
    with np.errstate(divide="ignore"):
        log_1mb = np.log1p(-np.exp(log_b))
    log_pi_n = log_b - np.logaddexp(log_1mb, log_b + log_j)
    q = np.exp(-t / pat)
    log_m2 = log_kummer_one(a + 2.0, y)
    log_m2_t = log_kummer_one(a + 2.0, y * q)
    scale = a / (a + 1.0)
    # served after waiting, as a share of all arrivals, overall and within t seconds
    served_waiting = np.exp(log_pi_n + log_m2) * scale
    late = np.exp(log_pi_n + log_m2_t + (a + 1.0) * (-t / pat) + y * (1.0 - q)) * scale
    p_wait = np.exp(log_pi_n + log_j)
    return {
        "n": n,
        "load": load,
        "p_wait": p_wait,
        "served_waiting": served_waiting,
        "served_within": served_waiting - late,
        "log_pi_n": log_pi_n,
        "a": a,
        "y": y,
    }


def erlang_a_abandon(
    agents: ArrayLike, arrival_rate: ArrayLike, aht: ArrayLike, patience: ArrayLike
) -> Any:
    """Share of offered callers who hang up before an agent answers."""
    p = _erlang_a_parts(*_validated_a(agents, arrival_rate, aht, patience, 0.0))
    return _unwrap(np.clip(p["p_wait"] - p["served_waiting"], 0.0, 1.0))


def erlang_a_service_level(
    agents: ArrayLike,
    arrival_rate: ArrayLike,
    aht: ArrayLike,
    patience: ArrayLike,
    within: ArrayLike,
) -> Any:
    """Share of OFFERED callers answered within ``within`` seconds (abandons count against)."""
    p = _erlang_a_parts(*_validated_a(agents, arrival_rate, aht, patience, within))
    return _unwrap(np.clip(1.0 - p["p_wait"] + p["served_within"], 0.0, 1.0))


def _validated_a(
    agents: ArrayLike,
    arrival_rate: ArrayLike,
    aht: ArrayLike,
    patience: ArrayLike,
    within: ArrayLike,
) -> tuple[Array, Array, Array, Array, Array]:
    n, lam, h, pat, t = (_as_array(v) for v in (agents, arrival_rate, aht, patience, within))
    _check_positive("agents", n)
    _check_positive("arrival_rate", lam)
    _check_positive("aht", h)
    _check_positive("patience", pat)
    _check_positive("within", t, allow_zero=True)
    return n, lam, h, pat, t


def _asa_answered(p: dict[str, Array], served: float, aht: float, patience: float) -> float:
    """Mean wait of answered callers: the integral of v e^{-theta v} f_V(v) over v > 0."""
    n, y = float(p["n"]), float(p["y"])
    nu, theta = n / aht, 1.0 / patience
    log_pi_n = float(p["log_pi_n"])

    def integrand(v: float) -> float:
        return float(
            v * np.exp(log_pi_n + np.log(nu) + y * (1.0 - np.exp(-theta * v)) - (nu + theta) * v)
        )

    value, _err = quad(integrand, 0.0, np.inf, limit=200)
    return value / served if served > 0 else float("inf")


def erlang_a_metrics(
    calls: float,
    interval_seconds: float,
    aht: float,
    agents: int,
    patience: float,
    within: float,
) -> ErlangA:
    """Erlang A for ``calls`` offered in an interval, callers patient ``patience`` s on average."""
    _check_positive("interval_seconds", _as_array(interval_seconds))
    _check_positive("calls", _as_array(calls))
    lam = calls / interval_seconds
    p = _erlang_a_parts(*_validated_a(agents, lam, aht, patience, within))
    p_wait = float(p["p_wait"])
    p_abandon = min(max(p_wait - float(p["served_waiting"]), 0.0), 1.0)
    served = 1.0 - p_abandon
    answered_within = 1.0 - p_wait + float(p["served_within"])
    load = lam * aht
    return ErlangA(
        agents=agents,
        load=load,
        p_wait=p_wait,
        p_abandon=p_abandon,
        average_wait=p_abandon * patience,
        asa=_asa_answered(p, served, aht, patience),
        service_level=answered_within,
        service_level_answered=answered_within / served if served > 0 else 0.0,
        occupancy=min(load * served / agents, 1.0),
    )
