"""Who each customer is worth: one customer's value, the tiers, the migrants, the runs.

The figures live on the customer's standing (written back by the refresh through the
customers context); the history of tiers is the analytics context's own
(:class:`~lealtad.analytics.models.TierChange`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from django.utils import timezone

from lealtad.analytics.choices import driver_label
from lealtad.analytics.models import RefreshRun, TierChange
from lealtad.customers.choices import ChurnBand, LifecycleStage, ValueTier
from lealtad.customers.selectors import standing as customer_standing

TIERS = [t.value for t in ValueTier]


def customer_value(customer_id: int) -> dict[str, Any] | None:
    """The customer-value page's figures, or None before the customer's first refresh."""
    found = customer_standing.standing_of(customer_id)
    if found is None:
        return None
    return {
        "customer_id": customer_id,
        "tier": found["value_tier"],
        "tier_label": str(ValueTier(found["value_tier"]).label),
        "tier_since": found["tier_since"],
        "rfm": {
            "r": found["rfm_recency"],
            "f": found["rfm_frequency"],
            "m": found["rfm_monetary"],
            "code": found["rfm_code"],
        },
        "historic_value": found["historic_value"],
        "cost_to_serve": found["cost_to_serve"],
        "clv": found["clv"],
        "p_alive": found["p_alive"],
        "expected_purchases": found["expected_purchases"],
        "expected_spend": found["expected_spend"],
        "churn_risk": found["churn_risk"],
        "churn_band": found["churn_band"],
        "churn_band_label": str(ChurnBand(found["churn_band"]).label),
        "churn_drivers": [
            {**driver, "label": driver_label(driver.get("code", ""))}
            for driver in found["churn_drivers"]
        ],
        "lifecycle_stage": found["lifecycle_stage"],
        "lifecycle_label": str(LifecycleStage(found["lifecycle_stage"]).label),
        "lifecycle_since": found["lifecycle_since"],
        "orders": found["orders"],
        "last_purchase_on": found["last_purchase_on"],
        "next_purchase_expected": found["next_purchase_expected"],
        "computed_at": found["computed_at"],
        "tier_history": tier_history(customer_id),
    }


def summary_of(found: dict[str, Any]) -> dict[str, Any]:
    """The short form the customer 360 shows (JSON-ready)."""
    keys = (
        "customer_id",
        "tier",
        "tier_label",
        "churn_band",
        "churn_band_label",
        "churn_drivers",
        "lifecycle_stage",
        "lifecycle_label",
        "orders",
    )
    out = {key: found[key] for key in keys}
    out["rfm"] = found["rfm"]["code"]
    for key in ("clv", "historic_value", "p_alive", "churn_risk"):
        out[key] = None if found[key] is None else float(found[key])
    for key in (
        "tier_since",
        "lifecycle_since",
        "last_purchase_on",
        "next_purchase_expected",
        "computed_at",
    ):
        out[key] = found[key].isoformat() if found[key] else None
    return out


def tier_history(customer_id: int) -> list[dict[str, Any]]:
    """Each tier the customer held, oldest first, with the day it began and ended."""
    changes = list(
        TierChange.objects.filter(customer_id=customer_id)
        .order_by("changed_on", "id")
        .values_list("to_tier", "changed_on")
    )
    history = []
    for i, (tier, since) in enumerate(changes):
        until = changes[i + 1][1] if i + 1 < len(changes) else None
        history.append({"tier": tier, "valid_from": since, "valid_to": until})
    return history


def tier_overview() -> list[dict[str, Any]]:
    """Customers, lifetime value and historic value per tier (every tier, zeros included)."""
    found = {row["value_tier"]: row for row in customer_standing.tier_totals()}
    rows = []
    for tier in TIERS:
        row = found.get(tier, {})
        customers = row.get("customers") or 0
        clv = float(row.get("clv") or 0)
        rows.append(
            {
                "tier": tier,
                "label": str(ValueTier(tier).label),
                "customers": customers,
                "clv_total": round(clv, 2),
                "avg_clv": round(clv / customers, 2) if customers else 0.0,
                "historic_value": round(float(row.get("value") or 0), 2),
            }
        )
    return rows


class TierTimeline:
    """The whole tier history read once, sorted by customer and day, so the tier every
    customer held on any day is a binary search (a year of monthly matrices over a million
    customers is one read and a few numpy passes, not one scan of the history per month)."""

    def __init__(self) -> None:
        rows = TierChange.objects.order_by("customer_id", "changed_on", "id").values_list(
            "customer_id", "to_tier", "changed_on"
        )
        customers, tiers, days = [], [], []
        codes = {tier: k for k, tier in enumerate(TIERS)}
        for customer, tier, day in rows.iterator(chunk_size=50_000):
            customers.append(customer)
            tiers.append(codes.get(tier, TIERS.index("unknown")))
            days.append(day.toordinal())
        self.customer = np.asarray(customers, dtype=np.int64)
        self.tier = np.asarray(tiers, dtype=np.int64)
        self.day = np.asarray(days, dtype=np.int64)
        self.people = np.unique(self.customer)
        self._key = self.customer * _DAYS + self.day

    def held_on(self, day: date) -> np.ndarray:
        """Each customer's tier position on ``day`` (-1: not yet assessed)."""
        if not self.people.size:
            return np.zeros(0, np.int64)
        at = np.searchsorted(self._key, self.people * _DAYS + day.toordinal(), "right") - 1
        found = (at >= 0) & (self.customer[np.maximum(at, 0)] == self.people)
        return np.where(found, self.tier[np.maximum(at, 0)], -1)

    def matrix(self, start: date, end: date) -> dict[str, Any]:
        """How many customers held each tier on ``start`` and each on ``end`` (the migrants
        are off the diagonal); '' stands for customers not yet assessed on ``start``."""
        was, now = self.held_on(start) + 1, self.held_on(end)
        seen = now >= 0
        size = len(TIERS)
        counts = np.bincount(was[seen] * size + now[seen], minlength=(size + 1) * size)
        matrix = counts.reshape(size + 1, size).tolist()
        moved = sum(matrix[i + 1][j] for i in range(size) for j in range(size) if i != j)
        return {
            "start": start,
            "end": end,
            "from": ["", *TIERS],
            "to": TIERS,
            "counts": matrix,
            "migrants": moved,
        }


_DAYS = 4_000_000  # above any date's ordinal: customer * _DAYS + day orders by both


def migration_matrix(start: date, end: date) -> dict[str, Any]:
    """How many customers held each tier on ``start`` and each tier on ``end``."""
    return TierTimeline().matrix(start, end)


def monthly_migrations(months: int = 12, today: date | None = None) -> list[dict[str, Any]]:
    """The migration matrix of each of the last ``months`` calendar months, oldest first."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    timeline = TierTimeline()
    out = []
    for back in range(months - 1, -1, -1):
        month_start = _add_months(first, -back)
        month_end = min(_add_months(month_start, 1) - timedelta(days=1), today)
        out.append(timeline.matrix(month_start - timedelta(days=1), month_end))
    return out


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def refresh_runs(limit: int = 20) -> list[RefreshRun]:
    return list(RefreshRun.objects.all()[:limit])


def refresh_run(run_id: int) -> RefreshRun | None:
    return RefreshRun.objects.filter(pk=run_id).first()


def last_done_run() -> RefreshRun | None:
    return RefreshRun.objects.filter(status=RefreshRun.Status.DONE).first()
