"""RFM: inputs from a transaction log and quantile scores, by hand and by property."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.customer_value.rfm import quantile_scores, rfm_inputs, rfm_scores

AS_OF = 1000


def test_inputs_of_a_small_log_by_hand():
    result = rfm_inputs(
        customer_index=[0, 1, 0, 2, 2, 0],
        day_number=[990, 700, 1000, 995, 996, 999],
        amount=[10.0, 50.0, 20.0, 30.0, -5.0, 0.0],
        as_of=AS_OF,
        customers=4,
    )
    assert result.recency_days.tolist() == [0, 300, 5, -1]
    assert result.frequency.tolist() == [3, 1, 1, 0]  # the zero-value order counts, the return not
    assert result.monetary.tolist() == [30.0, 50.0, 25.0, 0.0]
    assert result.purchased.tolist() == [True, True, True, False]
    assert result.warnings == []


def test_bad_rows_are_dropped_and_counted():
    result = rfm_inputs(
        [0, 0, 1, 1, 2, 2],
        [10, 1001, 10, 20, 10, 5],
        [10.0, 99.0, float("nan"), 5.0, 10.0, -50.0],
        as_of=AS_OF,
    )
    assert result.frequency.tolist() == [1, 1, 1]
    assert result.monetary.tolist() == [10.0, 5.0, 0.0]  # customer 2 returned more: 0, not -40
    assert result.recency_days.tolist() == [990, 980, 990]
    assert sorted(result.warnings) == sorted(
        [
            "1 transaction(s) with an amount that is not a number dropped",
            "1 transaction(s) dated after day 1000 dropped",
            "1 customer(s) returned more than they bought: spend 0",
        ]
    )


def test_a_customer_with_only_returns_is_not_scored():
    inputs = rfm_inputs([0, 1], [5, 5], [10.0, -3.0], as_of=10)
    assert inputs.frequency.tolist() == [1, 0] and inputs.recency_days.tolist() == [5, -1]
    assert "1 customer(s) with returns but no purchase: not scored" in inputs.warnings
    scores = rfm_scores(inputs.recency_days, inputs.frequency, inputs.monetary)
    assert scores.code.tolist() == ["333", "000"]


def test_an_index_outside_the_base_is_refused_with_its_row():
    with pytest.raises(ValueError, match=r"customer_index: row 1 is 5, outside 0\.\.2"):
        rfm_inputs([0, 5], [1, 2], [1.0, 1.0], as_of=10, customers=3)
    with pytest.raises(ValueError, match="customer_index: row 0 is -1"):
        rfm_inputs([-1], [1], [1.0], as_of=10)
    with pytest.raises(ValueError, match="one value per row"):
        rfm_inputs([0, 1], [1], [1.0, 2.0], as_of=10)
    with pytest.raises(ValueError, match="day_number: row 1 is not a whole number"):
        rfm_inputs([0, 1], [1.0, 1.5], [1.0, 2.0], as_of=10)


def test_empty_base_and_empty_log():
    inputs = rfm_inputs([], [], [], as_of=AS_OF)
    assert inputs.frequency.size == 0 and inputs.warnings == []
    scores = rfm_scores(inputs.recency_days, inputs.frequency, inputs.monetary)
    assert scores.code.size == 0
    nobody_bought = rfm_inputs([], [], [], as_of=AS_OF, customers=3)
    assert nobody_bought.recency_days.tolist() == [-1, -1, -1]
    scores = rfm_scores(nobody_bought.recency_days, nobody_bought.frequency, [0.0, 0.0, 0.0])
    assert scores.code.tolist() == ["000", "000", "000"]


def test_one_customer_scores_in_the_middle():
    scores = rfm_scores([3], [2], [40.0])
    assert scores.code.tolist() == ["333"]


def test_ten_distinct_customers_fill_each_quintile_twice():
    scores = rfm_scores(np.arange(10), np.arange(1, 11), np.arange(10) * 10.0)
    assert np.bincount(scores.frequency).tolist() == [0, 2, 2, 2, 2, 2]
    assert scores.recency.tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]  # fewer days is better
    assert scores.code[0] == "511" and scores.code[9] == "155"


def test_heavy_tie_takes_the_bin_of_its_middle():
    # seven of ten bought once: they sit at ranks 0-6, middle 3.5 of 10 -> quintile 2
    frequency = [1] * 7 + [2, 3, 4]
    scores = rfm_scores([1] * 10, frequency, [1.0] * 10)
    assert scores.frequency.tolist() == [2] * 7 + [4, 5, 5]
    assert set(scores.recency.tolist()) == {3}


def test_bins_are_configurable_and_bounded():
    scores = rfm_scores(np.arange(9), np.arange(1, 10), np.arange(9.0), bins=3)
    assert np.bincount(scores.monetary).tolist() == [0, 3, 3, 3]
    for bins in (1, 10):
        with pytest.raises(ValueError, match="bins: must be between 2 and 9"):
            rfm_scores([1], [1], [1.0], bins=bins)


def test_values_that_cannot_be_scored_are_named_not_passed_on():
    scores = rfm_scores([1, float("nan"), -4, 2], [1, 2, 3, 1], [5.0, 5.0, 5.0, -1.0])
    assert scores.code[1] == "000"
    assert scores.recency[2] == 5  # negative recency counts as today
    assert scores.monetary[3] == 1
    assert len(scores.warnings) == 3


def _reference_inputs(customers, days, amounts, as_of, size):
    """Plain Python, one customer at a time: what rfm_inputs must agree with."""
    recency, frequency, monetary = [-1] * size, [0] * size, [0.0] * size
    for c in range(size):
        rows = [
            (d, a)
            for cc, d, a in zip(customers, days, amounts, strict=True)
            if cc == c and d <= as_of
        ]
        bought = [d for d, a in rows if a >= 0]
        if bought:
            frequency[c] = len(bought)
            recency[c] = as_of - max(bought)
            monetary[c] = max(0.0, sum(a for _, a in rows))
    return recency, frequency, monetary


logs = st.integers(1, 6).flatmap(
    lambda size: st.tuples(
        st.just(size),
        st.lists(
            st.tuples(
                st.integers(0, size - 1),
                st.integers(0, 120),
                st.sampled_from([-30.0, -5.0, 0.0, 5.0, 12.5, 40.0, 100.0]),
            ),
            max_size=40,
        ),
    )
)


@settings(max_examples=150, deadline=None)
@given(logs)
def test_inputs_agree_with_a_plain_python_reading(case):
    size, rows = case
    customers = [r[0] for r in rows]
    days = [r[1] for r in rows]
    amounts = [r[2] for r in rows]
    result = rfm_inputs(customers, days, amounts, as_of=100, customers=size)
    recency, frequency, monetary = _reference_inputs(customers, days, amounts, 100, size)
    assert result.recency_days.tolist() == recency
    assert result.frequency.tolist() == frequency
    assert np.allclose(result.monetary, monetary)


columns = st.integers(0, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 20), min_size=n, max_size=n),
        st.lists(st.integers(0, 6), min_size=n, max_size=n),
        st.lists(st.sampled_from([0.0, 1.0, 9.5, 20.0, 1e6]), min_size=n, max_size=n),
        st.integers(2, 9),
    )
)


@settings(max_examples=200, deadline=None)
@given(columns)
def test_scores_are_in_range_ties_equal_and_monotone(case):
    recency, frequency, monetary, bins = case
    scores = rfm_scores(recency, frequency, monetary, bins=bins)
    bought = np.asarray(frequency) > 0
    for column, values, better in (
        (scores.recency, np.asarray(recency), -1),
        (scores.frequency, np.asarray(frequency), 1),
        (scores.monetary, np.asarray(monetary), 1),
    ):
        assert ((column[bought] >= 1) & (column[bought] <= bins)).all()
        assert (column[~bought] == 0).all()
        value, score = better * values[bought], column[bought]
        for i in range(value.size):
            assert (score[value == value[i]] == score[i]).all()  # equal in, equal out
            assert (score[value > value[i]] >= score[i]).all()  # better in, never worse out
    assert all(len(code) == 3 for code in scores.code.tolist())
    assert (scores.code[~bought] == "000").all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e9, 1e9), min_size=1, max_size=80), st.integers(2, 9))
def test_quantile_scores_split_distinct_values_evenly(values, bins):
    distinct = np.unique(np.asarray(values))
    scores = quantile_scores(distinct, bins)
    counts = np.bincount(scores, minlength=bins + 1)[1:]
    # mid-rank quantiles: bin sizes differ by at most one customer (plus the rounding of 2n)
    assert counts.max() - counts.min() <= 2
    assert (np.diff(scores) >= 0).all()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-50, 5000), min_size=1, max_size=80), st.integers(2, 9))
def test_counting_and_sorting_score_whole_numbers_alike(values, bins):
    whole = np.asarray(values, dtype=np.float64)  # counted: whole numbers in a narrow range
    shifted = whole + 0.5  # sorted: not whole numbers
    assert (quantile_scores(whole, bins) == quantile_scores(shifted, bins)).all()
    spread = whole * 1e9  # whole numbers, but a range too wide to count
    assert (quantile_scores(whole, bins) == quantile_scores(spread, bins)).all()
