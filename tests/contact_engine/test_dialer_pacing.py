"""The dialer's pacing: how many lines each mode starts, the abandonment cap held by the
predictive controller, and the modes' order in agent talk time (outbound simulation)."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.contact_engine.dialer import (
    DialMode,
    FloorState,
    Pacer,
    PacingSettings,
    expected_abandon_share,
)
from lealtad.contact_engine.simulation.dialer import OutboundScenario, compare, simulate


def pacer(mode=DialMode.PREDICTIVE, **kwargs):
    return Pacer(PacingSettings(mode=mode, **kwargs))


@pytest.mark.parametrize("mode", [DialMode.PREVIEW, DialMode.PROGRESSIVE])
def test_one_line_per_free_agent_without_a_line(mode):
    p = pacer(mode)
    assert p.lines_to_dial(FloorState(agents_available=4, agents_busy=10)) == 4
    p.dialled(4)
    assert p.lines_to_dial(FloorState(agents_available=4, agents_busy=10)) == 0
    p.unanswered()
    assert p.lines_to_dial(FloorState(agents_available=4, agents_busy=10)) == 1
    p.dialled(1)
    p.answered(ring_seconds=5)  # not yet connected: it holds one of the four agents
    assert p.lines_to_dial(FloorState(agents_available=4, agents_busy=10)) == 0


def test_predictive_dials_ahead_of_free_agents_when_answers_are_rare():
    progressive = pacer(DialMode.PROGRESSIVE, prior_answer_rate=0.2)
    predictive = pacer(DialMode.PREDICTIVE, prior_answer_rate=0.2)
    floor = FloorState(agents_available=5, agents_busy=15)
    assert progressive.lines_to_dial(floor) == 5
    assert predictive.lines_to_dial(floor) > 10
    assert predictive.stats().dial_ratio > 2


def test_no_agents_no_lines():
    assert pacer().lines_to_dial(FloorState(agents_available=0, agents_busy=0)) == 0


def test_trunks_and_lines_per_agent_limit_the_lines_in_flight():
    p = pacer(prior_answer_rate=0.05, trunks=7)
    assert p.lines_to_dial(FloorState(agents_available=10, agents_busy=0)) == 7
    p = pacer(prior_answer_rate=0.05, max_lines_per_agent=2)
    assert p.lines_to_dial(FloorState(agents_available=3, agents_busy=2)) == 10


def test_agents_about_to_free_count_when_the_caller_knows_them():
    p = pacer(prior_answer_rate=0.3)
    none_soon = p.lines_to_dial(FloorState(0, 10, agents_about_to_free=0))
    three_soon = p.lines_to_dial(FloorState(0, 10, agents_about_to_free=3))
    assert none_soon == 0
    assert three_soon >= 3


def feed(p, answered, abandoned):
    """One in five lines answered, as the pacer's prior expects."""
    p.dialled(answered * 5)
    for _ in range(answered):
        p.answered(ring_seconds=8)
        for _ in range(4):
            p.unanswered()
    for i in range(answered):
        if i < abandoned:
            p.abandoned()
        else:
            p.connected()


def test_abandonment_near_the_cap_brakes_to_progressive():
    p = pacer(prior_answer_rate=0.2, window=100)
    floor = FloorState(agents_available=10, agents_busy=10)
    before = p.lines_to_dial(floor)
    feed(p, answered=100, abandoned=3)  # 3% over the last 100: at the cap
    assert p.stats().braking
    assert p.lines_to_dial(floor) == 10 < before
    feed(p, answered=100, abandoned=0)  # the window clears: look-ahead resumes
    assert not p.stats().braking
    assert p.lines_to_dial(floor) > 10


def test_target_rises_below_the_setpoint_and_falls_above_it():
    low, high = pacer(window=100), pacer(window=100)
    start = low.stats().target
    feed(low, answered=100, abandoned=0)
    feed(high, answered=100, abandoned=2)  # 2% > 60% of the 3% cap
    assert low.stats().target > start
    assert high.stats().target < start


def test_outcomes_cannot_outrun_their_lines():
    p = pacer()
    with pytest.raises(ValueError, match=r"^lines: more lines ended than were dialled"):
        p.answered()
    p.dialled(1)
    p.unanswered()
    with pytest.raises(ValueError, match=r"^answered: more calls connected"):
        p.connected()


@pytest.mark.parametrize(
    ("field", "value"),
    [("abandon_cap", 0), ("abandon_cap", 1.5), ("window", 3), ("setpoint", 0.95), ("trunks", 0)],
)
def test_bad_settings_name_their_field(field, value):
    with pytest.raises(ValueError, match=rf"^{field}: must be"):
        PacingSettings(**{field: value})


def test_a_floor_cannot_have_more_agents_freeing_than_busy():
    with pytest.raises(ValueError, match=r"^agents_about_to_free"):
        FloorState(agents_available=1, agents_busy=2, agents_about_to_free=3)


