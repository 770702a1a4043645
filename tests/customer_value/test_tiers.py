"""Value tiers (seed 003), cost to serve, migrations and the per-tier holdout check."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.customer_value.cost_to_serve import CostRates, cost_to_serve
from lealtad.customer_value.tier_check import tier_check
from lealtad.customer_value.tiers import TIERS, TierRules, assign_tiers, migrants, migrations


def _tiers(n_buyers: int, **overrides):
    """A base where customer i has value i+1 and a healthy margin, everyone bought."""
    columns = {
        "value": np.arange(1.0, n_buyers + 1),
        "margin": np.full(n_buyers, 100.0),
        "cost_to_serve": np.full(n_buyers, 10.0),
        "purchased": np.ones(n_buyers, bool),
    }
    columns.update(overrides)
    return assign_tiers(**columns)


def test_top_fifth_by_value_is_mvc():
    tiers = _tiers(10)
    assert tiers.codes.tolist() == ["regular"] * 8 + ["mvc"] * 2
    assert tiers.mvc_from == 9.0
    assert tiers.mgc_from == float("inf")  # no forecast given: nobody is growable


def test_ties_at_the_boundary_all_go_in():
    tiers = _tiers(5, value=np.array([1.0, 2.0, 3.0, 3.0, 3.0]))
    assert tiers.codes.tolist() == ["regular", "regular", "mvc", "mvc", "mvc"]


def test_below_zero_wins_over_mvc_and_unknown_over_everything():
    tiers = _tiers(
        4,
        value=np.array([10.0, 20.0, 500.0, 0.0]),
        margin=np.array([5.0, 5.0, 50.0, 0.0]),
        cost_to_serve=np.array([1.0, 8.0, 80.0, 0.0]),
        purchased=np.array([True, True, True, False]),
    )
    assert tiers.codes.tolist() == ["regular", "below_zero", "below_zero", "unknown"]


def test_growable_needs_headroom_growth_and_a_live_customer():
    n = 10
    predicted = np.array([1, 2, 30, 35, 50, 6, 7, 8, 9, 10], dtype=float)
    alive = np.array([1, 1, 1, 1, 0.2, 1, 1, 1, 1, 1], dtype=float)
    tiers = _tiers(n, predicted_value=predicted, current_value=np.arange(1.0, n + 1), p_alive=alive)
    # 2 and 3 have the biggest headroom (27, 31); 5 more but P(alive) 0.2; 2 slots (20 % of 10)
    assert np.flatnonzero(tiers.codes == "mgc").tolist() == [2, 3]
    assert tiers.mgc_from == 27.0
    stricter = _tiers(
        n,
        predicted_value=predicted,
        current_value=np.arange(1.0, n + 1),
        p_alive=alive,
        rules=TierRules(mgc_share=0.1, mgc_min_growth=10.0),
    )
    assert np.flatnonzero(stricter.codes == "mgc").tolist() == [2]  # 30 ≥ 10 x 3; 35 < 10 x 4


def test_rules_are_checked():
    for bad in ({"mvc_share": 1.5}, {"mgc_min_p_alive": -0.1}, {"mgc_min_growth": 0.5}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            TierRules(**bad)
    with pytest.raises(ValueError, match="mvc_share: must be a number"):
        TierRules(mvc_share=float("nan"))


def test_empty_base_and_values_that_are_not_numbers():
    empty = assign_tiers(value=[], margin=[], cost_to_serve=[], purchased=[])
    assert empty.codes.size == 0
    with pytest.raises(ValueError, match="cost_to_serve 1"):
        assign_tiers(value=[1.0, 2.0], margin=[1.0, 2.0], cost_to_serve=[1.0], purchased=[1, 1])
    with pytest.raises(ValueError, match="p_alive 1"):
        _tiers(2, predicted_value=[1.0, 2.0], current_value=[1.0, 1.0], p_alive=[0.5])
    tiers = _tiers(3, value=np.array([1.0, float("nan"), 3.0]))
    assert tiers.codes.tolist() == ["regular", "regular", "mvc"]
    assert tiers.warnings == ["1 value value(s) not a number were read as 0"]


def test_migration_matrix_and_migrants():
    before = ["mvc", "mvc", "regular", "", "below_zero", "mgc"]
    after = ["mvc", "regular", "mvc", "unknown", "regular", "mgc"]
    matrix = migrations(before, after)
    at = TIERS.index
    assert matrix.sum() == 6 and matrix.shape == (5, 5)
    assert matrix[at("mvc"), at("regular")] == 1 and matrix[at("regular"), at("mvc")] == 1
    assert matrix[at("unknown"), at("unknown")] == 1  # "" is "not tiered yet"
    assert migrants(before, after).tolist() == [False, True, True, False, True, False]
    with pytest.raises(ValueError, match="current: row 1 is 'gold'"):
        migrations(["mvc", "mvc"], ["mvc", "gold"])
    assert migrations([], []).sum() == 0


base = st.integers(0, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(-100, 1e4) | st.just(float("nan")), min_size=n, max_size=n),
        st.lists(st.floats(-50, 500), min_size=n, max_size=n),
        st.lists(st.floats(0, 400), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
        st.lists(st.floats(0, 1e4), min_size=n, max_size=n),
        st.lists(st.floats(0, 1), min_size=n, max_size=n),
        st.floats(0, 1),
        st.floats(0, 1),
    )
)


@settings(max_examples=150, deadline=None)
@given(base)
def test_tiers_partition_the_base_by_the_rules(case):
    value, margin, cost, bought, predicted, alive, mvc_share, mgc_share = case
    rules = TierRules(mvc_share=mvc_share, mgc_share=mgc_share)
    tiers = assign_tiers(
        value=value,
        margin=margin,
        cost_to_serve=cost,
        purchased=bought,
        predicted_value=predicted,
        current_value=np.nan_to_num(np.asarray(value, float)),
        p_alive=alive,
        rules=rules,
    )
    codes = tiers.codes
    bought_ = np.asarray(bought, bool)
    assert set(codes.tolist()) <= set(TIERS)
    assert ((codes == "unknown") == ~bought_).all()
    profit = np.asarray(margin) - np.asarray(cost)
    assert ((codes == "below_zero") == (bought_ & (profit < 0))).all()
    worth = np.nan_to_num(np.asarray(value, float))
    mvc = codes == "mvc"
    buyers = int(bought_.sum())
    # the share is kept, except for customers tied with the last one in
    if mvc.any():
        assert (worth[mvc] >= tiers.mvc_from).all()
        assert mvc.sum() <= np.ceil(mvc_share * buyers) + (worth[bought_] == tiers.mvc_from).sum()
    mgc = codes == "mgc"
    headroom = np.asarray(predicted) - worth
    assert mgc.sum() <= np.ceil(mgc_share * buyers) + (headroom[mgc] == tiers.mgc_from).sum()
    assert (headroom[mgc] > 0).all()
    assert (np.asarray(alive)[mgc] >= rules.mgc_min_p_alive).all()
    # the matrix of a refresh against itself is diagonal: nobody migrates
    matrix = migrations(codes, codes)
    assert matrix.sum() == codes.size and np.trace(matrix) == codes.size
    assert not migrants(codes, codes).any()


def test_cost_to_serve_by_hand_and_bad_counts():
    cost = cost_to_serve([2, -1], [15.0, 0], [0, float("nan")], [3, 1], [20.0, 5.0])
    rates = CostRates()
    expected_first = 2 * rates.per_contact + 15.0 + 3 * rates.per_shipment + 20.0
    assert cost.total.tolist() == [expected_first, rates.per_shipment + 5.0]
    assert sorted(cost.warnings) == [
        "1 contacts value(s) negative or not a number were read as 0",
        "1 returns value(s) negative or not a number were read as 0",
    ]
    assert set(cost.parts) == {"contacts", "support", "returns", "shipments", "discounts"}
    assert np.allclose(sum(cost.parts.values()), cost.total)
    half = cost_to_serve([0], [15.0], [0], [0], [0.0], CostRates(support_share=0.5))
    assert half.parts["support"].tolist() == [7.5]
    with pytest.raises(ValueError, match="per_contact: must be a number ≥ 0"):
        CostRates(per_contact=-1.0)
    with pytest.raises(ValueError, match="discount_share"):
        CostRates(discount_share=1.5)
    with pytest.raises(ValueError, match="support_share"):
        CostRates(support_share=1.5)
    with pytest.raises(ValueError, match="one value per row"):
        cost_to_serve([1], [1, 2], [1], [1], [1.0])
    assert cost_to_serve([], [], [], [], []).total.size == 0
    huge = cost_to_serve([1e308], [1e308], [1e308], [1e308], [1e308])
    assert np.isfinite(huge.total).all()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(*[st.integers(0, 10**6)] * 4, st.floats(0, 1e7)), max_size=30),
    st.integers(0, 10),
)
def test_cost_grows_with_every_count(rows, extra):
    counts = np.array([r[:4] for r in rows], dtype=float).reshape(-1, 4)
    discounts = np.array([r[4] for r in rows], dtype=float)
    base = cost_to_serve(*counts.T, discounts).total
    assert np.isfinite(base).all() and (base >= 0).all()
    for k in range(4):
        more = counts.copy()
        more[:, k] += extra
        assert (cost_to_serve(*more.T, discounts).total >= base).all()


def test_tier_check_by_hand():
    check = tier_check(
        ["mvc", "mgc", "mvc", "regular", "below_zero"],
        predicted=[10.0, 4.0, 6.0, 1.0, 0.0],
        actual=[12.0, 2.0, 4.0, 0.0, 0.0],
    )
    rows = {row.tier: row for row in check.rows}
    assert [row.tier for row in check.rows] == ["mvc", "mgc", "regular", "below_zero"]
    assert rows["mvc"].customers == 2 and rows["mvc"].actual_mean == 8.0
    assert rows["mvc"].error == 0.0 and rows["mgc"].error == 1.0
    assert rows["regular"].error is None  # predicted 1, nothing happened: no ratio to give
    assert rows["below_zero"].error == 0.0
    assert check.predicted_total == 21.0 and check.actual_total == 18.0
    assert check.lines()[0].split() == ["tier", "customers", "predicted", "actual", "error"]


def test_tier_check_of_an_empty_base_and_bad_values():
    empty = tier_check([], predicted=[], actual=[])
    assert empty.rows == [] and empty.total_error == 0.0
    check = tier_check(["mvc"], predicted=[float("inf")], actual=[1.0])
    assert check.rows[0].predicted_total == 0.0
    assert check.warnings == ["1 predicted value(s) not a number were read as 0"]
    with pytest.raises(ValueError, match="tiers: row 0 is 'gold'"):
        tier_check(["gold"], predicted=[1.0], actual=[1.0])
