"""Agents per interval: smallest staffing meeting the target, shrinkage, pooled queues."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.contact_engine.staffing import erlang
from lealtad.contact_engine.staffing.errors import StaffingError
from lealtad.contact_engine.staffing.plan import (
    QueueForecast,
    Shrinkage,
    Target,
    staff,
    staff_pool,
    staff_pools,
)


def test_textbook_interval_needs_55_agents_for_80_percent_in_15_seconds():
    plan = staff([360], 240, Target(service_level=0.8, within=15), interval_seconds=1800)
    assert plan.agents.tolist() == [55]
    assert round(float(plan.service_level[0]), 4) == 0.8459
    assert round(float(plan.asa[0]), 2) == 8.18
    assert plan.model == "erlang_c"


def test_erlang_a_target_reaches_the_issue_figures_at_55_agents():
    target = Target(service_level=0.94, within=20, patience=180)
    plan = staff([360], 240, target, interval_seconds=1800)
    assert plan.agents.tolist() == [55]
    assert abs(float(plan.p_abandon[0]) - 0.0143) < 1e-4
    assert plan.model == "erlang_a"
    by_abandon = staff([360], 240, Target(None, max_abandon=0.015, patience=180), 1800)
    assert by_abandon.agents.tolist() == [55]  # 54 agents lose 1.83%


@settings(max_examples=60, deadline=None)
@given(
    calls=st.lists(st.one_of(st.just(0.0), st.floats(0.001, 2000)), min_size=1, max_size=40),
    aht=st.floats(20, 900),
    sl=st.floats(0.5, 0.99),
    within=st.sampled_from([0.0, 10.0, 20.0, 60.0]),
    patience=st.one_of(st.none(), st.floats(20, 1200)),
)
def test_each_interval_gets_the_fewest_agents_meeting_the_target(calls, aht, sl, within, patience):
    target = Target(service_level=sl, within=within, patience=patience)
    plan = staff(calls, aht, target, interval_seconds=900)
    for i, c in enumerate(calls):
        n = int(plan.agents[i])
        if c == 0:
            assert n == 0
            continue

        def level(k, c=c):
            if patience is None:
                return erlang.erlang_c_service_level(k, c / 900 * aht, aht, within)
            return erlang.erlang_a_service_level(k, c / 900, aht, patience, within)

        assert level(n) >= sl - 1e-9
        assert n == 1 or level(n - 1) < sl


def test_asa_and_occupancy_bounds_hold_together():
    target = Target(service_level=None, max_asa=5.0, max_occupancy=0.85)
    plan = staff([360, 90, 0], 240, target, interval_seconds=1800)
    assert plan.agents[2] == 0
    for i in range(2):
        n, load = int(plan.agents[i]), float(plan.load[i])
        ok = erlang.erlang_c_asa(n, load, 240) <= 5.0 and load / n <= 0.85
        before = erlang.erlang_c_asa(n - 1, load, 240) <= 5.0 and load / (n - 1) <= 0.85
        assert ok and not before
    assert float(plan.occupancy[0]) <= 0.85


def test_shrinkage_turns_agents_on_the_phones_into_scheduled_heads():
    shrink = Shrinkage({"breaks": 0.10, "training": 0.05, "admin": 0.05})
    plan = staff([360, 0], 240, Target(0.8, within=15), 1800, shrinkage=shrink)
    assert shrink.total == pytest.approx(0.20)
    assert plan.agents.tolist() == [55, 0]
    assert plan.scheduled.tolist() == [69, 0]  # 55 / 0.8 = 68.75
    exact = Shrinkage({"breaks": 0.2}).scheduled(np.array([4, 8]))
    assert exact.tolist() == [5, 10]  # no spurious extra head from float error


def test_pooling_beats_rounding_each_queue_and_says_by_how_much():
    queues = {
        "billing": QueueForecast([120, 60, 0, 30], 300),
        "fraud": QueueForecast([20, 10, 5, 0], 420),
        "premier": QueueForecast([15, 15, 2, 1], 360),
    }
    pool = staff_pool(queues, Target(0.8, within=20), interval_seconds=900)
    separate = pool.separate_agents
    assert separate.tolist() == [
        sum(int(p.agents[i]) for p in pool.separate.values()) for i in range(4)
    ]
    assert np.all(pool.saving >= 0) and pool.saving.sum() > 0
    # the pooled row is staffed on the summed calls with the call-weighted handle time
    load0 = (120 * 300 + 20 * 420 + 15 * 360) / 900
    assert float(pool.pooled.load[0]) == pytest.approx(load0)
    assert pool.pooled.service_level[0] >= 0.8


@settings(max_examples=40, deadline=None)
@given(
    a=st.lists(st.integers(0, 500), min_size=3, max_size=3),
    b=st.lists(st.integers(0, 500), min_size=3, max_size=3),
    aht=st.floats(60, 600),
)
def test_pooled_staffing_never_needs_more_than_the_queues_apart(a, b, aht):
    queues = {"a": QueueForecast(a, aht), "b": QueueForecast(b, aht)}
    pool = staff_pool(queues, Target(0.8, within=20))
    assert np.all(pool.pooled.agents <= pool.separate_agents)


def test_pools_split_queues_that_share_agents():
    queues = {
        "sales": QueueForecast([100, 50], 200),
        "upsell": QueueForecast([40, 40], 200),
        "fraud": QueueForecast([10, 5], 500),
    }
    pools = staff_pools(queues, {"front": ["sales", "upsell"], "back": ["fraud"]}, Target(0.8))
    assert set(pools) == {"front", "back"}
    assert pools["back"].saving.tolist() == [0, 0]
    assert pools["front"].pooled.calls.tolist() == [140, 90]


@pytest.mark.parametrize(
    ("pools", "message"),
    [
        ({"x": ["a", "nope"]}, r"pools\.x: unknown queue 'nope'"),
        ({"x": ["a"], "y": ["a", "b"]}, r"pools\.y: queue 'a' is already in pool 'x'"),
        ({"x": ["a"]}, r"pools: queues in no pool: b"),
    ],
)
def test_bad_pools_are_refused_by_name(pools, message):
    queues = {"a": QueueForecast([1], 200), "b": QueueForecast([1], 200)}
    with pytest.raises(StaffingError, match=message):
        staff_pools(queues, pools, Target(0.8))


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: staff([10, 20, -1], 200, Target(0.8)), "calls[2]"),
        (lambda: staff([10, float("nan")], 200, Target(0.8)), "calls[1]"),
        (lambda: staff([10, 20], [200, 0], Target(0.8)), "aht[1]"),
        (lambda: staff([10], 200, Target(0.8), interval_seconds=0), "interval_seconds"),
        (lambda: Target(service_level=1.5), "service_level"),
        (lambda: Target(service_level=1.0), "service_level"),  # Erlang never reaches 100 %
        (lambda: staff([100], 200, Target(None, max_occupancy=1e-12)), "target"),
        (lambda: Target(service_level=0.8, within=-2), "within"),
        (lambda: Target(service_level=None, max_abandon=0.05), "max_abandon"),
        (lambda: Target(service_level=None), "target"),
        (lambda: Shrinkage({"breaks": 0.6, "training": 0.5}), "shrinkage"),
        (lambda: Shrinkage({"breaks": -0.1}), "shrinkage.breaks"),
        (
            lambda: staff_pool(
                {"a": QueueForecast([1, 2], 200), "b": QueueForecast([1], 200)}, Target(0.8)
            ),
            "queues",
        ),
        (
            lambda: staff_pool({"a": QueueForecast([1, -2], 200)}, Target(0.8)),
            "queues.a.calls[1]",
        ),
    ],
)
def test_bad_input_names_the_field_or_row(call, field):
    with pytest.raises(StaffingError) as info:
        call()
    assert info.value.field == field


def test_a_week_of_quarter_hours_is_staffed_in_one_pass():
    rng = np.random.default_rng(13)
    calls = rng.poisson(150, 672).astype(float)
    plan = staff(calls, 240, Target(0.8, within=20), shrinkage=Shrinkage({"breaks": 0.15}))
    assert plan.agents.shape == (672,)
    assert np.all(plan.service_level >= 0.8)
    assert plan.scheduled_intervals >= plan.agent_intervals > 0
