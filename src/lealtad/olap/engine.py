"""The cube's engine: one DuckDB connection per process, a view per fact over its Parquet
files, and the SQL of a :class:`~lealtad.olap.query.CubeQuery` built from the whitelist in
:mod:`.schema` with every value a bound parameter.

Each table's view is its newest base snapshot with the rows the incremental feed re-read
laid over it: a base row whose key has a delta gives way to the latest delta of that key. The
views are rebuilt when the files change (a listing per query: microseconds), so a delta is
visible to the next query that starts after it is renamed into place.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import duckdb

from lealtad.olap.query import CubeError, CubeQuery, Dimension, Scope, fact_for
from lealtad.olap.result import CubeResult, merge
from lealtad.olap.schema import (
    DIMENSION_SQL,
    FACT_COLUMNS,
    MEASURES,
    SUPERSEDE_KEY,
    TABLES,
    VERSION,
    dimensions_of,
)
from lealtad.olap.store import FactStore, Files

_DUCK_TYPES = {
    "int64": "BIGINT",
    "double": "DOUBLE",
    "string": "VARCHAR",
    "date32[day]": "DATE",
    "timestamp[us, tz=UTC]": "TIMESTAMPTZ",
}
CATALOG_DIMENSIONS = ("channel", "store", "region", "segment", "tier", "product", "category")


def _columns(table: str) -> str:
    return ", ".join(name for name, _ in FACT_COLUMNS[table])


def _files_sql(paths: Sequence[str]) -> str:
    # Paths are the store's own file names (never user input); quoted for SQL all the same.
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def view_sql(table: str, files: Files) -> str:
    """The SELECT behind a table's view: base, deltas laid over it, or an empty typed set."""
    cols = _columns(table)
    if not files.base and not files.deltas:
        typed = ", ".join(
            f"CAST(NULL AS {_DUCK_TYPES[str(kind)]}) AS {name}"
            for name, kind in FACT_COLUMNS[table]
        )
        return f"SELECT {typed} WHERE false"
    if not files.deltas:
        return f"SELECT {cols} FROM read_parquet({_files_sql(files.base)})"
    key = SUPERSEDE_KEY[table]
    deltas = (
        f"(SELECT * FROM read_parquet({_files_sql(files.deltas)}) "
        f"QUALIFY {VERSION} = max({VERSION}) OVER (PARTITION BY {key}))"
    )
    latest = f"SELECT {cols} FROM {deltas}"
    if not files.base:
        return latest
    base = (
        f"SELECT {cols} FROM read_parquet({_files_sql(files.base)}) "
        f"WHERE {key} NOT IN (SELECT {key} FROM read_parquet({_files_sql(files.deltas)}))"
    )
    return f"{base} UNION ALL {latest}"


class Cube:
    """The process's cube over one :class:`FactStore`. Thread-safe: each query runs on its
    own cursor of the one connection."""

    def __init__(self, store: FactStore, *, threads: int | None = None) -> None:
        self.store = store
        self._con = duckdb.connect(":memory:")
        self._con.execute("SET enable_object_cache = true")
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._catalog_cache: dict[tuple, dict[str, list[str]]] = {}

    def close(self) -> None:
        self._con.close()

    def refresh(self) -> None:
        """(Re)build the views if a snapshot or delta landed since the last query."""
        signature = self.store.signature()
        if signature == self._signature:
            return
        with self._lock:
            if signature == self._signature:
                return
            for table, files in signature:
                self._con.execute(f"CREATE OR REPLACE VIEW {table} AS {view_sql(table, files)}")
            self._signature = signature
            self._catalog_cache.clear()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        self.refresh()
        return self._con.cursor()

    def sql(self, text: str, params: Sequence[Any] = ()) -> list[tuple]:
        """A raw read for the analytics context's own queries (never user text)."""
        cursor = self.cursor()
        try:
            return cursor.execute(text, list(params)).fetchall()
        finally:
            cursor.close()

    def arrow(self, text: str, params: Sequence[Any] = ()) -> Any:
        cursor = self.cursor()
        try:
            return cursor.sql(text, params=list(params)).to_arrow_table()
        finally:
            cursor.close()

    # Queries ------------------------------------------------------------------------------

    def query(self, query: CubeQuery, scope: Scope) -> CubeResult:
        query = query.checked()
        started = time.perf_counter()
        by_fact: dict[str, list[str]] = {}
        for measure in query.measures:
            by_fact.setdefault(fact_for(measure, query), []).append(measure)
        cursor = self.cursor()
        try:
            parts = []
            for fact, measures in by_fact.items():
                text, params = fact_sql(fact, measures, query, scope)
                parts.append((measures, cursor.execute(text, params).fetchall()))
        finally:
            cursor.close()
        result = merge(query, parts)
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        return result

    def catalog(self, scope: Scope) -> dict[str, list[str]]:
        """Each dimension's values the scope lets a caller see (a store manager's stores
        only), read from the facts that carry it."""
        key = (self._signature, scope)
        self.refresh()
        if key in self._catalog_cache:
            return self._catalog_cache[key]
        found: dict[str, list[str]] = {}
        cursor = self.cursor()
        try:
            for name in CATALOG_DIMENSIONS:
                values: set[str] = set()
                for fact in ("orders", "order_lines", "returns", "contacts"):
                    if name not in dimensions_of(fact):
                        continue
                    expr = dimension_sql(fact, Dimension(name))
                    where, params = scope_sql(fact, scope)
                    join = _join(fact, [expr, *where])
                    text = (
                        f"SELECT DISTINCT {expr} FROM {fact} f {join} "
                        f"WHERE {' AND '.join(where) or 'true'}"
                    )
                    values.update(str(v[0]) for v in cursor.execute(text, params).fetchall())
                found[name] = sorted(v for v in values if v)
        finally:
            cursor.close()
        self._catalog_cache[key] = found
        return found


