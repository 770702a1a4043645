"""Assess the whole base at once: RFM, lifetime value, cost to serve, value tiers, lifecycle
stages and churn risk, as columns over the customers of a :class:`~.base.Base`.

Only numpy and the pure engines (``lifetime_value``, ``customer_value``): no database, so
the refresh reads the base, calls :func:`assess` and writes the answer back, and each part
can be checked on a hand-made base. Every column is finite: a model that cannot be fitted
(no repeat buyer yet, a base of one) leaves a warning and the figures it could not give at
their neutral value, never NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lealtad.analytics.services.base import EPOCH, RECENT_DAYS, Base
from lealtad.analytics.services.rules import Rules
from lealtad.analytics.services.supervised_churn import SupervisedChurn, fit_and_score
from lealtad.customer_value import churn as churn_engine
from lealtad.customer_value import lifecycle as lifecycle_engine
from lealtad.customer_value import rfm as rfm_engine
from lealtad.customer_value.cost_to_serve import cost_to_serve
from lealtad.customer_value.tiers import Tiers, assign_tiers
from lealtad.lifetime_value import bgnbd, gamma_gamma, pareto_nbd, score, summarize

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
YEAR_DAYS = 365


@dataclass
class Lifetime:
    """Lifetime-value figures per customer (zeros and ``valid`` False for non-buyers)."""

    valid: NDArray[np.bool_]
    p_alive: Floats
    expected_purchases: Floats
    expected_spend: Floats
    clv: Floats


@dataclass
class Assessment:
    rfm: rfm_engine.RfmScores
    frequency: Ints  # purchases
    historic_value: Floats  # net spend to date
    last_day: Ints  # day number of the last purchase (-1: none)
    margin: Floats
    cost: Floats
    lifetime: Lifetime
    tiers: NDArray[np.str_]
    stages: NDArray[np.str_]
    stage_since: Ints  # day number the stage began (-1: unknown)
    usual_gap_days: Floats
    churn: churn_engine.ChurnRisk
    supervised: SupervisedChurn | None  # where the base knows who left (replaces ``churn``)
    next_purchase_day: Ints  # -1: none expected within the horizon
    figures: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def assess(
    base: Base,
    rules: Rules,
    margin_share: Floats | None = None,
    left: NDArray[np.bool_] | None = None,
) -> Assessment:
    """``margin_share``: each customer's margin as a share of their spend, where the products'
    costs are known (the refresh reads it from the order facts); else the assumed margin.
    ``left``: the customers known to have left, for the supervised churn model."""
    warnings = list(base.warnings)
    n, today = base.size, base.as_of_day
    inputs, scores = _rfm(base, rules, warnings)
    lifetime, figures = _lifetime(base, rules, warnings)
    share = margin_share if margin_share is not None else np.full(n, rules.value.assumed_margin)
    margin = inputs.monetary * share
    cost = cost_to_serve(
        base.contacts, base.support_cost, base.returns, base.shipments, base.discounts, rules.costs
    )
    warnings += cost.warnings
    bought = inputs.purchased
    stages = _lifecycle(base, rules, warnings)
    tiers = _tiers(base, inputs, lifetime, stages, margin, cost.total, rules)
    warnings += tiers.warnings
    figures["tiers"] = {"mvc_from": _finite(tiers.mvc_from), "mgc_from": _finite(tiers.mgc_from)}
    risk = _churn(base, inputs, lifetime, stages, rules)
    warnings += risk.warnings
    supervised = _supervised(base, inputs, left, rules, figures)
    return Assessment(
        rfm=scores,
        frequency=inputs.frequency,
        historic_value=inputs.monetary,
        last_day=np.where(bought, today - inputs.recency_days, -1),
        margin=margin,
        cost=cost.total,
        lifetime=lifetime,
        tiers=tiers.codes,
        stages=np.asarray(lifecycle_engine.STAGES)[stages.stage],
        stage_since=stages.since,
        usual_gap_days=stages.usual_gap_days,
        churn=risk,
        supervised=supervised,
        next_purchase_day=_next_purchase(lifetime, today, rules.value.horizon_months),
        figures=figures,
        warnings=_unique(warnings),
    )


def _rfm(
    base: Base, rules: Rules, warnings: list[str]
) -> tuple[rfm_engine.RfmInputs, rfm_engine.RfmScores]:
    inputs = rfm_engine.rfm_inputs(
        base.tx_customer, base.tx_day, base.tx_amount, base.as_of_day, customers=base.size
    )
    scores = rfm_engine.rfm_scores(
        inputs.recency_days, inputs.frequency, inputs.monetary, bins=rules.value.rfm_bins
    )
    warnings += inputs.warnings + scores.warnings
    return inputs, scores


def _lifecycle(base: Base, rules: Rules, warnings: list[str]) -> lifecycle_engine.Lifecycle:
    today = base.as_of_day
    stages = lifecycle_engine.lifecycle(
        base.tx_customer,
        base.tx_day,
        today,
        customers=base.size,
        amount=base.tx_amount,
        joined_day=np.minimum(base.created_day, today),
        rules=rules.lifecycle,
    )
    warnings += stages.warnings
    return stages


def _tiers(
    base: Base,
    inputs: rfm_engine.RfmInputs,
    lifetime: Lifetime,
    stages: lifecycle_engine.Lifecycle,
    margin: Floats,
    cost: Floats,
    rules: Rules,
) -> Tiers:
    """Seed 003's tiers, valued by lifetime value where the models could give it.

    Who has lapsed (or is lapsing) is a customer to win back, not to grow: whatever the
    purchase model still gives them, they are not among the most growable."""
    away = np.isin(stages.stage, [lifecycle_engine.LAPSING, lifecycle_engine.LAPSED])
    return assign_tiers(
        value=np.where(lifetime.valid, lifetime.clv, inputs.monetary),
        margin=margin,
        cost_to_serve=cost,
        purchased=inputs.purchased,
        predicted_value=lifetime.clv if lifetime.valid.any() else None,
        current_value=_spend_since(base, base.as_of_day - YEAR_DAYS),
        p_alive=np.where(away, 0.0, np.where(lifetime.valid, lifetime.p_alive, 1.0)),
        rules=rules.tiers,
    )


def _supervised(
    base: Base,
    inputs: rfm_engine.RfmInputs,
    left: NDArray[np.bool_] | None,
    rules: Rules,
    figures: dict[str, Any],
) -> SupervisedChurn | None:
    if left is None:
        return None
    found = fit_and_score(_features(base, inputs), left, inputs.purchased, rules.churn)
    if found is not None:
        figures["churn_model"] = {"auc": found.auc, "leavers": int(left.sum())}
    return found


def _churn(
    base: Base,
    inputs: rfm_engine.RfmInputs,
    lifetime: Lifetime,
    stages: lifecycle_engine.Lifecycle,
    rules: Rules,
) -> churn_engine.ChurnRisk:
    """Risk from P(alive), time since the last purchase against the customer's usual gap,
    fewer purchases lately than their own pace, and recent returns and contacts."""
    today, window = base.as_of_day, RECENT_DAYS
    bought = inputs.purchased
    recent = (base.tx_day > today - window) & (base.tx_day <= today)
    purchases = (base.tx_amount >= 0) & recent
    recent_days = np.bincount(base.tx_customer[purchases], minlength=base.size)
    tenure = np.maximum(today - _first_day(base), 1)
    pace = stages.purchase_days / np.maximum(tenure, window) * window
    usual = np.where(stages.purchase_days >= 2, pace, recent_days)  # no pace yet: no signal
    return churn_engine.churn_risk(
        p_alive=np.where(lifetime.valid, lifetime.p_alive, 1.0),
        recency_days=np.maximum(inputs.recency_days, 0),
        usual_gap_days=stages.usual_gap_days,
        purchased=bought,
        recent_purchases=recent_days,
        usual_recent_purchases=usual,
        recent_returns=base.recent_returns,
        contacts=base.recent_contacts,
        rules=rules.churn,
    )


def _features(base: Base, inputs: rfm_engine.RfmInputs) -> dict[str, NDArray[Any]]:
    """What the supervised churn model learns from, one value per customer."""
    return {
        "recency_days": np.maximum(inputs.recency_days, 0).astype(np.float64),
        "purchases": inputs.frequency.astype(np.float64),
        "spend": inputs.monetary,
        "tenure_days": (base.as_of_day - _first_day(base)).astype(np.float64),
        "channels": base.channels.astype(np.float64),
        "contacts": base.contacts.astype(np.float64),
        "returns": base.returns.astype(np.float64),
        "recent_contacts": base.recent_contacts.astype(np.float64),
        "recent_returns": base.recent_returns.astype(np.float64),
    }


def _first_day(base: Base) -> Ints:
    """Each customer's first purchase day (the base's day for who never bought)."""
    first = np.full(base.size, base.as_of_day, np.int64)
    bought = (base.tx_amount >= 0) & (base.tx_day <= base.as_of_day)
    np.minimum.at(first, base.tx_customer[bought], base.tx_day[bought])
    return first


def _lifetime(base: Base, rules: Rules, warnings: list[str]) -> tuple[Lifetime, dict[str, Any]]:
    n = base.size
    zeros = np.zeros(n)
    empty = Lifetime(np.zeros(n, bool), zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy())
    purchases = base.tx_amount >= 0
    if not purchases.any():
        warnings.append("no purchases yet: lifetime value not estimated")
        return empty, {}
    value_rules = rules.value
    summary = summarize(
        base.tx_customer,
        EPOCH + base.tx_day,
        base.tx_amount,
        observation_end=EPOCH + base.as_of_day,
        unit_days=value_rules.unit_days,
    )
    warnings += summary.warnings
    model = pareto_nbd if value_rules.purchase_model == "pareto_nbd" else bgnbd
    try:
        purchase_fit = model.fit(summary.frequency, summary.recency, summary.age)
    except ValueError as exc:
        warnings.append(f"purchase model not fitted: {exc}")
        return empty, {}
    spend_fit = _spend_model(summary, warnings)
    if spend_fit is None:
        return empty, {"purchases": _params(purchase_fit)}
    scored = score(
        purchase_fit,
        spend_fit,
        frequency=summary.frequency,
        recency=summary.recency,
        age=summary.age,
        monetary=summary.monetary,
        unit_days=value_rules.unit_days,
        months=value_rules.horizon_months,
        monthly_discount=value_rules.monthly_discount,
    )
    where = np.asarray(summary.customers, dtype=np.int64)
    out = Lifetime(np.zeros(n, bool), zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy())
    out.valid[where] = True
    out.p_alive[where] = np.nan_to_num(scored.p_alive)
    out.expected_purchases[where] = np.nan_to_num(scored.expected_purchases)
    out.expected_spend[where] = np.nan_to_num(scored.expected_spend)
    out.clv[where] = np.nan_to_num(scored.value)
    if not purchase_fit.converged:
        warnings.append(f"purchase model: {purchase_fit.message}")
    return out, {"purchases": _params(purchase_fit), "spend": _params(spend_fit)}


def _spend_model(summary: Any, warnings: list[str]) -> gamma_gamma.GammaGamma | None:
    try:
        fitted = gamma_gamma.fit(summary.frequency, summary.monetary)
    except ValueError as exc:
        warnings.append(f"spend model not fitted ({exc}): lifetime value not estimated")
        return None
    if not fitted.converged:
        warnings.append(f"spend model: {fitted.message}")
    return fitted


def _params(model: Any) -> dict[str, Any]:
    names = [
        n for n in ("r", "alpha", "a", "b", "s", "beta", "p", "q", "gamma") if hasattr(model, n)
    ]
    found = {name: _finite(getattr(model, name)) for name in names}
    found["log_likelihood"] = _finite(model.log_likelihood)
    found["customers"] = int(model.customers)
    found["converged"] = bool(model.converged)
    return found


def _spend_since(base: Base, first_day: int) -> Floats:
    recent = base.tx_day > first_day
    return np.clip(
        np.bincount(base.tx_customer[recent], base.tx_amount[recent], minlength=base.size), 0, None
    )


def _next_purchase(lifetime: Lifetime, today: int, horizon_months: int) -> Ints:
    """The day the next purchase is expected: the horizon over the purchases expected in it,
    for customers more likely active than not; -1 when none is expected within it."""
    horizon = horizon_months * 365.25 / 12
    expected = lifetime.expected_purchases
    likely = lifetime.valid & (lifetime.p_alive >= 0.5) & (expected * lifetime.p_alive >= 0.5)
    gap = np.divide(horizon, expected, out=np.full(expected.size, np.inf), where=expected > 0)
    return np.where(likely & (gap <= horizon), today + np.ceil(gap), -1).astype(np.int64)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _unique(warnings: list[str]) -> list[str]:
    return list(dict.fromkeys(warnings))
