"""In-memory facts for the channel-economics tests: DuckDB views named as the cube's, over
Arrow tables built from a few plain rows (the columns facts.md lists; unnamed ones default)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from lealtad.olap.schema import FACT_COLUMNS, TABLES, arrow_schema

_DEFAULTS = {"string": "", "int64": 0, "double": 0.0}


def _fill(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in FACT_COLUMNS[table]:
        if name in row:
            out[name] = row[name]
        elif name == "placed_at" or name in ("created_at", "occurred_at"):
            day = row.get("day", dt.date(2024, 1, 1))
            out[name] = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        elif name == "status":
            out[name] = "completed"
        elif name == "cost":
            out[name] = None
        else:
            out[name] = _DEFAULTS.get(str(kind))
    return out


def connect(**tables: Sequence[Mapping[str, Any]]) -> duckdb.DuckDBPyConnection:
    """A connection where every fact table is a view (empty unless given rows)."""
    con = duckdb.connect(":memory:")
    for table in TABLES:
        rows = [_fill(table, r) for r in tables.get(table, ())]
        schema = arrow_schema(table)
        data = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
        con.register(f"_{table}_data", data)
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM _{table}_data")
    return con


def order(
    order_id: int,
    customer: int | None,
    day: dt.date,
    channel: str = "web",
    revenue: float = 10.0,
    **more: Any,
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "customer_id": customer,
        "day": day,
        "channel": channel,
        "revenue": revenue,
        **more,
    }
