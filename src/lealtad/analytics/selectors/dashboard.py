"""The executive dashboard's figures, read through the cube and the other analytics
selectors with the caller's row-level scope, and shaped for the page's charts and tables.

The filters (period, channel, store) narrow what is read, never widen it: a channel or store
chosen outside the caller's scope shows nothing, and the choices offered are the ones the
scope lets the caller see (the cube's catalog).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from lealtad.analytics import charts
from lealtad.analytics.selectors import cube, economics, value
from lealtad.customers.choices import ValueTier
from lealtad.olap.engine import scope_sql
from lealtad.olap.query import CubeQuery, Dimension, Scope

PERIODS = (
    ("12m", _("Last 12 months")),
    ("year", _("This year")),
    ("last_year", _("Last year")),
    ("all", _("All time")),
)
TIER_ORDER = ("mvc", "mgc", "regular", "below_zero", "unknown")


def tier_label(tier: str) -> str:
    return str(ValueTier(tier).label) if tier in ValueTier.values else tier


@dataclass(frozen=True)
class Filters:
    period: str = "12m"
    channel: str = ""
    store: str = ""

    @classmethod
    def read(cls, params: Any) -> Filters:
        period = params.get("period", "12m")
        return cls(
            period=period if period in dict(PERIODS) else "12m",
            channel=(params.get("channel") or "").strip()[:60],
            store=(params.get("store") or "").strip()[:60],
        )

    def dates(self, today: date) -> tuple[date | None, date | None]:
        if self.period == "year":
            return date(today.year, 1, 1), today
        if self.period == "last_year":
            return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
        if self.period == "all":
            return None, None
        return today - timedelta(days=365), today


def narrowed(scope: Scope, filters: Filters) -> Scope:
    """The scope with the chosen channel and store: within what it allowed, or nothing."""

    def within(allowed: frozenset[str] | None, chosen: str) -> frozenset[str] | None:
        if not chosen:
            return allowed
        return frozenset({chosen}) if allowed is None or chosen in allowed else frozenset()

    return replace(
        scope,
        channels=within(scope.channels, filters.channel),
        stores=within(scope.stores, filters.store),
    )


def _ask(
    scope: Scope,
    filters: Filters,
    today: date,
    measures: tuple[str, ...],
    rows: tuple[Dimension, ...] = (),
    columns: tuple[Dimension, ...] = (),
) -> Any:
    start, end = filters.dates(today)
    asked = CubeQuery(measures=measures, rows=rows, columns=columns, date_from=start, date_to=end)
    return cube.query(scope, asked)


def kpis(scope: Scope, filters: Filters, today: date) -> dict[str, Any]:
    found = _ask(
        scope, filters, today, ("revenue", "margin", "orders", "customers", "average_order_value")
    )
    totals = dict(zip(found.measures, found.records[0][1], strict=True)) if found.records else {}
    revenue = totals.get("revenue")
    margin = totals.get("margin")
    returns = _ask(scope, filters, today, ("returns",))
    returned = returns.records[0][1][0] if returns.records else None
    return {
        "revenue": revenue,
        "orders": totals.get("orders"),
        "customers": totals.get("customers"),
        "average_order": totals.get("average_order_value"),
        "margin_pct": 100 * margin / revenue if revenue and margin is not None else None,
        "returns_pct": 100 * returned / revenue if revenue and returned is not None else None,
    }


def _by(scope: Scope, filters: Filters, today: date, dimension: str) -> list[dict[str, Any]]:
    found = _ask(scope, filters, today, ("revenue", "customers"), rows=(Dimension(dimension),))
    return found.as_dicts()


def tier_panels(scope: Scope, filters: Filters, today: date) -> list[dict[str, Any]]:
    rows = {r["tier"]: r for r in _by(scope, filters, today, "tier")}
    tiers = [t for t in TIER_ORDER if t in rows] + sorted(set(rows) - set(TIER_ORDER))
    labels = [tier_label(t) for t in tiers]
    revenue = charts.series(labels, (_("Revenue"), [rows[t]["revenue"] for t in tiers]))
    customers = charts.series(labels, (_("Customers"), [rows[t]["customers"] for t in tiers]))
    customers["each"] = True  # the doughnut's colour for each tier
    return [
        charts.panel("tier-revenue", _("Revenue by value tier"), "doughnut", "money", revenue),
        charts.panel("tier-customers", _("Customers by value tier"), "bar", "count", customers),
    ]


def channel_panels(scope: Scope, filters: Filters, today: date) -> list[dict[str, Any]]:
    rows = sorted(_by(scope, filters, today, "channel"), key=lambda r: -(r["revenue"] or 0))
    labels = [r["channel"] or "—" for r in rows]
    revenue = charts.series(labels, (_("Revenue"), [r["revenue"] for r in rows]))
    customers = charts.series(labels, (_("Customers"), [r["customers"] for r in rows]))
    return [
        charts.panel("channel-revenue", _("Revenue by channel"), "hbar", "money", revenue),
        charts.panel("channel-customers", _("Customers by channel"), "hbar", "count", customers),
    ]


def revenue_trend(scope: Scope, filters: Filters, today: date) -> dict[str, Any]:
    found = _ask(
        scope,
        filters,
        today,
        ("revenue",),
        rows=(Dimension("date", "month"),),
        columns=(Dimension("tier"),),
    )
    months = sorted({r["date:month"] for r in found.as_dicts()})
    tiers = [t for t in TIER_ORDER if any(r["tier"] == t for r in found.as_dicts())]
    cell = {(r["date:month"], r["tier"]): r["revenue"] for r in found.as_dicts()}
    chart = charts.series(
        [m[:7] for m in months],
        *[(tier_label(t), [cell.get((m, t)) for m in months]) for t in tiers],
    )
    return charts.panel(
        "revenue-trend", _("Revenue by month and tier"), "stacked", "money", chart, wide=True
    )


def lifetime_value(scope: Scope) -> dict[str, Any] | None:
    """Average and total lifetime value per tier from the last refresh. Per customer, not per
    store, so only for a caller whose scope is everything."""
    if not scope.unrestricted:
        return None
    rows = [r for r in value.tier_overview() if r["customers"]]
    if not rows:
        return None
    table = charts.series(
        [r["label"] for r in rows],
        (_("Average lifetime value"), [r["avg_clv"] for r in rows]),
        (_("Customers"), [r["customers"] for r in rows]),
        (_("Total lifetime value"), [r["clv_total"] for r in rows]),
        (_("Value so far"), [r["historic_value"] for r in rows]),
    )
    shown = {**charts.only(table, 0), "each": True}
    return charts.panel(
        "tier-clv",
        _("Lifetime value by tier"),
        "bar",
        "money",
        shown,
        note=_("Expected from now on, discounted; from the last refresh."),
        table=table,
        units=("money", "count", "money", "money"),
    )


# Seed 003's ladder, most valuable first; a move up it is an upgrade.
LADDER = ("mvc", "mgc", "regular", "below_zero")


def migrants_by_month(scope: Scope, today: date, months: int = 12) -> dict[str, Any] | None:
    """Customers who moved up or down the value ladder in each of the last months (first
    assessments and moves from or to 'no purchases yet' are not counted). Unrestricted only,
    as tiers are per customer."""
    if not scope.unrestricted:
        return None
    labels, up, down = [], [], []
    for found in value.monthly_migrations(months, today):
        rise = fall = 0
        for i, was in enumerate(found["from"]):
            for j, now in enumerate(found["to"]):
                if was in LADDER and now in LADDER and was != now:
                    n = found["counts"][i][j]
                    if LADDER.index(now) < LADDER.index(was):
                        rise += n
                    else:
                        fall += n
        labels.append(found["end"].strftime("%Y-%m"))
        up.append(rise)
        down.append(fall)
    if not any(up) and not any(down):
        return None
    chart = charts.series(labels, (_("Moved up"), up), (_("Moved down"), down))
    return charts.panel("migrants-trend", _("Migrants by month"), "stacked", "count", chart)


def migration(scope: Scope, today: date) -> dict[str, Any] | None:
    """This month's migrants (tier on the last day of last month against today). Tiers are
    per customer, not per store, so a caller limited to some stores does not see them."""
    if not scope.unrestricted:
        return None
    found = value.migration_matrix(today.replace(day=1) - timedelta(days=1), today)
    names = [tier_label(t) if t else _("not assessed") for t in found["from"]]
    columns = [tier_label(t) for t in found["to"]]
    return {
        "columns": columns,
        "rows": charts.matrix_rows(names, columns, found["counts"]),
        "migrants": found["migrants"],
        "start": found["start"],
        "end": found["end"],
    }


def customer_in_scope(scope: Scope, customer_id: int) -> bool:
    """Whether a caller limited to some stores, channels or regions may see this customer's
    value: they bought (an order not cancelled) somewhere the scope allows."""
    if scope.unrestricted:
        return True
    where, params = scope_sql("orders", scope)
    join = (
        "LEFT JOIN customers c ON c.customer_id = f.customer_id"
        if any("c." in w for w in where)
        else ""
    )
    text = (
        f"SELECT 1 FROM orders f {join} WHERE f.customer_id = ? AND f.status <> 'cancelled' "
        f"AND {' AND '.join(where) or 'true'} LIMIT 1"
    )
    cursor = cube.connection()
    try:
        return cursor.execute(text, [customer_id, *params]).fetchone() is not None
    finally:
        cursor.close()


def catalog(scope: Scope) -> dict[str, list[str]]:
    return cube.catalog(scope)


def channel_curve(scope: Scope) -> dict[str, Any] | None:
    """Seed 001's curve: average annual sales of customers buying in 1, 2, 3+ channels, in
    the latest whole year (else the latest year there is)."""
    rows = economics.channel_curve(scope)
    years = sorted({r["year"] for r in rows})
    if not years:
        return None
    whole = [y for y in years if not any(r["partial"] for r in rows if r["year"] == y)]
    year = (whole or years)[-1]
    shown = [r for r in rows if r["year"] == year]
    table = charts.series(
        [r["label"] for r in shown],
        (_("Average annual sales"), [r["average_annual_sales"] for r in shown]),
        (_("Customers"), [r["customers"] for r in shown]),
    )
    note = _("Customers by how many channels they bought through in %(year)s.") % {"year": year}
    if year not in whole:
        note = f"{note} {_('The year is not over yet.')}"
    return charts.panel(
        "channel-curve",
        _("Average annual sales by number of channels"),
        "bar",
        "money",
        charts.only(table, 0),
        note=note,
        table=table,
        units=("money", "count"),
    )


def cohort_heat(scope: Scope, months: int = 12, latest: int = 18) -> dict[str, Any] | None:
    """Monthly acquisition cohorts (the latest ``latest``) by months since the first order:
    the share of each cohort still buying, as a heat map table."""
    found = economics.cohort_matrix(scope, "retention", months)
    rows = found["cohorts"][-latest:]
    if not rows:
        return None
    labels = [str(r["cohort"])[:7] for r in rows]
    cells = [[None if v is None else 100 * v for v in r["cells"]] for r in rows]
    heat = charts.heat_rows(labels, cells)
    for row, source in zip(heat, rows, strict=True):
        row["customers"] = source["customers"]
    return {"months": list(range(months)), "rows": heat, "as_of": found["as_of"]}
