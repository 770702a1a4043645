"""Who has outgrown their plan: the seed's customer on a 40-hour plan who uses 90 hours.

The plan ladder is the plans customers are on (each plan's allowance, as the readings say),
so no one has to type it in; the signal is :func:`lealtad.customer_value.upsell.usage_signals`
(over ``ratio`` x the allowance in each of the last ``periods`` months).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

import numpy as np

from lealtad.analytics.models import UsageReading
from lealtad.customer_value.upsell import Plan, UsageSignal, usage_signals


class UsageRulesLike(Protocol):
    ratio: float
    periods: int


MONTHS = 12


def months_until(today: date, count: int = MONTHS) -> list[str]:
    """The ``count`` calendar months ending with ``today``'s, oldest first (``YYYY-MM``)."""
    first = today.year * 12 + today.month - 1 - (count - 1)
    return [f"{(first + i) // 12:04d}-{(first + i) % 12 + 1:02d}" for i in range(count)]


def ladder(unit: str) -> list[Plan]:
    plans = UsageReading.objects.filter(unit=unit).values_list("plan", "allowance").distinct()
    best: dict[str, float] = {}
    for code, allowance in plans:
        best[code] = max(allowance, best.get(code, 0.0))
    return sorted(
        (Plan(code, allowance) for code, allowance in best.items()), key=lambda p: p.allowance
    )


def outgrown(
    unit: str, today: date, rules: UsageRulesLike, customer_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """Customers over their plan for the last months in a row, most over first."""
    months = months_until(today)
    rows = UsageReading.objects.filter(unit=unit, period__in=months)
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=customer_ids)
    found = list(rows.values_list("customer_id", "period", "allowance", "used", "plan"))
    if not found:
        return []
    customers = sorted({r[0] for r in found})
    where = {c: i for i, c in enumerate(customers)}
    used = np.full((len(customers), len(months)), np.nan)
    allowance, plan = np.zeros(len(customers)), [""] * len(customers)
    latest = [""] * len(customers)
    for cid, period, allows, value, code in found:
        i = where[cid]
        used[i, months.index(period)] = value
        if period >= latest[i]:
            latest[i], allowance[i], plan[i] = period, allows, code
    signals = usage_signals(
        customers,
        allowance,
        used,
        ladder(unit),
        ratio=rules.ratio,
        periods=rules.periods,
    )
    out = [_signal(s, unit, plan[where[int(s.customer)]]) for s in signals]  # type: ignore[call-overload]
    return sorted(out, key=lambda s: -s["peak_usage"] / s["allowance"])


def upsell_for(customer_id: int, today: date, rules: UsageRulesLike) -> list[dict[str, Any]]:
    """The customer's plans they have outgrown (one per unit), for the 360 and the offers."""
    units = UsageReading.objects.filter(customer_id=customer_id).values_list("unit", flat=True)
    out = []
    for unit in sorted(set(units)):
        out += outgrown(unit, today, rules, [customer_id])
    return out


def _signal(signal: UsageSignal, unit: str, plan: str) -> dict[str, Any]:
    return {
        "customer_id": int(signal.customer),  # type: ignore[call-overload]
        "unit": unit,
        "plan": plan,
        "allowance": signal.allowance,
        "peak_usage": signal.peak_usage,
        "periods_over": signal.periods_over,
        "suggested_plan": signal.suggested,
    }
