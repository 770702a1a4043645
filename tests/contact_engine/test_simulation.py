"""The contact-center simulator: theory, conservation, reproducibility, routing rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.contact_engine.routing.model import QueueSpec
from lealtad.contact_engine.simulation import (
    AgentGroup,
    Distribution,
    Policy,
    QueueLoad,
    Scenario,
    fast_path_applies,
    simulate,
    single_skill,
)
from lealtad.contact_engine.simulation.arrivals import draw_calls
from lealtad.contact_engine.simulation.engine import ANSWERED, run_general
from lealtad.contact_engine.simulation.examples import five_skill_center, value_day
from lealtad.contact_engine.staffing.erlang import erlang_a_abandon, erlang_a_service_level


def textbook(days: int = 3) -> Scenario:
    """360 calls per half hour, AHT 240 s, 55 agents, patience 180 s (the issue's case)."""
    return single_skill(360, 48 * days, 55, Distribution(240.0), Distribution(180.0), 1800.0, 20.0)


def test_single_skill_agrees_with_erlang_a():
    result = simulate(textbook(days=4), seed=11)
    rate = 360 / 1800
    sl = erlang_a_service_level(55, rate, 240.0, 180.0, 20.0)
    abandon = erlang_a_abandon(55, rate, 240.0, 180.0)
    assert abs(sl - 0.9402) < 1e-3 and abs(abandon - 0.0143) < 1e-3
    # four days is 69,000 calls: a wider band than the benchmark's 30 days at ±0.5 point
    assert result.total.service_level_of_offered == pytest.approx(sl, abs=0.012)
    assert result.total.abandon_rate == pytest.approx(abandon, abs=0.006)
    assert result.overall_occupancy == pytest.approx(240 * rate * (1 - abandon) / 55, abs=0.02)


def test_without_patience_nobody_abandons_and_asa_matches_erlang_c():
    # near saturation (87% busy) waits swing from day to day: a month, on the fast path
    scenario = single_skill(360, 48 * 30, 55, Distribution(240.0), None, 1800.0, 15.0)
    result = simulate(scenario, seed=3)
    assert result.total.abandoned == 0
    assert result.total.answered == result.total.offered
    # Erlang C: ASA 8.18 s, SL(15 s) 84.59% for this case
    assert result.total.asa == pytest.approx(8.18, abs=0.8)
    assert result.total.service_level == pytest.approx(0.8459, abs=0.01)


def test_fast_path_and_event_loop_give_the_same_answers():
    scenario = textbook(days=1)
    assert fast_path_applies(scenario)
    fast = simulate(scenario, seed=5)
    general = simulate(scenario, seed=5, engine="general")
    assert (fast.engine, general.engine) == ("fast", "general")
    assert fast.total == general.total


def test_same_seed_same_figures_other_seed_other_figures():
    scenario = five_skill_center(days=0.25)
    first = simulate(scenario, seed=42).to_dict()
    again = simulate(scenario, seed=42).to_dict()
    other = simulate(scenario, seed=43).to_dict()
    for run in (first, again, other):
        run.pop("wall_seconds")
    assert first == again
    assert first["total"] != other["total"]


def test_policies_see_the_same_calls():
    fcfs = simulate(value_day(Policy.FCFS), seed=1)
    value = simulate(value_day(Policy.VALUE_SKILLS), seed=1)
    assert {t: f.offered for t, f in fcfs.by_tier.items()} == {
        t: f.offered for t, f in value.by_tier.items()
    }


def test_value_routing_pays_on_a_day():
    """The issue's claim: mvc ≥ 95% within 15 s, ≥ 10 points over FCFS, abandonment up ≤ 1."""
    fcfs = simulate(value_day(Policy.FCFS), seed=7)
    value = simulate(value_day(Policy.VALUE_SKILLS), seed=7)
    mvc_value = value.by_tier["mvc"].service_level
    mvc_fcfs = fcfs.by_tier["mvc"].service_level
    assert mvc_value >= 0.95
    assert mvc_value - mvc_fcfs >= 0.10
    assert value.total.abandon_rate - fcfs.total.abandon_rate <= 0.01
    # value reorders the line: regular callers pay for it, but not beyond their patience
    assert value.by_tier["regular"].service_level < fcfs.by_tier["regular"].service_level


def _queue(name: str, **kwargs: object) -> QueueSpec:
    return QueueSpec(name=name, skill=name, **kwargs)  # type: ignore[arg-type]


def _load(queue: QueueSpec, calls: float, intervals: int = 4, **kwargs: object) -> QueueLoad:
    return QueueLoad(
        queue=queue,
        arrivals=(calls,) * intervals,
        handle_time=kwargs.pop("handle_time", Distribution(200.0)),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def test_overflow_agents_answer_only_after_the_overflow_wait():
    lonely = _load(_queue("lonely", relax_after=None, overflow=((30.0, "busy"),)), 20)
    busy = _load(_queue("busy", relax_after=None), 1)
    group = AgentGroup("busy-team", {"busy": 5}, 10)
    result = simulate(Scenario((lonely, busy), (group,), policy=Policy.FCFS), seed=2)
    lonely_figures = result.by_queue["lonely"]
    assert lonely_figures.answered == lonely_figures.offered > 0
    assert lonely_figures.asa >= 30.0
    assert lonely_figures.answered_within == 0  # nobody within 15 s: they all waited 30


def test_relaxation_lets_a_less_proficient_agent_answer_after_waiting():
    queue = _queue("expert", min_proficiency=8, relax_after=60.0)
    group = AgentGroup("juniors", {"expert": 3}, 5)
    result = simulate(Scenario((_load(queue, 10),), (group,)), seed=4)
    figures = result.by_queue["expert"]
    assert figures.answered == figures.offered
    assert figures.wait_seconds >= 60.0 * figures.answered
    never = simulate(
        Scenario((_load(_queue("expert", min_proficiency=8, relax_after=None), 10),), (group,)),
        seed=4,
    )
    assert never.total.answered == 0 and never.total.waiting == never.total.offered


def test_staffing_per_interval_leaves_the_first_interval_waiting():
    load = _load(_queue("q"), 30, intervals=2)
    scenario = Scenario((load,), (AgentGroup("late", {"q": 5}, (0, 40)),))
    calls = draw_calls(scenario, np.random.default_rng(9))
    outcome = run_general(scenario, calls)
    early = calls.arrived < 900
    assert early.any()
    # nobody is answered before the agents log in at 900 s, and then everyone is
    assert (calls.arrived + outcome.wait)[early].min() >= 900
    assert (outcome.status == ANSWERED).all()
    assert simulate(scenario, seed=9).total.answered == len(calls)


def test_agents_leaving_finish_their_call_and_take_no_more():
    load = _load(_queue("q"), 60, intervals=3, patience=Distribution(120.0))
    scenario = Scenario((load,), (AgentGroup("shift", {"q": 5}, (20, 0, 0)),), drain=False)
    calls = draw_calls(scenario, np.random.default_rng(2))
    outcome = run_general(scenario, calls)
    start = calls.arrived + outcome.wait
    answered = outcome.status == ANSWERED
    assert answered[calls.arrived < 900].any()
    assert start[answered].max() < 900  # no call starts after the shift ends
    assert not answered[calls.arrived >= 900].any()


def test_figures_per_interval_add_up_and_show_the_late_shift():
    load = _load(_queue("q"), 30, intervals=3)
    result = simulate(Scenario((load,), (AgentGroup("late", {"q": 5}, (0, 40, 40)),)), seed=9)
    per_interval = result.by_queue_interval["q"]
    assert len(per_interval) == 3
    for name in ("offered", "answered", "abandoned", "waiting", "answered_within"):
        assert sum(getattr(f, name) for f in per_interval) == getattr(result.by_queue["q"], name)
    first, second = per_interval[0], per_interval[1]
    assert first.service_level < 0.1 < 0.9 < second.service_level


@st.composite
def single_skill_centers(draw: st.DrawFn) -> Scenario:
    load = QueueLoad(
        queue=_queue("q", min_proficiency=draw(st.integers(1, 5))),
        arrivals=tuple(draw(st.lists(st.integers(0, 60), min_size=1, max_size=4))),
        handle_time=Distribution(
            draw(st.floats(5, 900)), draw(st.sampled_from(["exponential", "lognormal", "constant"]))
        ),
        patience=draw(st.one_of(st.none(), st.floats(1, 600).map(Distribution))),
        tier_mix=draw(st.sampled_from([{"regular": 1.0}, {"mvc": 0.3, "regular": 0.7}])),
    )
    group = AgentGroup("g", {"q": 5}, draw(st.integers(1, 12)))
    return Scenario((load,), (group,), interval_seconds=600.0, policy=Policy.FCFS)


@settings(max_examples=60, deadline=None)
@given(scenario=single_skill_centers(), seed=st.integers(0, 2**32 - 1))
def test_fast_path_equals_the_event_loop_on_any_single_skill_center(scenario, seed):
    assert fast_path_applies(scenario)
    fast = simulate(scenario, seed=seed)
    general = simulate(scenario, seed=seed, engine="general")
    assert fast.engine == "fast"
    assert fast.by_queue_tier == general.by_queue_tier
    assert fast.total.wait_seconds == pytest.approx(general.total.wait_seconds)


def test_no_agents_finite_patience_all_abandon_infinite_all_wait():
    group = AgentGroup("other", {"other": 5}, 3)
    patient = _load(_queue("q"), 5, patience=None)
    gone = _load(_queue("q"), 5, patience=Distribution(60.0))
    waiting = simulate(Scenario((patient,), (group,)), seed=1).total
    abandoned = simulate(Scenario((gone,), (group,)), seed=1).total
    assert waiting.waiting == waiting.offered > 0 and waiting.answered == 0
    assert abandoned.abandoned == abandoned.offered > 0 and abandoned.waiting == 0


def test_short_abandons_leave_the_service_level_denominator():
    load = _load(_queue("q"), 40, patience=Distribution(3.0, "constant"))
    result = simulate(Scenario((load,), (AgentGroup("few", {"q": 5}, 1),)), seed=6)
    figures = result.total
    assert figures.short_abandoned == figures.abandoned > 0
    assert figures.service_level == figures.answered_within / (figures.offered - figures.abandoned)
    assert figures.service_level > figures.service_level_of_offered


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    names = ["a", "b", "c"][: draw(st.integers(1, 3))]
    loads = []
    for name in names:
        overflow = tuple(
            (float(draw(st.integers(0, 90))), other)
            for other in names
            if other != name and draw(st.booleans())
        )
        queue = QueueSpec(
            name=name,
            skill=name,
            min_proficiency=draw(st.integers(1, 9)),
            relax_after=draw(st.one_of(st.none(), st.floats(0, 120))),
            overflow=overflow,
        )
        patience = draw(st.one_of(st.none(), st.floats(1, 300).map(Distribution)))
        loads.append(
            QueueLoad(
                queue=queue,
                arrivals=tuple(draw(st.lists(st.integers(0, 40), min_size=1, max_size=4))),
                handle_time=Distribution(
                    draw(st.floats(10, 600)),
                    draw(st.sampled_from(["exponential", "lognormal", "constant"])),
                ),
                patience=patience,
                tier_mix={"mvc": 0.2, "regular": 0.8},
                replay=draw(st.booleans()),
            )
        )
    groups = tuple(
        AgentGroup(
            f"g{g}",
            {name: draw(st.integers(1, 10)) for name in names if draw(st.booleans())},
            draw(
                st.one_of(
                    st.integers(0, 6),
                    st.lists(st.integers(0, 6), min_size=1, max_size=5).map(tuple),
                )
            ),
        )
        for g in range(draw(st.integers(1, 3)))
    )
    return Scenario(
        tuple(loads),
        groups,
        interval_seconds=600.0,
        policy=draw(st.sampled_from(list(Policy))),
        drain=draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None)
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_every_call_is_answered_abandoned_or_still_waiting(scenario: Scenario, seed: int):
    result = simulate(scenario, seed=seed)
    slices = [result.total, *result.by_queue.values(), *result.by_queue_tier.values()]
    for figures in slices:
        assert figures.offered == figures.answered + figures.abandoned + figures.waiting
        assert figures.answered_within <= figures.answered
        assert figures.short_abandoned <= figures.abandoned
    assert sum(f.offered for f in result.by_queue.values()) == result.total.offered == result.calls
    if scenario.drain:
        # drained: only callers nobody may ever answer and who never hang up are left
        for load in scenario.queues:
            if load.patience is not None:
                assert result.by_queue[load.queue.name].waiting == 0


@settings(max_examples=40, deadline=None)
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_no_group_ever_has_more_calls_than_agents(scenario: Scenario, seed: int):
    calls = draw_calls(scenario, np.random.default_rng(seed))
    outcome = run_general(scenario, calls)
    answered = outcome.status == ANSWERED
    start = calls.arrived + outcome.wait
    for g, group in enumerate(scenario.groups):
        mine = answered & (outcome.group == g)
        # recomputed starts may be 1 ulp early: allow a microsecond of rounding
        ends = start[mine] + calls.handle[mine] - 1e-6
        times = np.concatenate([start[mine], ends])
        steps = np.concatenate([np.ones(mine.sum()), -np.ones(mine.sum())])
        order = np.lexsort((steps, times))  # an agent's end before the next start
        assert np.cumsum(steps[order]).max(initial=0) <= group.most
        # nobody is answered by a group that is not staffed at the moment
        if isinstance(group.agents, tuple) and group.most == 0:
            assert not mine.any()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Distribution(0.0), "mean"),
        (lambda: Distribution(10.0, "gamma"), "kind"),
        (lambda: Distribution(10.0, "lognormal", -1.0), "cv"),
        (lambda: _load(_queue("q"), -1), "arrivals[0]"),
        (lambda: _load(_queue("q"), 1, intervals=0), "arrivals: give"),
        (lambda: QueueLoad(_queue("q"), (1.5,), Distribution(9.0), replay=True), "arrivals[0]"),
        (lambda: QueueLoad(_queue("q"), (1,), Distribution(9.0), tier_mix={}), "tier_mix"),
        (
            lambda: QueueLoad(_queue("q"), (1,), Distribution(9.0), tier_mix={"mvc": -1}),
            "tier_mix['mvc']",
        ),
        (lambda: AgentGroup("g", {"q": 11}, 1), "skills['q']"),
        (lambda: AgentGroup("g", {"q": 1}, (1, -2)), "agents[1]"),
        (lambda: AgentGroup("", {"q": 1}, 1), "name"),
        (lambda: Scenario((), ()), "queues"),
        (lambda: Scenario((_load(_queue("q"), 1),), (), interval_seconds=0), "interval_seconds"),
        (lambda: Scenario((_load(_queue("q"), 1), _load(_queue("q"), 1)), ()), "appears twice"),
        (
            lambda: Scenario((_load(_queue("q", overflow=((5.0, "nowhere"),)), 1),), ()),
            "'nowhere'",
        ),
        (lambda: simulate(textbook(1), engine="turbo"), "engine"),  # type: ignore[arg-type]
        (lambda: simulate(five_skill_center(0.1), engine="fast"), "engine"),
    ],
)
def test_bad_input_names_the_field(build, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        build()


def test_progress_reaches_the_end():
    seen: list[float] = []
    simulate(five_skill_center(days=1.0), seed=0, on_progress=seen.append)
    assert seen[-1] == 1.0
    assert seen == sorted(seen) and len(seen) > 2
