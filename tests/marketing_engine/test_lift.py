"""Lift of treated over control: rates with Newcombe's interval, values with Welch's."""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lealtad.marketing_engine.lift import (
    NO_CONTROL,
    NO_TREATED,
    TOO_SMALL,
    Moments,
    mean_lift,
    moments_lift,
    newcombe,
    rate_lift,
    welch,
    wilson,
)


def test_newcombe_matches_the_published_worked_examples():
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10.
    assert newcombe(56, 70, 48, 80) == pytest.approx((0.0524, 0.3339), abs=5e-5)
    assert newcombe(9, 10, 3, 10) == pytest.approx((0.1705, 0.8090), abs=5e-5)
    assert newcombe(6, 7, 2, 7) == pytest.approx((0.0582, 0.8062), abs=5e-5)
    assert newcombe(5, 56, 0, 29) == pytest.approx((-0.0381, 0.1926), abs=5e-5)
    assert newcombe(0, 10, 0, 20) == pytest.approx((-0.1611, 0.2775), abs=5e-5)


@given(n=st.integers(1, 5000), data=st.data())
@settings(max_examples=200, deadline=None)
def test_wilson_agrees_with_scipy(n, data):
    x = data.draw(st.integers(0, n))
    expected = stats.binomtest(x, n).proportion_ci(0.95, method="wilson")
    low, high = wilson(x, n)
    assert low == pytest.approx(expected.low, abs=1e-9)
    assert high == pytest.approx(expected.high, abs=1e-9)


counts = st.integers(1, 100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@given(treated=counts, control=counts)
@settings(max_examples=300, deadline=None)
def test_rate_interval_holds_the_difference_and_stays_in_bounds(treated, control):
    r = rate_lift(treated[0], treated[1], control[0], control[1])
    assert r.absolute is not None and r.ci_low is not None and r.ci_high is not None
    assert -1.0 <= r.ci_low <= r.absolute <= r.ci_high <= 1.0
    assert r.significant == (r.ci_low > 0 or r.ci_high < 0)


def test_rate_lift_reports_relative_lift_and_significance():
    r = rate_lift(300, 10_000, 100, 5_000)  # 3 % vs 2 %
    assert r.treated_rate == pytest.approx(0.03)
    assert r.control_rate == pytest.approx(0.02)
    assert r.absolute == pytest.approx(0.01)
    assert r.relative == pytest.approx(0.5)
    assert r.significant

    same = rate_lift(30, 1000, 15, 500)
    assert same.absolute == pytest.approx(0.0)
    assert not same.significant


def test_empty_groups_give_no_interval_and_say_why():
    no_control = rate_lift(10, 100, 0, 0)
    assert no_control.treated_rate == pytest.approx(0.1)
    assert no_control.control_rate is None
    assert no_control.ci_low is None and no_control.absolute is None
    assert no_control.note == NO_CONTROL
    assert not no_control.significant
    assert rate_lift(0, 0, 3, 10).note == NO_TREATED


def test_relative_lift_is_none_when_control_converted_nobody():
    r = rate_lift(5, 100, 0, 100)
    assert r.relative is None
    assert r.absolute == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("x", "n", "field"),
    [(-1, 10, "treated_x"), (11, 10, "treated_x"), (0, -1, "treated_n")],
)
def test_impossible_counts_are_refused_naming_the_field(x, n, field):
    with pytest.raises(ValueError, match=field):
        rate_lift(x, n, 1, 10)


def _scipy_welch(a, b):
    with warnings.catch_warnings():  # scipy warns when one group has no spread; we compare anyway
        warnings.simplefilter("ignore", RuntimeWarning)
        return stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)


def test_welch_matches_scipy_on_revenue_like_data():
    treated = [0.0] * 80 + [25.0, 40.0, 10.5, 99.9, 12.0] * 4
    control = [0.0] * 45 + [20.0, 35.0, 5.0, 60.0, 11.0]
    expected = _scipy_welch(treated, control)
    low, high = welch(treated, control)
    assert low == pytest.approx(expected.low, rel=1e-9)
    assert high == pytest.approx(expected.high, rel=1e-9)


cents = st.integers(0, 100_000_000).map(lambda c: c / 100)  # revenue to the cent


@given(
    treated=st.lists(cents, min_size=2, max_size=60),
    control=st.lists(cents, min_size=2, max_size=60),
)
@settings(max_examples=200, deadline=None)
def test_welch_agrees_with_scipy(treated, control):
    result = welch(treated, control)
    assert result is not None
    low, high = result
    if len(set(treated)) == 1 and len(set(control)) == 1:
        assert low == pytest.approx(high)
        return
    expected = _scipy_welch(treated, control)
    if not math.isfinite(expected.low):
        return
    scale = max(1.0, abs(expected.low), abs(expected.high))
    assert low == pytest.approx(expected.low, abs=1e-6 * scale)
    assert high == pytest.approx(expected.high, abs=1e-6 * scale)


def test_mean_lift_guards_small_and_empty_groups():
    assert mean_lift([1.0, 2.0], []).note == NO_CONTROL
    assert mean_lift([], [1.0]).note == NO_TREATED
    one = mean_lift([10.0, 0.0, 5.0], [4.0])
    assert one.absolute == pytest.approx(1.0)
    assert one.ci_low is None and one.note == TOO_SMALL
    full = mean_lift([10.0, 0.0, 5.0, 9.0], [4.0, 0.0, 2.0])
    assert full.ci_low is not None and full.ci_low < full.absolute < full.ci_high
    assert full.relative == pytest.approx(full.absolute / 2.0)


@given(
    bought=st.lists(cents.filter(lambda v: v > 0), max_size=30),
    zeros=st.integers(0, 200),
)
@settings(max_examples=200, deadline=None)
def test_moments_with_zeros_left_out_equal_the_full_list(bought, zeros):
    size = len(bought) + zeros
    padded = Moments.of(bought, size)
    full = Moments.of([*bought, *([0.0] * zeros)])
    assert padded.n == full.n == size
    assert padded.mean == pytest.approx(full.mean, rel=1e-9, abs=1e-9)
    assert padded.variance == pytest.approx(full.variance, rel=1e-9, abs=1e-6)
    if size >= 2:
        a = moments_lift(padded, Moments.of([1.0, 2.0]))
        b = mean_lift([*bought, *([0.0] * zeros)], [1.0, 2.0])
        assert a.absolute == pytest.approx(b.absolute, abs=1e-9)
        if b.ci_low is not None:
            assert a.ci_low == pytest.approx(b.ci_low, rel=1e-6, abs=1e-6)


def test_moments_refuse_fewer_customers_than_values():
    with pytest.raises(ValueError, match="n must"):
        Moments.of([1.0, 2.0], 1)
