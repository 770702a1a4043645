"""Lifecycle stages: by hand, against a one-customer-at-a-time reading, and by property."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.customer_value.lifecycle import (
    ALLOWED,
    STAGES,
    LifecycleRules,
    lifecycle,
)


def _stages(result):
    return [STAGES[s] for s in result.stage]


def test_a_loyal_customer_lapses_and_is_won_back():
    rules = LifecycleRules(loyal_purchases=3, loyal_window_days=30)
    days = [0, 10, 20, 30, 40, 400]
    result = lifecycle([0] * len(days), days, as_of=420, rules=rules)
    assert result.transitions.listed() == [
        (0, "first_purchase", 0),
        (0, "repeat", 10),
        (0, "loyal", 20),  # three purchase days within 30 days
        (0, "lapsing", 71),  # usual gap 10: 2 x 10 = 20, but at least 30 days -> day 40+31
        (0, "lapsed", 101),  # 4 x 10 = 40, but at least 60 days
        (0, "won_back", 400),
    ]
    assert _stages(result) == ["won_back"] and result.since.tolist() == [400]
    assert result.purchase_days.tolist() == [6]
    assert result.last_purchase_day.tolist() == [400]
    assert result.usual_gap_days.tolist() == [80.0]


def test_loyalty_is_kept_until_lapsing_and_earned_again_after():
    rules = LifecycleRules(loyal_purchases=3, loyal_window_days=20, min_lapsing_days=5)
    # loyal on day 20; day 39 keeps loyalty although 3 purchases in 20 days no longer hold;
    # the gap 39 -> 79 is lapsing (usual gap 13: after 26 days) but not lapsed (60)
    days = [0, 10, 20, 39, 79, 85]
    result = lifecycle([0] * len(days), days, as_of=86, rules=rules)
    assert [t[1:] for t in result.transitions.listed()] == [
        ("first_purchase", 0),
        ("repeat", 10),
        ("loyal", 20),
        ("lapsing", 66),
        ("repeat", 79),  # back, but loyalty has to be earned again
    ]


def test_prospects_returns_future_rows_and_joining_days():
    result = lifecycle(
        [0, 1, 1, 2],
        [5, 7, 30, 8],
        as_of=20,
        customers=4,
        amount=[-10.0, 15.0, 20.0, float("nan")],
        joined_day=[1, 2, 3, 4],
    )
    assert _stages(result) == ["prospect", "first_purchase", "prospect", "prospect"]
    assert result.since.tolist() == [1, 7, 3, 4]
    assert result.warnings == [
        "1 transaction(s) dated after day 20 dropped",
        "1 transaction(s) with an amount that is not a number dropped",
    ]
    assert result.last_purchase_day.tolist() == [-1, 7, -1, -1]


def test_a_day_is_netted_like_lifetime_value_does():
    result = lifecycle(
        [0, 0, 1, 1, 2, 3, 3],
        [5, 5, 6, 6, 7, 8, 9],
        as_of=20,
        customers=4,
        amount=[100.0, -150.0, 30.0, -30.0, 0.0, 40.0, -10.0],
    )
    # 0 returned more than they bought that day; 1 voided the sale; 2 got a free item;
    # 3 bought on day 8 and returned part of it the next day (a return alone is no purchase)
    assert _stages(result) == ["prospect", "prospect", "first_purchase", "first_purchase"]
    assert result.last_purchase_day.tolist() == [-1, -1, 7, 8]
    assert result.warnings == []


def test_empty_log_and_bad_input():
    result = lifecycle([], [], as_of=10, customers=2)
    assert _stages(result) == ["prospect", "prospect"]
    assert result.transitions.customer.size == 0
    assert lifecycle([], [], as_of=10).stage.size == 0
    with pytest.raises(ValueError, match=r"customer_index: row 1 is 9, outside 0\.\.1"):
        lifecycle([0, 9], [1, 2], as_of=10, customers=2)
    with pytest.raises(ValueError, match="joined_day: expected 2 values, got 1"):
        lifecycle([0], [1], as_of=10, customers=2, joined_day=[1])
    with pytest.raises(ValueError, match="loyal_purchases: must be at least 2"):
        LifecycleRules(loyal_purchases=1)
    with pytest.raises(ValueError, match="lapsed_days: must be more than lapsing_days"):
        LifecycleRules(lapsing_days=200, lapsed_days=100)


def _reference(days: list[int], as_of: int, rules: LifecycleRules) -> list[tuple[str, int]]:
    """One customer, one purchase day at a time, as the module's docstring says."""
    days = sorted(set(d for d in days if d <= as_of))
    events: list[tuple[str, int]] = []

    def emit(stage: str, day: int) -> None:
        if not events or events[-1][0] != stage:
            events.append((stage, day))

    def thresholds(k: int) -> tuple[int, int]:
        if k == 0:
            return rules.lapsing_days, rules.lapsed_days
        usual = (days[k] - days[0]) / k
        lapsing = max(rules.min_lapsing_days, math.ceil(rules.lapsing_gaps * usual))
        lapsed = max(rules.min_lapsed_days, math.ceil(rules.lapsed_gaps * usual))
        return lapsing, max(lapsed, lapsing + 1)

    def gap_events(k: int, until: int) -> str:
        lapsing, lapsed = thresholds(k)
        gap = until - days[k]
        if gap > lapsing:
            emit("lapsing", days[k] + lapsing + 1)
        if gap > lapsed:
            emit("lapsed", days[k] + lapsed + 1)
            return "lapsed"
        return "lapsing" if gap > lapsing else "active"

    loyal = False
    for k, day in enumerate(days):
        after = "active" if k == 0 else gap_events(k - 1, day)
        if after != "active":
            loyal = False
        n = rules.loyal_purchases
        loyal |= k >= n - 1 and day - days[k - n + 1] <= rules.loyal_window_days
        if k == 0:
            emit("first_purchase", day)
        elif after == "lapsed":
            emit("won_back", day)
        else:
            emit("loyal" if loyal else "repeat", day)
    if days:
        gap_events(len(days) - 1, as_of)
    return events