# SQL ------------------------------------------------------------------------------------------

_GRAIN_SQL = {
    "day": "f.day",
    "week": "CAST(date_trunc('week', f.day) AS DATE)",
    "month": "CAST(date_trunc('month', f.day) AS DATE)",
    "quarter": "CAST(date_trunc('quarter', f.day) AS DATE)",
    "year": "CAST(date_trunc('year', f.day) AS DATE)",
}


def dimension_sql(fact: str, dimension: Dimension) -> str:
    if dimension.name == "date":
        return _GRAIN_SQL[dimension.grain]
    expr = DIMENSION_SQL[fact][dimension.name]
    if expr.startswith("c."):
        fallback = "'unknown'" if dimension.name in ("segment", "tier") else "''"
        return f"COALESCE({expr}, {fallback})"
    return expr


def _join(fact: str, expressions: Sequence[str]) -> str:
    if any("c." in e for e in expressions):
        return "LEFT JOIN customers c ON c.customer_id = f.customer_id"
    return ""


def _in(expr: str, values: Sequence[str], params: list[Any]) -> str:
    params.extend(values)
    return f"{expr} IN ({', '.join('?' for _ in values)})"


def scope_sql(fact: str, scope: Scope) -> tuple[list[str], list[Any]]:
    """The scope's forced filters. A fact that does not record a restricted dimension (which
    store a contact belongs to) shows nothing to a caller restricted on it."""
    where: list[str] = []
    params: list[Any] = []
    for name, allowed in sorted(scope.limits().items()):
        if name not in dimensions_of(fact) or not allowed:
            where.append("false")
            continue
        where.append(_in(dimension_sql(fact, Dimension(name)), sorted(allowed), params))
    return where, params


def fact_sql(
    fact: str, measures: Sequence[str], query: CubeQuery, scope: Scope
) -> tuple[str, list[Any]]:
    dims = [dimension_sql(fact, d) for d in query.dimensions]
    where, params = scope_sql(fact, scope)
    for name, values in sorted(query.filters.items()):
        where.append(_in(dimension_sql(fact, Dimension(name)), list(values), params))
    if query.date_from is not None:
        where.append("f.day >= ?")
        params.append(query.date_from)
    if query.date_to is not None:
        where.append("f.day <= ?")
        params.append(query.date_to)
    aggregates = [MEASURES[m].sql[fact] for m in measures]
    select = [f"{d} AS d{i}" for i, d in enumerate(dims)]
    select += [f"{a} AS m{i}" for i, a in enumerate(aggregates)]
    text = (
        f"SELECT {', '.join(select)} FROM {fact} f {_join(fact, dims + where)} "
        f"WHERE {' AND '.join(where) or 'true'}"
    )
    if dims:
        text += " GROUP BY " + ", ".join(f"d{i}" for i in range(len(dims)))
    return text, params


def compact(cube: Cube, table: str) -> int:
    """Fold a table's deltas into a new base (the view's rows, written once); rows kept."""
    store = cube.store
    files = store.files(table)
    if not files.deltas:
        return 0
    started = time.time_ns()
    folder = store.table_dir(table) / f".compact-{started}"
    folder.mkdir(parents=True)
    target = str(folder / "part-00000.parquet").replace("'", "''")
    cursor = cube.cursor()
    try:
        view = view_sql(table, files)
        cursor.execute(
            f"COPY ({view}) TO '{target}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 256000)"
        )
        rows = cursor.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()
    finally:
        cursor.close()
    count = int(rows[0]) if rows else 0
    store.swap_in(table, folder, files.watermark, files.started, count, folded=files.deltas)
    return count


__all__ = ["TABLES", "Cube", "CubeError", "compact", "fact_sql", "view_sql"]
