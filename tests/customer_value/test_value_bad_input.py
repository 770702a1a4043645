"""Whatever numbers come in (NaN, infinities, negatives, huge values), nothing NaN or infinite
comes out of the customer-value engine and nothing crashes: the issue's "bad input" promise."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.customer_value.churn import churn_risk
from lealtad.customer_value.cost_to_serve import cost_to_serve
from lealtad.customer_value.lifecycle import lifecycle
from lealtad.customer_value.rfm import rfm_inputs, rfm_scores
from lealtad.customer_value.tier_check import tier_check
from lealtad.customer_value.tiers import TIERS, assign_tiers

anything = st.floats(allow_nan=True, allow_infinity=True, width=64)


def _finite(*arrays) -> bool:
    return all(np.isfinite(np.asarray(a, dtype=np.float64)).all() for a in arrays)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(-(10**6), 10**6), anything), max_size=40),
    st.integers(-(10**6), 10**6),
)
def test_rfm_and_lifecycle_of_any_log_are_finite(rows, as_of):
    customers = [r[0] for r in rows]
    days = [r[1] for r in rows]
    amounts = [r[2] for r in rows]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warning either
        inputs = rfm_inputs(customers, days, amounts, as_of=as_of, customers=5)
        scores = rfm_scores(inputs.recency_days, inputs.frequency, inputs.monetary)
        stages = lifecycle(customers, days, as_of=as_of, customers=5, amount=amounts)
    assert _finite(inputs.recency_days, inputs.frequency, inputs.monetary)
    assert (inputs.monetary >= 0).all() and (inputs.recency_days >= -1).all()
    assert all(len(code) == 3 for code in scores.code.tolist())
    assert _finite(stages.since, stages.usual_gap_days, stages.transitions.day)
    assert (stages.transitions.day <= as_of).all()


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 8).flatmap(
        lambda n: st.lists(st.tuples(*[anything] * 8), min_size=n, max_size=n)
    )
)
def test_scores_tiers_costs_and_risk_of_any_numbers_are_finite(rows):
    columns = [np.array(c, dtype=float) for c in zip(*rows, strict=True)] or [np.zeros(0)] * 8
    a, b, c, d, e, f, g, h = columns
    bought = np.isfinite(a) & (a > 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = rfm_scores(a, b, c)
        cost = cost_to_serve(np.abs(d), e, f, g, h)
        tiers = assign_tiers(
            value=a,
            margin=b,
            cost_to_serve=cost.total,
            purchased=bought,
            predicted_value=c,
            current_value=d,
            p_alive=e,
        )
        risk = churn_risk(
            p_alive=e,
            recency_days=f,
            usual_gap_days=g,
            purchased=bought,
            recent_purchases=h,
            usual_recent_purchases=a,
            recent_returns=b,
            contacts=c,
        )
        check = tier_check(tiers.codes, predicted=c, actual=d)
    assert _finite(scores.recency, scores.frequency, scores.monetary, cost.total)
    assert set(tiers.codes.tolist()) <= set(TIERS)
    assert _finite(risk.risk, risk.driver_weights)
    assert ((risk.risk >= 0) & (risk.risk <= 1)).all()
    for row in check.rows:
        assert _finite(row.predicted_mean, row.actual_mean)
        assert row.error is None or np.isfinite(row.error)
