"""The monthly acquisition cohort matrix: what a manager reads in the heat map."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.olap import cohorts
from tests.olap.economics_facts import connect, order

D = dt.date


def test_a_customer_who_comes_back_in_the_third_month_shows_in_month_two() -> None:
    con = connect(
        orders=[
            order(1, 7, D(2024, 1, 5), revenue=30),
            order(2, 7, D(2024, 1, 20), revenue=20),
            order(3, 7, D(2024, 3, 2), revenue=15),
            order(4, 8, D(2024, 1, 9), revenue=5),
            order(5, 9, D(2024, 2, 1), revenue=40),
        ]
    )
    m = cohorts.cohort_matrix(con, months=4)
    rows = {r["cohort"]: r for r in m.rows()}
    assert list(rows) == ["2024-01-01", "2024-02-01"]
    january = rows["2024-01-01"]
    assert january["customers"] == 2
    assert january["active"] == [2, 0, 1, None]  # March is the last month: month 3 not yet
    assert january["retention"] == [1.0, 0.0, 0.5, None]
    assert january["revenue"] == [55.0, 0.0, 15.0, None]
    assert january["revenue_per_customer"] == [27.5, 0.0, 7.5, None]
    assert rows["2024-02-01"]["active"] == [1, 0, None, None]
    assert m.as_of == D(2024, 3, 1)


def test_cancelled_orders_and_orders_without_a_customer_count_for_nothing() -> None:
    con = connect(
        orders=[
            order(1, 1, D(2024, 1, 5), status="cancelled"),
            order(2, 1, D(2024, 2, 5)),
            order(3, None, D(2024, 1, 1)),
        ]
    )
    rows = cohorts.cohort_matrix(con, months=2).rows()
    assert [(r["cohort"], r["active"]) for r in rows] == [("2024-02-01", [1, None])]


def test_no_orders_give_an_empty_matrix_not_an_error() -> None:
    m = cohorts.cohort_matrix(connect(), months=6)
    assert m.rows() == [] and m.as_of is None and m.active.shape == (0, 6)


def test_a_month_nobody_started_in_is_no_cohort() -> None:
    con = connect(orders=[order(1, 1, D(2024, 1, 5)), order(2, 2, D(2024, 4, 5))])
    assert [r["cohort"] for r in cohorts.cohort_matrix(con).rows()] == [
        "2024-01-01",
        "2024-04-01",
    ]


def test_the_scope_decides_which_orders_make_a_cohort() -> None:
    con = connect(
        orders=[
            order(1, 1, D(2024, 1, 5), store="S01"),
            order(2, 1, D(2024, 2, 5), store="S02"),
            order(3, 2, D(2024, 2, 7), store="S02"),
        ]
    )
    s02 = SimpleNamespace(stores=frozenset({"S02"}), channels=None, regions=None)
    rows = cohorts.cohort_matrix(con, s02, months=2).rows()
    assert [(r["cohort"], r["customers"]) for r in rows] == [("2024-02-01", 2)]
    nothing = SimpleNamespace(stores=frozenset(), channels=None, regions=None)
    assert cohorts.cohort_matrix(con, nothing).rows() == []


@pytest.mark.parametrize("months", [0, 64, -1])
def test_a_window_outside_one_to_sixty_three_months_is_refused(months: int) -> None:
    with pytest.raises(ValueError, match="months"):
        cohorts.cohort_matrix(connect(), months=months)


def _naive(rows: list[tuple[int, dt.date, float, str]], months: int) -> dict:
    """Cohorts the slow way, for the property below."""
    first: dict[int, int] = {}
    live = [(c, cohorts.month_code(d), r) for c, d, r, s in rows if s != "cancelled"]
    for c, m, _ in live:
        first[c] = min(first.get(c, m), m)
    active: dict[tuple[int, int], set[int]] = defaultdict(set)
    spent: dict[tuple[int, int], float] = defaultdict(float)
    for c, m, r in live:
        k = m - first[c]
        if k < months:
            active[first[c], k].add(c)
            spent[first[c], k] += r
    return {key: (len(active[key]), spent[key]) for key in active}


orders_strategy = st.lists(
    st.tuples(
        st.sampled_from([1, 2, 3, 50, 10**12]),  # a sparse id takes the other indexing path
        st.dates(D(2023, 1, 1), D(2025, 6, 30)),
        st.floats(0, 1000, allow_nan=False),
        st.sampled_from(["completed", "completed", "cancelled"]),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(rows=orders_strategy, months=st.integers(1, 30))
def test_the_fast_matrix_equals_the_plain_query_and_the_slow_count(rows, months) -> None:
    con = connect(
        orders=[order(i, c, d, revenue=r, status=s) for i, (c, d, r, s) in enumerate(rows, start=1)]
    )
    m = cohorts.cohort_matrix(con, months=months)
    expected = _naive(rows, months)
    reference = {(c, s): (a, r) for c, s, a, r in cohorts.reference_cells(con) if s < months}
    assert set(reference) == set(expected)
    for i, cohort in enumerate(m.cohorts):
        code = cohorts.month_code(cohort)
        for k in range(months):
            got = m.active[i, k]
            if math.isnan(got):
                assert code + k > cohorts.month_code(m.as_of)
                continue
            want = expected.get((code, k), (0, 0.0))
            assert got == want[0]
            assert m.revenue[i, k] == pytest.approx(want[1], abs=1e-6)
    assert int(m.sizes.sum()) == len({c for c, _, _, s in rows if s != "cancelled"})
