"""The analytics signals the next-best-offer ranks by, shaped for one customer at a time and
cheap at a million customers: the cross-sell rules (read whole once a minute: the rule set is
bounded when mined) and the plans the customer has outgrown (the plan ladder per unit kept
for a minute, instead of a scan of every reading on each request)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from lealtad.analytics.models import AssociationRule, UsageReading
from lealtad.analytics.selectors.usage import MONTHS, UsageRulesLike, months_until
from lealtad.customer_value.upsell import Plan, cross_sell, usage_signals

TTL = 60.0  # seconds a process trusts its copy of the rules and plan ladders
_rules: tuple[float, list[AssociationRule]] = (0.0, [])
_ladders: dict[str, tuple[float, list[Plan]]] = {}


def forget() -> None:
    """Drop this process's copies (tests, or rules just mined)."""
    global _rules
    _rules = (0.0, [])
    _ladders.clear()


def _stored_rules() -> list[AssociationRule]:
    global _rules
    at, rows = _rules
    if time.monotonic() - at > TTL:
        fields = ("antecedent", "consequent", "confidence", "lift")
        rows = list(AssociationRule.objects.only(*fields))
        _rules = (time.monotonic(), rows)
    return rows


def cross_sell_signals(bought: set[str]) -> dict[str, tuple[float, float]]:
    """(confidence, lift) of the best rule recommending each product code to a customer who
    bought ``bought``, for single-product consequents."""
    if not bought:
        return {}
    found: dict[str, tuple[float, float]] = {}
    for offer in cross_sell(bought, _stored_rules(), limit=1000):
        if len(offer.items) == 1:
            found.setdefault(str(offer.items[0]), (offer.confidence, offer.lift))
    return found


def _ladder(unit: str) -> list[Plan]:
    at, plans = _ladders.get(unit, (0.0, []))
    if time.monotonic() - at > TTL:
        rows = UsageReading.objects.filter(unit=unit).values_list("plan", "allowance").distinct()
        best: dict[str, float] = {}
        for code, allowance in rows:
            best[code] = max(allowance, best.get(code, 0.0))
        plans = sorted((Plan(c, a) for c, a in best.items()), key=lambda p: p.allowance)
        _ladders[unit] = (time.monotonic(), plans)
    return plans


def outgrown_plans(customer_id: int, today: date, rules: UsageRulesLike) -> dict[str, Any]:
    """The plan each unit's use calls for, by plan code, with the ratio of peak use to the
    allowance: ``{"100h": 2.25}`` for the seed's 40-hour customer using 90 hours."""
    months = months_until(today, MONTHS)
    rows = UsageReading.objects.filter(customer_id=customer_id, period__in=months)
    by_unit: dict[str, list[tuple[str, float, float, str]]] = {}
    for unit, period, allows, spent, plan in rows.values_list(
        "unit", "period", "allowance", "used", "plan"
    ):
        by_unit.setdefault(unit, []).append((period, allows, spent, plan))
    found: dict[str, float] = {}
    for unit, readings in by_unit.items():
        readings.sort()
        used = [[float("nan")] * len(months)]
        for period, _allowance, value, _plan in readings:
            used[0][months.index(period)] = value
        allowance = readings[-1][1]
        plans = _ladder(unit)
        if not plans:
            continue
        for signal in usage_signals(
            [customer_id], [allowance], used, plans, ratio=rules.ratio, periods=rules.periods
        ):
            if signal.suggested:
                found[str(signal.suggested)] = signal.peak_usage / signal.allowance
    return found
