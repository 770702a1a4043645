"""The scorecard's KPI values, computed from the cube's facts under the caller's scope (and,
for the learning perspective, from the customers context).

Each KPI reads one small aggregate; a KPI the data cannot give (no orders in the period, no
cost known, a caller limited to some stores asking about every customer's identity) is None,
shown as '—', never a made-up zero.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from lealtad.analytics import cube_store
from lealtad.analytics.selectors import cube
from lealtad.customers.selectors import coverage
from lealtad.olap.engine import scope_sql
from lealtad.olap.query import CubeQuery, Scope

KEEP = 64  # scorecards kept (scope x period), the oldest dropped first
_kept: OrderedDict[tuple, dict[str, float | None]] = OrderedDict()
_lock = threading.Lock()
FULFILLED = ("delivered", "completed", "returned", "partly_returned")
AT_RISK = ("lapsing", "lapsed")


def _ratio(part: float | None, whole: float | None, scale: float = 100.0) -> float | None:
    if part is None or not whole:
        return None
    return scale * float(part) / float(whole)


def _where(fact: str, scope: Scope, start: date, end: date) -> tuple[str, str, list[Any]]:
    """(join, where, params) for ``fact`` rows under ``scope`` in [start, end]."""
    conditions, params = scope_sql(fact, scope)
    conditions = [*conditions, "f.day >= ?", "f.day <= ?"]
    params = [*params, start, end]
    join = "LEFT JOIN customers c ON c.customer_id = f.customer_id"
    return (join if any("c." in c for c in conditions) else ""), " AND ".join(conditions), params


def _one(text: str, params: Sequence[Any]) -> tuple[Any, ...]:
    cursor = cube.connection()
    try:
        row = cursor.execute(text, list(params)).fetchone()
    finally:
        cursor.close()
    return tuple(row) if row else ()


def _measures(scope: Scope, start: date, end: date, **filters: str) -> dict[str, Any]:
    asked = CubeQuery(
        measures=("revenue", "orders", "customers"),
        filters={k: (v,) for k, v in filters.items()},
        date_from=start,
        date_to=end,
    )
    found = cube.query(scope, asked)
    if not found.records:
        return {}
    return dict(zip(found.measures, found.records[0][1], strict=True))


def _contacts(scope: Scope, start: date, end: date) -> Any:
    found = cube.query(scope, CubeQuery(measures=("contacts",), date_from=start, date_to=end))
    return found.records[0][1][0] if found.records else None


def _lines(scope: Scope, start: date, end: date) -> tuple[Any, ...]:
    join, where, params = _where("order_lines", scope, start, end)
    return _one(
        "SELECT SUM(f.revenue - f.cost) FILTER (WHERE f.cost IS NOT NULL), "
        "SUM(f.revenue) FILTER (WHERE f.cost IS NOT NULL), SUM(f.returned_revenue), "
        f"SUM(f.revenue) FROM order_lines f {join} WHERE {where}",
        params,
    )


def _orders(scope: Scope, start: date, end: date, previous: tuple[date, date]) -> tuple:
    """Fulfilled and live orders; multichannel buyers; buyers of the previous period and how
    many of them bought again in this one."""
    join, where, params = _where("orders", scope, start, end)
    _j, before, before_params = _where("orders", scope, *previous)
    done = ", ".join("?" for _ in FULFILLED)
    return _one(
        f"WITH now AS (SELECT f.customer_id, f.channel, f.status FROM orders f {join} "
        f"WHERE {where} AND f.status <> 'cancelled'), "
        f"was AS (SELECT DISTINCT f.customer_id FROM orders f {_j} "
        f"WHERE {before} AND f.status <> 'cancelled' AND f.customer_id IS NOT NULL), "
        "per AS (SELECT customer_id, COUNT(DISTINCT channel) AS n FROM now "
        "WHERE customer_id IS NOT NULL GROUP BY 1) "
        f"SELECT (SELECT COUNT(*) FILTER (WHERE status IN ({done})) FROM now), "
        "(SELECT COUNT(*) FROM now), "
        "(SELECT COUNT(*) FILTER (WHERE n >= 2) FROM per), (SELECT COUNT(*) FROM per), "
        "(SELECT COUNT(*) FROM was), "
        "(SELECT COUNT(*) FROM was WHERE customer_id IN (SELECT customer_id FROM per))",
        [*params, *before_params, *FULFILLED],
    )


def _at_risk(scope: Scope, end: date) -> tuple[Any, ...]:
    """Customers who ever bought (under the scope, up to ``end``) and how many of them the
    last refresh found lapsing or lapsed."""
    join, where, params = _where("orders", scope, date(1900, 1, 1), end)
    risky = ", ".join("?" for _ in AT_RISK)
    return _one(
        f"WITH buyers AS (SELECT DISTINCT f.customer_id FROM orders f {join} WHERE {where} "
        "AND f.status <> 'cancelled' AND f.customer_id IS NOT NULL) "
        f"SELECT COUNT(*) FILTER (WHERE d.lifecycle_stage IN ({risky})), COUNT(*) "
        "FROM buyers b LEFT JOIN customers d ON d.customer_id = b.customer_id",
        [*params, *AT_RISK],
    )


def values(scope: Scope, start: date, end: date, previous_start: date) -> dict[str, float | None]:
    """Every KPI over [start, end] (end: the period's last day, or today while it runs);
    growth and retention compare with the same number of days from ``previous_start``.

    The cube's figures are kept until new facts land (as the cube keeps its answers): a
    scorecard read again costs nothing, one read after new orders reads them. The identity
    and consent shares come from the customers context each time."""
    key = (cube_store.cube().store.signature(), scope, start, end, previous_start)
    with _lock:
        found = _kept.get(key)
    if found is None:
        found = _from_facts(scope, start, end, previous_start)
        with _lock:
            _kept[key] = found
            while len(_kept) > KEEP:
                _kept.popitem(last=False)
    known = coverage.identity_coverage() if scope.unrestricted else None
    return {
        **found,
        "known_identity": _ratio(known["known"], known["customers"]) if known else None,
        "consented": _ratio(known["consented"], known["customers"]) if known else None,
    }


def _from_facts(
    scope: Scope, start: date, end: date, previous_start: date
) -> dict[str, float | None]:
    previous = (previous_start, previous_start + (end - start))
    now = _measures(scope, start, end)
    before = _measures(scope, *previous)
    mvc = _measures(scope, start, end, tier="mvc")
    margin, costed, returned, line_revenue = _lines(scope, start, end) or (None,) * 4
    fulfilled, live, multi, buyers, was, kept = _orders(scope, start, end, previous)
    lapsing, ever = _at_risk(scope, end)
    revenue, orders = now.get("revenue"), now.get("orders")
    growth = _ratio((revenue or 0) - (before.get("revenue") or 0), before.get("revenue"))
    return {
        "revenue": revenue,
        "margin": _ratio(margin, costed),
        "revenue_growth": growth,
        "average_order": _ratio(revenue, orders, 1.0),
        "active_customers": now.get("customers") if now else None,
        "retention": _ratio(kept, was),
        "mvc_share": _ratio(mvc.get("revenue") or 0, revenue),
        "at_risk": _ratio(lapsing, ever),
        "fulfilled": _ratio(fulfilled, live),
        "returns_rate": _ratio(returned, line_revenue),
        "contacts_per_order": _ratio(_contacts(scope, start, end), orders, 1.0),
        "multichannel": _ratio(multi, buyers),
    }


def span(start: date, end_exclusive: date, today: date) -> tuple[date, date]:
    """The days of a period read so far: to its last day, or to today while it runs."""
    return start, min(end_exclusive - timedelta(days=1), today)
