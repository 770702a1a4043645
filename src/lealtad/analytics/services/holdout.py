"""Is each tier's forecast worth trusting? The holdout check, tier by tier.

Assess the base as it stood ``weeks`` ago — the same models, rules and tiers the refresh
uses, fed only what was known then — and compare each tier's forecast purchases and spend
for those weeks with what its customers actually did since. A forecast right on average but
wrong for the most valuable tier (where the budget goes) shows here and nowhere else. It
writes nothing: the answer is for the manager who decides whether to believe the figures.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import numpy as np

from lealtad.analytics.selectors import cube as cube_reader
from lealtad.analytics.services import base as base_reader
from lealtad.analytics.services import rules as rule_book
from lealtad.analytics.services.assessment import assess
from lealtad.core.errors import DomainError
from lealtad.customer_value.tier_check import TierCheck, tier_check

WEEKS_PER_MONTH = 365.25 / 12 / 7


class HoldoutRefused(DomainError):
    code = "holdout_invalid"
    kind = "invalid"


def tier_holdout(weeks: int, today: date) -> dict[str, Any]:
    """Per tier, predicted against actual purchases and spend over the last ``weeks``."""
    if not 4 <= weeks <= 104:
        raise HoldoutRefused("weeks: between 4 and 104", field="weeks")
    cut = today - timedelta(weeks=weeks)
    rules = rule_book.current()
    horizon = max(1, round(weeks / WEEKS_PER_MONTH))
    then = dataclasses.replace(rules.value, horizon_months=horizon, monthly_discount=0.0)
    rules = rule_book.Rules({**rules.sections, "value": then})
    connection = cube_reader.connection()
    base = base_reader.load(connection, cut)
    share = base_reader.margin_share(connection, base.ids, then.assumed_margin)
    found = assess(base, rules, share)
    later = (base.tx_day > base.as_of_day) & (base.tx_day <= base_reader.day_number(today))
    bought = later & (base.tx_amount >= 0)
    actual_spend = np.bincount(base.tx_customer[later], base.tx_amount[later], base.size)
    actual_purchases = _purchase_days(base.tx_customer[bought], base.tx_day[bought], base.size)
    predicted = found.lifetime.expected_purchases
    return {
        "cut_off": cut,
        "until": today,
        "weeks": weeks,
        "purchases": _rows(tier_check(found.tiers, predicted=predicted, actual=actual_purchases)),
        "spend": _rows(
            tier_check(
                found.tiers,
                predicted=predicted * found.lifetime.expected_spend,
                actual=np.clip(actual_spend, 0, None),
            )
        ),
        "warnings": [w for w in found.warnings if "after" not in w],
    }


def _purchase_days(customer: np.ndarray, day: np.ndarray, size: int) -> np.ndarray:
    """Purchase days per customer (several orders on one day are one purchase, as the models
    count them)."""
    if not customer.size:
        return np.zeros(size)
    pairs = np.unique(np.stack([customer, day]), axis=1)
    return np.bincount(pairs[0], minlength=size).astype(np.float64)


def _rows(check: TierCheck) -> dict[str, Any]:
    return {
        "tiers": [dataclasses.asdict(row) for row in check.rows],
        "predicted_total": round(check.predicted_total, 2),
        "actual_total": round(check.actual_total, 2),
    }
