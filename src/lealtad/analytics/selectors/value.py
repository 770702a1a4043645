"""Who each customer is worth: one customer's value, the tiers, the migrants, the runs.

The figures live on the customer's standing (written back by the refresh through the
customers context); the history of tiers is the analytics context's own
(:class:`~lealtad.analytics.models.TierChange`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import connection
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


def migration_matrix(start: date, end: date) -> dict[str, Any]:
    """How many customers held each tier on ``start`` and each tier on ``end`` (the migrants
    are off the diagonal); '' stands for customers not yet assessed on ``start``."""
    table = connection.ops.quote_name(TierChange._meta.db_table)
    held = (
        "SELECT customer_id, to_tier FROM (SELECT customer_id, to_tier, ROW_NUMBER() OVER "
        "(PARTITION BY customer_id ORDER BY changed_on DESC, id DESC) AS n "
        f"FROM {table} WHERE changed_on <= %s) AS latest WHERE n = 1"
    )
    sql = (
        f"SELECT COALESCE(s.to_tier, ''), e.to_tier, COUNT(*) FROM ({held}) AS e "
        f"LEFT JOIN ({held}) AS s ON s.customer_id = e.customer_id GROUP BY 1, 2"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [end, start])
        counts = cursor.fetchall()
    rows = ["", *TIERS]
    matrix = [[0] * len(TIERS) for _ in rows]
    for was, now, n in counts:
        if was in rows and now in TIERS:
            matrix[rows.index(was)][TIERS.index(now)] = n
    migrants = sum(
        n for i, line in enumerate(matrix) for j, n in enumerate(line) if i and rows[i] != TIERS[j]
    )
    return {
        "start": start,
        "end": end,
        "from": rows,
        "to": TIERS,
        "counts": matrix,
        "migrants": migrants,
    }


def monthly_migrations(months: int = 12, today: date | None = None) -> list[dict[str, Any]]:
    """The migration matrix of each of the last ``months`` calendar months, oldest first."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    out = []
    for back in range(months - 1, -1, -1):
        month_start = _add_months(first, -back)
        month_end = min(_add_months(month_start, 1) - timedelta(days=1), today)
        out.append(migration_matrix(month_start - timedelta(days=1), month_end))
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