def binomial(n, p):
    return [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]


def exact_abandon_share(lines, rate, sure, busy, chance):
    """By brute force over both binomials (the reference the closed form approximates)."""
    answers = np.array(binomial(lines, rate))[:, None]
    freed = np.array(binomial(busy, chance))[None, :]
    excess = np.maximum(np.arange(lines + 1)[:, None] - sure - np.arange(busy + 1)[None, :], 0)
    return float((answers * freed * excess).sum() / (lines * rate))


@given(
    rate=st.floats(0.05, 0.95),
    sure=st.integers(0, 30),
    busy=st.integers(0, 30),
    chance=st.floats(0, 0.5),
    lines=st.integers(1, 200),
)
def test_expected_abandon_share_is_close_to_exact_when_answers_are_not_few(
    rate, sure, busy, chance, lines
):
    share = expected_abandon_share(lines, rate, sure, busy, chance)
    assert 0 <= share <= 1
    if lines * rate >= 5 and lines * (1 - rate) >= 5:  # the normal approximation's rule
        exact = exact_abandon_share(lines, rate, sure, busy, chance)
        assert share == pytest.approx(exact, abs=0.015)


@given(rate=st.floats(0.01, 0.99), sure=st.integers(0, 30), lines=st.integers(1, 200))
def test_expected_abandon_share_grows_with_lines(rate, sure, lines):
    fewer = expected_abandon_share(lines, rate, sure, 0, 0.0)
    assert fewer <= expected_abandon_share(lines + 1, rate, sure, 0, 0.0) + 1e-12


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    answer_rate=st.floats(0.05, 0.7),
    agents=st.integers(2, 25),
    talk=st.sampled_from([30.0, 120.0, 400.0]),
    seed=st.integers(0, 10_000),
)
def test_predictive_holds_the_cap_over_thirty_days(answer_rate, agents, talk, seed):
    scenario = OutboundScenario(
        agents=agents,
        days=30,
        shift_hours=4,
        answer_rate=answer_rate,
        answer_rate_swing=0.25,
        machine_rate=0.05,
        busy_rate=0.05,
        mean_talk_seconds=talk,
        seed=seed,
    )
    result = simulate(DialMode.PREDICTIVE, scenario)
    assert result.answered > 200
    assert result.abandon_rate <= 0.03


@pytest.mark.parametrize("mode", [DialMode.PREVIEW, DialMode.PROGRESSIVE])
def test_preview_and_progressive_never_abandon(mode):
    result = simulate(mode, OutboundScenario(agents=8, days=2, answer_rate=0.5))
    assert result.abandoned == 0
    assert result.connected == result.answered > 0


def test_talk_share_predictive_beats_progressive_beats_preview():
    results = compare(OutboundScenario(agents=20, days=3))
    preview, progressive, predictive = (
        results[m].talk_share for m in (DialMode.PREVIEW, DialMode.PROGRESSIVE, DialMode.PREDICTIVE)
    )
    assert predictive > progressive + 0.05
    assert progressive > preview + 0.05
    assert results[DialMode.PREDICTIVE].abandon_rate <= 0.03


@pytest.mark.slow
def test_the_default_campaign_stays_under_the_cap_for_thirty_days():
    result = simulate(DialMode.PREDICTIVE, OutboundScenario(days=30))
    assert result.answered > 50_000
    assert result.abandon_rate <= 0.03
    assert len(result.daily_abandon_rates) == 30


def test_bad_scenario_names_its_field():
    with pytest.raises(ValueError, match=r"^agents: must be"):
        OutboundScenario(agents=0)
    with pytest.raises(ValueError, match=r"^answer_rate: with its swing"):
        OutboundScenario(answer_rate=0.9, answer_rate_swing=0.2)


def test_a_connect_found_abandoned_is_counted_as_one():
    p = pacer(window=100)
    feed(p, answered=60, abandoned=0)
    p.abandoned_after_all()
    stats = p.stats()
    assert (stats.connected, stats.abandoned) == (59, 1)
    assert stats.window_abandon_rate == pytest.approx(1 / 60)
    with pytest.raises(ValueError, match=r"^connected"):
        pacer().abandoned_after_all()


def test_a_resumed_pacer_goes_on_from_the_campaigns_figures():
    p = pacer(window=100)
    p.resume(answered=400, unanswered=1600, connected=388, abandoned=12)
    stats = p.stats()
    assert stats.answer_rate == pytest.approx(0.2)
    assert stats.abandon_rate == pytest.approx(0.03)
    assert stats.lines_in_flight == 0
    feed(p, answered=50, abandoned=0)
    assert p.stats().braking  # 2.7% since the start: near the cap, whatever the window says
    with pytest.raises(ValueError, match=r"^connected"):
        pacer().resume(answered=1, unanswered=0, connected=2, abandoned=0)
