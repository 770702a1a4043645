"""The cube's vocabulary: its fact tables (columns and Arrow types), dimensions and measures.

Everything a query may name is listed here, and the SQL is built only from these entries, so
no text a user sends ever reaches SQL except as a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

# The customer's segment, tier and region copied onto each order and line when the facts are
# written (and laid over by the customers dimension's later changes in the views), so the
# questions by segment or tier read one table instead of joining a million customers.
ENRICHED = ("c_segment", "c_tier", "c_region")
_ENRICHED = tuple((name, pa.string()) for name in ENRICHED)
ENRICHED_TABLES = ("orders", "order_lines")

FACT_COLUMNS: dict[str, tuple[tuple[str, pa.DataType], ...]] = {
    "orders": (
        ("order_id", pa.int64()),
        ("customer_id", pa.int64()),
        ("placed_at", TS),
        ("day", pa.date32()),
        ("channel", pa.string()),
        ("store", pa.string()),
        ("region", pa.string()),
        ("status", pa.string()),
        ("revenue", pa.float64()),
        ("discount", pa.float64()),
        ("tax", pa.float64()),
        ("total", pa.float64()),
        ("cost", pa.float64()),
        ("units", pa.int64()),
        ("lines", pa.int64()),
        *_ENRICHED,
    ),
    "order_lines": (
        ("line_id", pa.int64()),
        ("order_id", pa.int64()),
        ("customer_id", pa.int64()),
        ("placed_at", TS),
        ("day", pa.date32()),
        ("channel", pa.string()),
        ("store", pa.string()),
        ("region", pa.string()),
        ("sku", pa.string()),
        ("product", pa.string()),
        ("category", pa.string()),
        ("quantity", pa.int64()),
        ("revenue", pa.float64()),
        ("discount", pa.float64()),
        ("cost", pa.float64()),
        ("returned_quantity", pa.int64()),
        ("returned_revenue", pa.float64()),
        *_ENRICHED,
    ),
    "returns": (
        ("return_id", pa.int64()),
        ("order_id", pa.int64()),
        ("customer_id", pa.int64()),
        ("created_at", TS),
        ("day", pa.date32()),
        ("channel", pa.string()),
        ("store", pa.string()),
        ("quantity", pa.int64()),
        ("amount", pa.float64()),
    ),
    "contacts": (
        ("contact_id", pa.int64()),
        ("customer_id", pa.int64()),
        ("occurred_at", TS),
        ("day", pa.date32()),
        ("channel", pa.string()),
        ("direction", pa.string()),
        ("kind", pa.string()),
    ),
    "customers": (
        ("customer_id", pa.int64()),
        ("created_at", TS),
        ("first_channel", pa.string()),
        ("region", pa.string()),
        ("segment", pa.string()),
        ("tier", pa.string()),
        ("lifecycle_stage", pa.string()),
    ),
}
TABLES = tuple(FACT_COLUMNS)

# A delta row replaces every earlier row of its table with the same key: an order's event
# re-reads the order, all its lines and all its returns, so lines and returns are keyed by the
# order they belong to.
SUPERSEDE_KEY = {
    "orders": "order_id",
    "order_lines": "order_id",
    "returns": "order_id",
    "contacts": "contact_id",
    "customers": "customer_id",
}
VERSION = "_version"  # a delta's outbox message id; the base snapshot's rows carry 0


def arrow_schema(table: str, *, versioned: bool = False) -> pa.Schema:
    fields = [pa.field(name, kind) for name, kind in FACT_COLUMNS[table]]
    if versioned:
        fields.append(pa.field(VERSION, pa.int64()))
    return pa.schema(fields)


GRAINS = ("day", "week", "month", "quarter", "year")

# Dimension -> the expression per fact ("c." is the customers dimension, joined when used).
# A fact that lacks a dimension cannot be cut by it.
_CUSTOMER = {"segment": "c.segment", "tier": "c.tier"}
_COPIED = {"segment": "f.c_segment", "tier": "f.c_tier"}
DIMENSION_SQL: dict[str, dict[str, str]] = {
    "orders": {"channel": "f.channel", "store": "f.store", "region": "f.region", **_COPIED},
    "order_lines": {
        "channel": "f.channel",
        "store": "f.store",
        "region": "f.region",
        "product": "f.product",
        "category": "f.category",
        **_COPIED,
    },
    "returns": {"channel": "f.channel", "store": "f.store", "region": "c.region", **_CUSTOMER},
    "contacts": {"channel": "f.channel", "region": "c.region", **_CUSTOMER},
}
DIMENSIONS = ("date", "channel", "store", "segment", "tier", "product", "category", "region")


@dataclass(frozen=True)
class Measure:
    """A measure: its SQL aggregate on each fact that can give it, and whether it is money."""

    name: str
    sql: dict[str, str]
    money: bool = False


# The rows each fact counts at all, as a filter the Parquet scan applies before anything
# else: an order called off counts for nothing, a line only for its units not cancelled (a
# line with none left adds nothing), a contact is not an order's step on the timeline.
FACT_FILTER = {
    "orders": "f.status <> 'cancelled'",
    "order_lines": "f.quantity > 0",
    "contacts": "f.kind <> 'order'",
}
MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure(
            "revenue", {"orders": "SUM(f.revenue)", "order_lines": "SUM(f.revenue)"}, money=True
        ),
        Measure(
            "margin",
            {"orders": "SUM(f.revenue - f.cost)", "order_lines": "SUM(f.revenue - f.cost)"},
            money=True,
        ),
        Measure("orders", {"orders": "COUNT(*)", "order_lines": "COUNT(DISTINCT f.order_id)"}),
        Measure(
            "customers",
            {
                "orders": "COUNT(DISTINCT f.customer_id)",
                "order_lines": "COUNT(DISTINCT f.customer_id)",
            },
        ),
        Measure("units", {"orders": "SUM(f.units)", "order_lines": "SUM(f.quantity)"}),
        Measure(
            "average_order_value",
            {
                "orders": "SUM(f.revenue) / NULLIF(COUNT(*), 0)",
                "order_lines": "SUM(f.revenue) / NULLIF(COUNT(DISTINCT f.order_id), 0)",
            },
            money=True,
        ),
        Measure("returns", {"returns": "SUM(f.amount)"}, money=True),
        Measure("returned_units", {"returns": "SUM(f.quantity)"}),
        Measure("contacts", {"contacts": "COUNT(*)"}),
        Measure("contacting_customers", {"contacts": "COUNT(DISTINCT f.customer_id)"}),
    )
}

# Where a measure can come from two facts, the narrower (orders) is read unless the query
# cuts by a dimension only the wider one has (product, category).
PREFERENCE = ("orders", "order_lines", "returns", "contacts")


def dimensions_of(fact: str) -> frozenset[str]:
    return frozenset(DIMENSION_SQL[fact]) | {"date"}
