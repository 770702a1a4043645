"""Each tier's forecast against what its customers did: CDNOW, weeks 1-39 fitted, 40-78 held
out (the per-tier twin of lifetime_value's per-frequency holdout check)."""

from __future__ import annotations

import numpy as np

from lealtad.customer_value.tier_check import tier_check
from lealtad.customer_value.tiers import assign_tiers
from lealtad.lifetime_value import bgnbd, cdnow, gamma_gamma, score
from lealtad.lifetime_value.summary import split


def test_tiers_forecast_holdout_purchases_on_cdnow():
    log = cdnow.transactions()
    data = split(
        log.customers,
        log.dates,
        log.amounts,
        calibration_end=cdnow.CALIBRATION_END,
        observation_end=cdnow.OBSERVATION_END,
    )
    c = data.calibration
    purchases = bgnbd.fit(c.frequency, c.recency, c.age)
    spend = gamma_gamma.fit(c.frequency, c.monetary)
    scores = score(
        purchases,
        spend,
        frequency=c.frequency,
        recency=c.recency,
        age=c.age,
        monetary=c.monetary,
        unit_days=7,
        months=9,
    )
    spent = c.monetary * c.frequency  # repeat spend in the calibration weeks
    tiers = assign_tiers(
        value=scores.value,
        margin=spent,
        cost_to_serve=np.zeros(len(c)),
        purchased=np.ones(len(c), bool),
        predicted_value=scores.value,
        current_value=spent,
        p_alive=scores.p_alive,
    )
    expected = purchases.conditional_expected_purchases(
        data.holdout_length, c.frequency, c.recency, c.age
    )
    check = tier_check(tiers.codes, predicted=expected, actual=data.holdout_purchases)
    rows = {row.tier: row for row in check.rows}
    assert set(rows) == {"mvc", "mgc", "regular"}
    assert rows["mvc"].customers == int(np.ceil(0.2 * len(c)))
    # the most valuable fifth buys about ten times as often as the rest, and the forecast
    # says so: within 15 % for them, within 25 % for every tier and 15 % overall
    assert rows["mvc"].actual_mean > 5 * rows["regular"].actual_mean
    assert abs(rows["mvc"].error) < 0.15
    assert all(abs(row.error) < 0.25 for row in check.rows)
    assert check.total_error is not None and abs(check.total_error) < 0.15
