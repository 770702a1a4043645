"""Questions to the cube with the caller's scope applied: the one way the API, the
dashboards, the scorecard and the refresh read it. A :class:`~lealtad.olap.query.CubeError`
becomes a :class:`~lealtad.core.errors.DomainError` naming the parameter at fault."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
from django.utils.translation import gettext_lazy as _

from lealtad.analytics import cube_store
from lealtad.core.errors import DomainError
from lealtad.olap.engine import scope_sql
from lealtad.olap.query import CubeError, CubeQuery, Dimension, Scope
from lealtad.olap.result import CubeResult
from lealtad.olap.schema import DIMENSIONS, GRAINS, MEASURES, TABLES, dimensions_of


class CubeRefused(DomainError):
    code = "cube_query_invalid"
    kind = "invalid"
    template = _("The cube cannot answer this question: %(reason)s")


def refused(error: CubeError) -> CubeRefused:
    return CubeRefused(field=error.parameter, reason=error.message)


def query(scope: Scope, asked: CubeQuery) -> CubeResult:
    """The answer to ``asked`` over the rows ``scope`` lets the caller see."""
    try:
        return cube_store.cube().query(asked, scope)
    except CubeError as exc:
        raise refused(exc) from exc


def catalog(scope: Scope) -> dict[str, list[str]]:
    """Every dimension's values under ``scope`` (a store manager's stores only)."""
    return cube_store.cube().catalog(scope)


def describe_catalog(scope: Scope) -> dict[str, Any]:
    """The cube's vocabulary with the values the caller may filter on."""
    values = catalog(scope)
    return {
        "measures": [
            {"name": m.name, "money": m.money, "facts": sorted(m.sql)} for m in MEASURES.values()
        ],
        "dimensions": [
            {
                "name": name,
                "grains": list(GRAINS) if name == "date" else [],
                "facts": [
                    f
                    for f in ("orders", "order_lines", "returns", "contacts")
                    if name in dimensions_of(f)
                ],
                "values": values.get(name, []),
            }
            for name in DIMENSIONS
        ],
    }


def connection() -> duckdb.DuckDBPyConnection:
    """A cursor on the process's DuckDB connection where each fact table is a view (for the
    analytics refresh's own set-based reads). Unscoped: never hand its rows to a caller."""
    return cube_store.cube().cursor()


def fact_rows(table: str, scope: Scope) -> pa.Table:
    """One fact table's rows under ``scope``, for an outside warehouse (Parquet export)."""
    if table not in TABLES:
        raise CubeRefused(field="table", reason=f"unknown table {table!r}")
    if table == "customers":
        return _customers(scope)
    where, params = scope_sql(table, scope)
    join = (
        "LEFT JOIN customers c ON c.customer_id = f.customer_id"
        if any("c." in w for w in where)
        else ""
    )
    text = f"SELECT f.* FROM {table} f {join} WHERE {' AND '.join(where) or 'true'}"
    return cube_store.cube().arrow(text, params)


def _customers(scope: Scope) -> pa.Table:
    """Customers with an order, return or contact the scope lets the caller see (all of them
    for an unrestricted caller)."""
    if scope.unrestricted:
        return cube_store.cube().arrow("SELECT * FROM customers")
    parts, params = [], []
    for fact in ("orders", "returns", "contacts"):
        where, found = scope_sql(fact, scope)
        join = (
            "LEFT JOIN customers c ON c.customer_id = f.customer_id"
            if any("c." in w for w in where)
            else ""
        )
        parts.append(f"SELECT f.customer_id FROM {fact} f {join} WHERE {' AND '.join(where)}")
        params += found
    text = f"SELECT * FROM customers WHERE customer_id IN ({' UNION '.join(parts)})"
    return cube_store.cube().arrow(text, params)


# Reading a question from text (the API's query string, the CLI's options) ---------------------

MAX_TEXT = 2000


def _names(text: str, parameter: str) -> list[str]:
    if len(text) > MAX_TEXT:
        raise CubeRefused(field=parameter, reason="too long")
    return [part.strip() for part in text.split(",") if part.strip()]


def _dimensions(text: str, parameter: str) -> tuple[Dimension, ...]:
    try:
        return tuple(Dimension.parse(name, parameter) for name in _names(text, parameter))
    except CubeError as exc:
        raise refused(exc) from exc


def _filters(texts: list[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for text in texts:
        for part in _names_raw(text):
            name, colon, values = part.partition(":")
            name = name.strip()
            if not colon or not name:
                raise CubeRefused(field="filter", reason=f"{part!r} is not dimension:value,value")
            listed = tuple(v.strip() for v in values.split(",") if v.strip())
            if not listed:
                raise CubeRefused(field="filter", reason=f"no values for {name}")
            found[name] = tuple(dict.fromkeys(found.get(name, ()) + listed))
    return found


def _names_raw(text: str) -> list[str]:
    if len(text) > MAX_TEXT:
        raise CubeRefused(field="filter", reason="too long")
    return [p for p in text.split(";") if p.strip()]


def _day(text: str, parameter: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise CubeRefused(
            field=parameter, reason=f"{text[:40]!r} is not a date (YYYY-MM-DD)"
        ) from exc


def parse(
    measures: str,
    rows: str = "",
    columns: str = "",
    filters: list[str] | None = None,
    date_from: str = "",
    date_to: str = "",
) -> CubeQuery:
    """A :class:`CubeQuery` from the API's text parameters, checked; a refusal names the
    parameter (``measures``, ``rows``, ``columns``, ``filter``, ``from``, ``to``)."""
    asked = CubeQuery(
        measures=tuple(_names(measures, "measures")),
        rows=_dimensions(rows, "rows"),
        columns=_dimensions(columns, "columns"),
        filters=_filters(filters or []),
        date_from=_day(date_from, "from"),
        date_to=_day(date_to, "to"),
    )
    try:
        return asked.checked()
    except CubeError as exc:
        raise refused(exc) from exc
