"""Erlang C and Erlang A: the textbook figures, an independent Markov chain, the limits."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from lealtad.contact_engine.staffing import erlang

# The issue's case: 360 calls per 30 minutes, 240 s handle time = 48 Erlangs.
CALLS, INTERVAL, AHT = 360, 1800, 240


def test_erlang_c_reproduces_the_textbook_case_to_four_decimals():
    r = erlang.erlang_c_metrics(CALLS, INTERVAL, AHT, agents=55, within=15)
    assert r.load == 48.0
    assert round(r.p_wait, 5) == 0.23870
    assert round(r.asa, 2) == 8.18
    assert round(r.service_level, 4) == 0.8459
    assert round(erlang.erlang_c_service_level(55, 48, AHT, 20), 4) == 0.8668
    assert round(erlang.erlang_c_service_level(54, 48, AHT, 15), 4) == 0.7929
    assert r.occupancy == pytest.approx(48 / 55)


def test_erlang_a_reproduces_the_issue_figures_with_55_agents():
    """The issue's P(abandon) 0.0143 and SL(20 s) 0.9402 are for the same 55 agents (54 give
    0.0183 and 0.9228, 56 give 0.0111 and 0.9544), and the service level is answered within
    20 s over ALL offered calls (of answered calls only it is 0.9539)."""
    r = erlang.erlang_a_metrics(CALLS, INTERVAL, AHT, agents=55, patience=180, within=20)
    assert abs(r.p_abandon - 0.0143) < 1e-4
    assert abs(r.service_level - 0.9402) < 1e-4
    assert abs(r.service_level_answered - 0.9539) < 1e-4
    assert r.average_wait == pytest.approx(r.p_abandon * 180)
    assert 0 < r.asa < r.average_wait < 8.18  # impatient callers shorten everyone's wait
    r54 = erlang.erlang_a_metrics(CALLS, INTERVAL, AHT, agents=54, patience=180, within=20)
    assert round(r54.p_abandon, 4) == 0.0183 and round(r54.service_level, 4) == 0.9228


def _birth_death(n: int, lam: float, mu: float, theta: float, cap: int) -> np.ndarray:
    """Stationary distribution of M/M/n+M truncated at n + cap, by plain products."""
    logp = np.zeros(n + cap + 1)
    for j in range(1, n + cap + 1):
        rate = j * mu if j <= n else n * mu + (j - n) * theta
        logp[j] = logp[j - 1] + math.log(lam / rate)
    p = np.exp(logp - logp.max())
    return p / p.sum()


def _answered_within(n: int, mu: float, theta: float, t: float, cap: int, pi: np.ndarray) -> float:
    """A tagged caller's race, as a transient chain: j callers ahead leave at n mu + j theta,
    the caller hangs up at theta; answered when a server frees with nobody ahead."""
    size = cap + 2  # states 0..cap (callers ahead), then "answered"
    q = np.zeros((size, size))
    for j in range(cap + 1):
        leave = n * mu + j * theta
        q[j, j - 1 if j > 0 else cap + 1] = leave
        q[j, j] = -(leave + theta)
    start = np.append(pi[n : n + cap + 1], 0.0)
    reach = start @ expm(q * t)
    return float(pi[:n].sum() + reach[cap + 1])


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 25),
    rho=st.floats(0.3, 1.6),
    aht=st.floats(30, 600),
    patience_ratio=st.floats(0.05, 3),
    within=st.floats(0, 120),
)
def test_erlang_a_agrees_with_an_independent_markov_chain(n, rho, aht, patience_ratio, within):
    patience = aht * patience_ratio
    lam = rho * n / aht
    mu, theta = 1 / aht, 1 / patience
    cap = 200
    pi = _birth_death(n, lam, mu, theta, cap)
    queued = np.arange(cap + 1)
    p_abandon = float((pi[n:] * queued * theta).sum() / lam)
    calls = lam * 900
    r = erlang.erlang_a_metrics(calls, 900, aht, n, patience, within)
    assert r.p_wait == pytest.approx(pi[n:].sum(), abs=1e-9)
    assert r.p_abandon == pytest.approx(p_abandon, abs=1e-9)
    sl = _answered_within(n, mu, theta, within, cap, pi)
    assert r.service_level == pytest.approx(sl, abs=1e-7)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), spare=st.floats(0.05, 0.95), within=st.floats(0, 60))
def test_erlang_a_tends_to_erlang_c_as_patience_grows(n, spare, within):
    """Patience is scaled to the queue's own waiting time (aht / (n - A)), since what matters
    is how many waiting callers give up: a day of patience is short for a queue that waits
    an hour."""
    load = n * spare
    aht = 180.0
    lam = load / aht
    c_wait = erlang.erlang_c(n, load)
    c_sl = erlang.erlang_c_service_level(n, load, aht, within)
    wait_scale = aht / (n - load)
    gaps = []
    for ratio in (1e2, 1e4, 1e6):
        r = erlang.erlang_a_metrics(lam * 900, 900, aht, n, ratio * wait_scale, within)
        gaps.append(abs(r.service_level - c_sl) + abs(r.p_wait - c_wait))
    assert gaps[-1] < 1e-4
    assert gaps[2] <= gaps[1] + 1e-12 and gaps[1] <= gaps[0] + 1e-12


@pytest.mark.parametrize("agents", [1000, 10_000, 100_000])
def test_no_overflow_at_thousands_of_agents(agents):
    load = agents * 0.97
    b = erlang.erlang_b(agents, load)
    c = erlang.erlang_c(agents, load)
    assert 0 < b < c < 1
    a = erlang.erlang_a_metrics(load / 240 * 900, 900, 240, agents, 180, 20)
    assert all(math.isfinite(v) for v in (a.p_wait, a.p_abandon, a.service_level, a.asa))
    assert 0 < a.p_abandon < a.p_wait < c


def test_erlang_b_matches_the_recursion_at_a_thousand_agents():
    load, b = 950.0, 1.0
    for k in range(1, 1001):
        b = load * b / (k + load * b)
    assert erlang.erlang_b(1000, load) == pytest.approx(b, rel=1e-10)


def test_unstable_erlang_c_means_everyone_waits_forever():
    assert erlang.erlang_c(48, 48.0) == 1.0
    assert erlang.erlang_c_asa(40, 48.0, 240) == math.inf
    assert erlang.erlang_c_service_level(40, 48.0, 240, 20) == 0.0
    # with abandonment the same overload settles: most callers give up, none wait forever
    r = erlang.erlang_a_metrics(CALLS, INTERVAL, AHT, agents=40, patience=180, within=20)
    assert 0.1 < r.p_abandon < 0.5 and math.isfinite(r.asa)


@settings(max_examples=40, deadline=None)
@given(load=st.floats(0.5, 400), within=st.floats(0, 60), patience=st.floats(5, 2000))
def test_more_agents_never_serve_worse(load, within, patience):
    n = np.arange(max(1, math.floor(load) - 5), math.floor(load) + 40)
    sl_c = np.asarray(erlang.erlang_c_service_level(n, load, 200.0, within))
    assert np.all(np.diff(sl_c) >= -1e-12)
    sl_a = np.asarray(erlang.erlang_a_service_level(n, load / 200, 200.0, patience, within))
    ab = np.asarray(erlang.erlang_a_abandon(n, load / 200, 200.0, patience))
    assert np.all(np.diff(sl_a) >= -1e-9) and np.all(np.diff(ab) <= 1e-12)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"aht": 0}, "aht"),
        ({"aht": -3}, "aht"),
        ({"interval_seconds": 0}, "interval_seconds"),
        ({"patience": 0}, "patience"),
        ({"within": -1}, "within"),
        ({"calls": -5}, "calls"),
        ({"agents": 0}, "agents"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    args = {"calls": 360, "interval_seconds": 1800, "aht": 240, "agents": 55, "within": 20}
    args |= {"patience": 180} | kwargs
    with pytest.raises(ValueError, match=f"^{field} "):
        erlang.erlang_a_metrics(**args)
