"""Churn risk: the formula by hand, its monotonicity, bands and drivers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.customer_value.churn import BANDS, DRIVERS, ChurnRules, churn_risk


def test_the_formula_by_hand():
    risk = churn_risk(
        p_alive=[0.5],
        recency_days=[60],
        usual_gap_days=[30],
        recent_purchases=[1],
        usual_recent_purchases=[4],
        recent_returns=[1],
        contacts=[3],
    )
    signals = [0.5, 4 / (4 + 4), 0.75, 0.5, 0.5]  # overdue ratio 2 = half_at: 0.5
    weights = [1.0, 0.6, 0.3, 0.15, 0.1]
    stays = math.prod(1 - w * s for w, s in zip(weights, signals, strict=True))
    assert risk.risk[0] == pytest.approx(1 - stays)
    assert risk.band.tolist() == ["high"]  # 1 - 0.5 x 0.7 x 0.775 x 0.925 x 0.95 = 0.76
    assert [code for code, _ in risk.listed(0)] == [
        "low_p_alive",
        "long_since_last_purchase",
        "fewer_purchases_than_usual",
    ]
    hazards = [-math.log(1 - w * s) for w, s in zip(weights, signals, strict=True)]
    assert risk.driver_weights[0, 0] == pytest.approx(hazards[0] / sum(hazards))


def test_a_customer_with_one_purchase_is_compared_with_the_base_median_gap():
    risk = churn_risk(
        p_alive=[1.0, 1.0, 1.0, 1.0],
        recency_days=[40, 40, 40, 40],
        usual_gap_days=[20, 40, 60, 0],
    )
    assert risk.risk[3] == pytest.approx(risk.risk[1])  # median of 20, 40, 60
    alone = churn_risk(p_alive=[1.0], recency_days=[180], usual_gap_days=[0])
    assert alone.risk[0] == pytest.approx(0.6 * 0.5)  # default gap 90: ratio 2, signal 0.5


def test_nobody_bought_no_signal_and_bad_values():
    risk = churn_risk(
        p_alive=[float("nan"), 1.0, 0.3],
        recency_days=[10, float("inf"), 5],
        usual_gap_days=[10, 10, 10],
        purchased=[True, True, False],
    )
    assert np.isfinite(risk.risk).all()
    assert risk.band.tolist()[2] == "none" and risk.risk[2] == 0.0
    assert risk.listed(2) == []
    assert risk.warnings == [
        "1 p_alive value(s) not a number were read as 1",
        "1 recency_days value(s) not a number were read as 0",
    ]
    calm = churn_risk(p_alive=[1.0], recency_days=[0], usual_gap_days=[10])
    assert calm.risk.tolist() == [0.0] and calm.band.tolist() == ["low"]
    assert calm.listed(0) == []
    empty = churn_risk(p_alive=[], recency_days=[], usual_gap_days=[])
    assert empty.risk.size == 0 and empty.drivers.shape == (0, 3)
    with pytest.raises(ValueError, match="give both or neither"):
        churn_risk(p_alive=[1.0], recency_days=[1], usual_gap_days=[1], recent_purchases=[1])
    with pytest.raises(ValueError, match="one value per row"):
        churn_risk(p_alive=[1.0, 0.5], recency_days=[1], usual_gap_days=[1])
    with pytest.raises(ValueError, match="medium_from, high_from"):
        ChurnRules(medium_from=0.7, high_from=0.6)


customer = st.tuples(
    st.floats(0, 1),
    st.integers(0, 3000),
    st.integers(0, 400),
    st.integers(0, 10),
    st.integers(0, 10),
    st.integers(0, 5),
    st.integers(0, 50),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(customer, min_size=1, max_size=30), st.floats(0, 1), st.integers(1, 500))
def test_risk_rises_as_p_alive_falls_and_recency_grows(rows, less_alive, later):
    columns = [np.array(column, dtype=float) for column in zip(*rows, strict=True)]
    alive, recency, gap, recent, usual, returns, contacts = columns

    def risk(alive=alive, recency=recency):
        return churn_risk(
            p_alive=alive,
            recency_days=recency,
            usual_gap_days=gap,
            recent_purchases=recent,
            usual_recent_purchases=usual,
            recent_returns=returns,
            contacts=contacts,
        )

    base = risk()
    assert ((base.risk >= 0) & (base.risk < 1)).all() and np.isfinite(base.risk).all()
    assert (risk(alive=alive * less_alive).risk >= base.risk - 1e-12).all()
    assert (risk(recency=recency + later).risk >= base.risk - 1e-12).all()
    # the band follows the risk, and the drivers are known codes whose shares add to ≤ 1
    rules = ChurnRules()
    expected_band = np.where(
        base.risk >= rules.high_from,
        "high",
        np.where(base.risk >= rules.medium_from, "medium", "low"),
    )
    assert (base.band == expected_band).all()
    assert set(base.band.tolist()) <= set(BANDS)
    assert ((base.drivers >= -1) & (base.drivers < len(DRIVERS))).all()
    assert (base.driver_weights.sum(axis=1) <= 1 + 1e-9).all()
    assert (np.diff(base.driver_weights, axis=1) <= 1e-12).all()  # biggest first
    assert ((base.drivers >= 0) == (base.driver_weights > 0)).all()
