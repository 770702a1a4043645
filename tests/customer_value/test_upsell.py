"""Up-sell signals from usage against the plan, and cross-sell offers from basket rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.customer_value import basket, upsell
from lealtad.customer_value.upsell import Plan

LADDER = [Plan("160h", 160), Plan("40h", 40), Plan("100h", 100)]  # order given does not matter


def test_the_seeds_customer_on_40_hours_using_90_is_offered_100():
    [signal] = upsell.usage_signals(["ana", "bea"], [40, 40], [[88, 90, 91], [41, 39, 42]], LADDER)
    assert signal == upsell.UsageSignal("ana", 40.0, 3, 91.0, "100h")


def test_only_a_run_reaching_the_latest_period_counts():
    usage = [
        [90, 90, 90, 30],  # was over, came back under: no offer
        [30, 90, 90, 90],  # three periods over, ending now
        [90, np.nan, 90, 90],  # a missing reading breaks the run: two periods only
        [90, 90, 90, 90],  # over in every period
    ]
    signals = upsell.usage_signals(["a", "b", "c", "d"], [40] * 4, usage, LADDER, periods=3)
    assert [(s.customer, s.periods_over) for s in signals] == [("b", 3), ("d", 4)]


def test_ratio_and_periods_are_configurable_and_exact_at_the_threshold():
    usage = [[48, 48], [48.1, 48.1]]
    signals = upsell.usage_signals([1, 2], [40, 40], usage, LADDER, ratio=1.2, periods=2)
    assert [s.customer for s in signals] == [2]  # 48 is not over 1.2 x 40
    assert upsell.usage_signals([1], [40], [[60]], LADDER, ratio=1.5, periods=1) == []
    assert (
        upsell.usage_signals([1], [40], [[61]], LADDER, ratio=1.5, periods=1)[0].suggested == "100h"
    )


def test_the_smallest_fitting_plan_or_none_above_the_ladder():
    usage = [[100, 100], [101, 150], [170, 200]]
    signals = upsell.usage_signals(["x", "y", "z"], [40, 40, 100], usage, LADDER, periods=2)
    assert [(s.customer, s.suggested, s.peak_usage) for s in signals] == [
        ("x", "100h", 100.0),  # exactly the allowance fits
        ("y", "160h", 150.0),
        ("z", None, 200.0),  # beyond the top plan: a custom offer
    ]


def test_fewer_periods_than_asked_flags_nobody():
    assert upsell.usage_signals(["a"], [40], [[90, 90]], LADDER, periods=3) == []
    assert upsell.usage_signals([], [], np.zeros((0, 3)), LADDER) == []


@pytest.mark.parametrize(
    ("allowance", "usage", "ladder", "kwargs", "message"),
    [
        ([40], [[90]], [], {}, "ladder: no plans"),
        ([40], [[90]], [Plan("free", 0)], {}, "ladder: plan 'free' needs an allowance > 0"),
        ([40, 40], [[90]], LADDER, {}, "usage: one allowance and one row of periods"),
        ([0], [[90]], LADDER, {}, "allowance: row 0 must be a number > 0"),
        ([40], [[90, -1]], LADDER, {}, "usage: row 0, period 1 is negative"),
        ([40], [[90]], LADDER, {"ratio": 0}, "ratio: must be > 0"),
        ([40], [[90]], LADDER, {"periods": 0}, "periods: must be ≥ 1"),
    ],
)
def test_bad_input_is_named(allowance, usage, ladder, kwargs, message):
    with pytest.raises(ValueError, match=message):
        upsell.usage_signals(["a"], allowance, usage, ladder, **kwargs)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([40.0, 100.0, 160.0]),
            st.lists(st.floats(0, 400, allow_nan=False), min_size=4, max_size=4),
        ),
        min_size=1,
        max_size=20,
    ),
    st.integers(1, 4),
    st.floats(0.5, 3),
)
def test_signals_agree_with_a_plain_loop(rows, periods, ratio):
    names = list(range(len(rows)))
    signals = upsell.usage_signals(
        names, [r[0] for r in rows], [r[1] for r in rows], LADDER, ratio=ratio, periods=periods
    )
    expected = []
    for name, (plan, used) in zip(names, rows, strict=True):
        run = 0
        for value in reversed(used):
            if value > plan * ratio:
                run += 1
            else:
                break
        if run >= periods:
            peak = max(used[len(used) - run :])
            fits = [
                p.code for p in sorted(LADDER, key=lambda p: p.allowance) if p.allowance >= peak
            ]
            expected.append((name, run, peak, fits[0] if fits else None))
    assert [(s.customer, s.periods_over, s.peak_usage, s.suggested) for s in signals] == expected


def rule(antecedent, consequent, confidence, lift):
    return basket.Rule(tuple(antecedent), tuple(consequent), 10, 0.1, confidence, lift)


def test_cross_sell_offers_what_goes_with_what_was_bought():
    rules = [
        rule(["tent"], ["stove"], 0.6, 3.0),  # 1.8
        rule(["tent", "stove"], ["lamp"], 0.5, 5.0),  # 2.5, needs both
        rule(["tent"], ["lamp"], 0.4, 2.0),  # 0.8: lamp's weaker rule
        rule(["boots"], ["socks"], 0.9, 4.0),  # not bought boots
        rule(["tent"], ["mat"], 0.5, 2.0),  # 1.0 but the mat is already bought
    ]
    offers = upsell.cross_sell(["tent", "stove", "mat"], rules)
    assert [(o.items, o.because, o.score) for o in offers] == [(("lamp",), ("tent", "stove"), 2.5)]
    offers = upsell.cross_sell(["tent"], rules)
    assert [(o.items, o.because) for o in offers] == [
        (("stove",), ("tent",)),
        (("mat",), ("tent",)),
        (("lamp",), ("tent",)),
    ]
    assert math.isclose(offers[0].score, 1.8)
    assert upsell.cross_sell(["tent"], rules, limit=1)[0].items == ("stove",)
    assert upsell.cross_sell([], rules) == []


def test_cross_sell_from_mined_rules():
    baskets = basket.draw_baskets(3000, items=60, bundles=6, seed=3)
    mined = basket.mine(baskets, basket.Settings(min_support=0.01, min_confidence=0.3))
    bought = set(baskets[0])
    offers = upsell.cross_sell(bought, mined.rules, limit=5)
    assert len(offers) <= 5
    for offer in offers:
        assert not bought.intersection(offer.items) and bought.issuperset(offer.because)
    assert [o.score for o in offers] == sorted((o.score for o in offers), reverse=True)