rules_strategy = st.builds(
    LifecycleRules,
    loyal_purchases=st.integers(2, 5),
    loyal_window_days=st.integers(5, 120),
    lapsing_gaps=st.sampled_from([1.5, 2.0, 3.0]),
    lapsed_gaps=st.sampled_from([3.5, 4.0, 6.0]),
    min_lapsing_days=st.integers(1, 40),
    min_lapsed_days=st.integers(1, 80),
    lapsing_days=st.integers(10, 90),
    lapsed_days=st.integers(91, 200),
)

logs = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 600)), max_size=60)


def _purchase_days_of(rows: list[tuple[int, float]]) -> list[int]:
    """Days whose amounts net above zero, or to zero without a return."""
    by_day: dict[int, list[float]] = {}
    for day, amount in rows:
        by_day.setdefault(day, []).append(amount)
    return [
        day
        for day, amounts in by_day.items()
        if sum(amounts) > 0 or (sum(amounts) == 0 and min(amounts) >= 0)
    ]


@settings(max_examples=200, deadline=None)
@given(
    logs,
    rules_strategy,
    st.integers(300, 700),
    st.randoms(),
    st.lists(st.sampled_from([-20.0, -5.0, 0.0, 5.0, 20.0]), min_size=60, max_size=60),
)
def test_agrees_with_the_one_customer_reading_in_any_row_order(rows, rules, as_of, random, amounts):
    random.shuffle(rows)
    customers = [c for c, _ in rows]
    days = [d for _, d in rows]
    for money in (None, amounts[: len(rows)]):
        result = lifecycle(customers, days, as_of=as_of, customers=5, rules=rules, amount=money)
        listed = result.transitions.listed()
        for customer in range(5):
            mine = [(d, 1.0 if money is None else money[i]) for i, (c, d) in enumerate(rows)]
            mine = [row for row, (c, _) in zip(mine, rows, strict=True) if c == customer]
            expected = _reference(_purchase_days_of(mine), as_of, rules)
            got = [(stage, day) for c, stage, day in listed if c == customer]
            assert got == expected
            current = STAGES[result.stage[customer]]
            assert current == (expected[-1][0] if expected else "prospect")
            assert result.since[customer] == (expected[-1][1] if expected else -1)


@settings(max_examples=200, deadline=None)
@given(logs, rules_strategy, st.integers(0, 700))
def test_stages_move_only_along_allowed_transitions_in_time(rows, rules, as_of):
    result = lifecycle(
        [c for c, _ in rows], [d for _, d in rows], as_of=as_of, customers=5, rules=rules
    )
    by_customer: dict[int, list[tuple[str, int]]] = {}
    for customer, stage, day in result.transitions.listed():
        by_customer.setdefault(customer, []).append((stage, day))
    for events in by_customer.values():
        path = [("prospect", -1), *events]
        for (before, day_before), (after, day_after) in itertools.pairwise(path):
            assert after in ALLOWED[before], f"{before} -> {after}"
            assert day_before <= day_after <= as_of
    assert (result.usual_gap_days >= 0).all() and np.isfinite(result.usual_gap_days).all()
    assert (result.purchase_days >= 0).all()


def test_a_million_customers_in_seconds():
    rng = np.random.default_rng(12)
    size, rows = 100_000, 1_000_000  # a tenth of the benchmark's, to keep the suite quick
    customer = np.sort(rng.integers(0, size, rows))
    day = rng.integers(0, 1000, rows)
    order = np.lexsort((day, customer))
    result = lifecycle(customer[order], day[order], as_of=999, customers=size)
    shuffled = rng.permutation(rows)
    again = lifecycle(customer[shuffled], day[shuffled], as_of=999, customers=size)
    assert (result.stage == again.stage).all() and (result.since == again.since).all()
    assert (result.stage != STAGES.index("prospect")).sum() == np.unique(customer).size
