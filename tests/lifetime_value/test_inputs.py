"""Bad and edge input: the summary drops and reports, the models refuse with the row named,
and nothing comes out NaN."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.lifetime_value import bgnbd, gamma_gamma, inputs, pareto_nbd, score, summarize
from lealtad.lifetime_value.inputs import Collapsed
from lealtad.lifetime_value.summary import split

END = np.datetime64("2024-12-31")


def test_no_transactions_gives_an_empty_summary():
    result = summarize([], np.array([], dtype="datetime64[D]"), [], observation_end=END)
    assert len(result) == 0 and result.warnings == []


def test_one_customer_one_purchase():
    result = summarize([42], ["2024-12-01"], [10.0], observation_end=END, unit_days=1)
    assert result.customers.tolist() == [42]
    assert (result.frequency[0], result.recency[0], result.age[0]) == (0.0, 0.0, 30.0)
    assert result.monetary[0] == 0.0


def test_future_dates_are_dropped_with_a_warning():
    result = summarize(
        [1, 1, 2], ["2024-06-01", "2025-02-01", "2025-03-01"], [5.0, 7.0, 9.0], observation_end=END
    )
    assert result.customers.tolist() == [1]  # customer 2 bought only in the future
    assert result.frequency.tolist() == [0.0]
    assert result.warnings == [
        "2 transaction(s) dated after the end of the observation were dropped"
    ]


def test_returns_cancel_a_day_and_zero_days_stay_purchases():
    result = summarize(
        [1, 1, 1, 1, 1],
        ["2024-01-01", "2024-02-01", "2024-02-01", "2024-03-01", "2024-04-01"],
        [30.0, 20.0, -20.0, 0.0, -5.0],
        observation_end=END,
    )
    # 1 Feb nets to zero through a return (a voided sale); 1 Apr is a return alone;
    # 1 Mar is a free item: a purchase with no spend.
    assert result.frequency.tolist() == [1.0]
    assert result.monetary.tolist() == [0.0]
    assert result.warnings == [
        "2 customer-day(s) cancelled by returns were dropped",
        "1 purchase day(s) worth zero were kept (no spend)",
    ]


def test_missing_values_are_dropped_with_a_warning():
    dates = np.array(["2024-01-01", "NaT", "2024-01-05", "2024-01-09"], dtype="datetime64[D]")
    result = summarize(
        [1.0, 1.0, np.nan, 1.0], dates, [10.0, 10.0, 10.0, np.nan], observation_end=END
    )
    assert result.frequency.tolist() == [0.0]
    assert result.warnings == ["3 transaction(s) with no customer, date or amount were dropped"]


def test_dates_of_any_kind():
    days = summarize(
        ["a", "a"],
        [dt.datetime(2024, 1, 1, 23, 59), dt.date(2024, 1, 8)],
        [1.0, 2.0],
        observation_end="2024-01-15",
    )
    assert days.recency.tolist() == [1.0] and days.age.tolist() == [2.0]
    stamps = np.array(["2024-01-01T10:00", "2024-01-08T09:00"], dtype="datetime64[m]")
    assert summarize(["a", "a"], stamps, observation_end="2024-01-15").frequency.tolist() == [1.0]


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="one value per transaction"):
        summarize([1, 2], ["2024-01-01"], [1.0, 2.0], observation_end=END)
    with pytest.raises(ValueError, match="unit_days"):
        summarize([1], ["2024-01-01"], observation_end=END, unit_days=0)


def test_split_counts_holdout_purchases_of_calibration_customers_only():
    result = split(
        [1, 1, 1, 2, 3],
        ["2024-01-01", "2024-03-01", "2024-03-02", "2024-01-15", "2024-03-05"],
        calibration_end="2024-02-01",
        observation_end="2024-04-01",
    )
    assert result.calibration.customers.tolist() == [1, 2]
    assert result.holdout_purchases.tolist() == [2.0, 0.0]  # customer 3 is new in the holdout
    with pytest.raises(ValueError, match="observation_end"):
        split([1], ["2024-01-01"], calibration_end="2024-02-01", observation_end="2024-01-01")


@pytest.mark.parametrize(
    ("frequency", "recency", "age", "message"),
    [
        ([1, -1], [1, 0], [2, 2], "frequency: row 1 must be a whole number"),
        ([1.5], [1], [2], "frequency: row 0 must be a whole number"),
        ([1], [3], [2], "recency: row 0 must not exceed T"),
        ([0], [1], [2], "recency: row 0 must be 0 when frequency is 0"),
        ([1], [-1], [2], "recency: row 0 must be ≥ 0"),
        ([1, 1], [1, 1], [2, np.nan], "T: row 1 is not a finite number"),
        ([1, 1], [1], [2, 2], "one value per customer"),
    ],
)
def test_impossible_rows_are_refused_with_the_row_named(frequency, recency, age, message):
    for fit in (bgnbd.fit, pareto_nbd.fit):
        with pytest.raises(ValueError, match=message):
            fit(frequency, recency, age)


def test_nothing_to_fit_is_refused():
    with pytest.raises(ValueError, match="no customers to fit"):
        bgnbd.fit([], [], [])
    with pytest.raises(ValueError, match="no repeat customer"):
        gamma_gamma.fit([0, 0, 3], [0.0, 0.0, -4.0])


def test_a_base_where_nobody_repeats_fits_at_a_bound_and_says_so():
    model = bgnbd.fit([0] * 50, [0] * 50, np.linspace(1, 40, 50))
    assert not model.converged and "bound" in model.message
    assert np.isfinite(model.params).all()
    expected = model.conditional_expected_purchases(52, [0], [0], [20])
    assert np.isfinite(expected).all() and expected[0] < 1e-3


def test_weights_are_the_same_as_repeated_rows():
    x, t_x, age = [0, 2, 5, 1], [0, 10, 30, 4], [40, 35, 38, 20]
    weighted = bgnbd.fit(x, t_x, age, weights=[30, 5, 2, 9])
    expanded = bgnbd.fit(
        np.repeat(x, [30, 5, 2, 9]), np.repeat(t_x, [30, 5, 2, 9]), np.repeat(age, [30, 5, 2, 9])
    )
    np.testing.assert_allclose(weighted.params, expanded.params, rtol=1e-6)
    assert weighted.log_likelihood == pytest.approx(expanded.log_likelihood, rel=1e-9)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(3, 5)), max_size=40))
def test_collapsing_keeps_every_row(rows):
    x = np.array([r[0] for r in rows], dtype=float)
    t_x = np.where(x > 0, [r[1] for r in rows], 0).astype(float) if rows else np.zeros(0)
    age = np.array([r[2] for r in rows], dtype=float)
    collapsed = Collapsed.of(x, t_x, age)
    assert collapsed.weight.sum() == len(rows)
    np.testing.assert_array_equal(collapsed.frequency[collapsed.inverse], x)
    np.testing.assert_array_equal(collapsed.recency[collapsed.inverse], t_x)
    np.testing.assert_array_equal(collapsed.age[collapsed.inverse], age)
    distinct = {(a, b, c) for a, b, c in zip(x, t_x, age, strict=True)}
    assert len(collapsed) == len(distinct)


def test_collapsing_falls_back_to_lexsort_past_the_key_limit(monkeypatch):
    monkeypatch.setattr(inputs, "KEY_LIMIT", 1)
    collapsed = Collapsed.of([0, 1, 0, 1], [0, 2, 0, 2], [5, 5, 5, 6])
    assert sorted(collapsed.weight.tolist()) == [1.0, 1.0, 2.0]
    np.testing.assert_array_equal(collapsed.age[collapsed.inverse], [5, 5, 5, 6])


def test_scores_of_an_empty_base_and_of_customers_without_spend():
    purchases = bgnbd.BgNbd(0.243, 4.414, 0.793, 2.426)
    spend = gamma_gamma.GammaGamma(6.25, 3.74, 15.44)
    empty = score(purchases, spend, frequency=[], recency=[], age=[], monetary=[], unit_days=7)
    assert empty.value.size == 0
    scores = score(
        purchases,
        spend,
        frequency=[0, 3, 3],
        recency=[0, 10, 10],
        age=[0, 20, 20],
        monetary=[0.0, 0.0, -5.0],
        unit_days=7,
    )
    assert np.isfinite(scores.value).all() and (scores.value > 0).all()
    assert scores.expected_spend.tolist() == [spend.population_mean_spend] * 3
    with pytest.raises(ValueError, match="monthly_discount"):
        score(
            purchases,
            spend,
            frequency=[0],
            recency=[0],
            age=[1],
            monetary=[0],
            unit_days=7,
            monthly_discount=1.5,
        )


def test_value_falls_with_the_discount_and_grows_with_the_horizon():
    purchases = bgnbd.BgNbd(0.243, 4.414, 0.793, 2.426)
    spend = gamma_gamma.GammaGamma(6.25, 3.74, 15.44)
    args = {"frequency": [2], "recency": [30.0], "age": [38.0], "monetary": [25.0]}

    def value(**kw: float) -> float:
        return float(score(purchases, spend, unit_days=7, **args, **kw).value[0])

    assert value(months=12, monthly_discount=0.0) > value(months=12, monthly_discount=0.02)
    assert value(months=24) > value(months=12) > value(months=1) > 0
