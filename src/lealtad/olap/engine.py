"""The cube's engine: one DuckDB connection per process, a view per fact over its Parquet
files, and the SQL of a :class:`~lealtad.olap.query.CubeQuery` built from the whitelist in
:mod:`.schema` with every value a bound parameter.

Each table's view is its newest base snapshot with the rows the incremental feed re-read
laid over it: a base row whose key has a delta gives way to the latest delta of that key. The
views are rebuilt when the files change (a listing per query: microseconds), so a delta is
visible to the next query that starts after it is renamed into place.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from lealtad.olap.enrich import SOURCE
from lealtad.olap.query import CubeError, CubeQuery, Dimension, Scope, fact_for
from lealtad.olap.result import CubeResult, merge
from lealtad.olap.schema import (
    DIMENSION_SQL,
    ENRICHED,
    ENRICHED_TABLES,
    FACT_COLUMNS,
    FACT_FILTER,
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
RESULTS_KEPT = 512  # answers kept per process until the facts change
CATALOG_DIMENSIONS = ("channel", "store", "region", "segment", "tier", "product", "category")


def _columns(table: str) -> str:
    return ", ".join(name for name, _ in FACT_COLUMNS[table])


def _query_key(query: CubeQuery) -> tuple:
    return (
        query.measures,
        query.rows,
        query.columns,
        tuple(sorted(query.filters.items())),
        query.date_from,
        query.date_to,
    )


def _files_sql(paths: Sequence[str]) -> str:
    # Paths are the store's own file names (never user input); quoted for SQL all the same.
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def view_sql(
    table: str, files: Files, customers: Files | None = None, *, complete: bool = False
) -> str:
    """The SELECT behind a table's view: base with the customers' later changes laid over
    the copies of their segment, tier and region (orders and lines). Only customers the
    customers base already had can have changed; new ones' rows carry their copies.
    ``complete`` lays every customer delta over (compaction: rows that missed a copy)."""
    inner = _rows_sql(table, files)
    if table not in ENRICHED_TABLES or customers is None or not customers.deltas:
        return inner
    changed = None if complete else _replaced_keys("customer_id", customers)
    if changed == []:
        return inner
    only = "" if changed is None else f" WHERE customer_id IN ({', '.join(map(str, changed))})"
    latest = (
        f"(SELECT customer_id, segment, tier, region FROM read_parquet("
        f"{_files_sql(customers.deltas)}, union_by_name = true){only} "
        f"QUALIFY {VERSION} = max({VERSION}) OVER (PARTITION BY customer_id))"
    )
    plain = ", ".join(f"v.{n}" for n, _ in FACT_COLUMNS[table] if n not in ENRICHED)
    laid = ", ".join(
        f"COALESCE(cd.{source}, v.{target}) AS {target}" for target, source in SOURCE.items()
    )
    return (
        f"SELECT {plain}, {laid} FROM ({inner}) v "
        f"LEFT JOIN {latest} cd ON cd.customer_id = v.customer_id"
    )


@functools.lru_cache(maxsize=4096)
def _file_columns(path: str) -> frozenset[str]:
    return frozenset(pq.read_schema(path).names)


def _columns_of(table: str, paths: Sequence[str], *, by_name: bool = False) -> str:
    """The fact's columns as these files have them; a column files written before it existed
    lack (the customer copies) reads as empty. ``by_name``: read with ``union_by_name``,
    where a column any file has is there (empty in the others)."""
    sets = [_file_columns(p) for p in paths]
    present = frozenset.union(*sets) if by_name else frozenset.intersection(*sets)
    return ", ".join(
        name if name in present else f"CAST(NULL AS {_DUCK_TYPES[str(kind)]}) AS {name}"
        for name, kind in FACT_COLUMNS[table]
    )


def _rows_sql(table: str, files: Files) -> str:
    """Base rows, deltas laid over them, or an empty typed set."""
    if not files.base and not files.deltas:
        typed = ", ".join(
            f"CAST(NULL AS {_DUCK_TYPES[str(kind)]}) AS {name}"
            for name, kind in FACT_COLUMNS[table]
        )
        return f"SELECT {typed} WHERE false"
    if not files.deltas:
        cols = _columns_of(table, files.base)
        return f"SELECT {cols} FROM read_parquet({_files_sql(files.base)})"
    key = SUPERSEDE_KEY[table]
    read_deltas = f"read_parquet({_files_sql(files.deltas)}, union_by_name = true)"
    deltas = (
        f"(SELECT * FROM {read_deltas} "
        f"QUALIFY {VERSION} = max({VERSION}) OVER (PARTITION BY {key}))"
    )
    latest = f"SELECT {_columns_of(table, files.deltas, by_name=True)} FROM {deltas}"
    if not files.base:
        return latest
    base = f"SELECT {_columns_of(table, files.base)} FROM read_parquet({_files_sql(files.base)})"
    replaced = _replaced_keys(key, files)
    if replaced is None:
        base += f" WHERE {key} NOT IN (SELECT {key} FROM {read_deltas})"
    elif replaced:
        # Our own files' integer keys, not user input: inlined, the scan filters them itself.
        base += f" WHERE {key} NOT IN ({', '.join(str(int(k)) for k in replaced)})"
    return f"{base} UNION ALL {latest}"


# Replaced keys up to this many are written into the view; more are left to an anti-join
# with the deltas. DuckDB tests an inlined list row by row: at 1,000,000 customers, 20 deltas
# of 200 replaced customers (4,000 keys) made every read of the view take 1.1 s against
# 35-60 ms with the anti-join, which costs no more from a few dozen keys on.
INLINE_KEYS = 32


@functools.lru_cache(maxsize=4096)
def _keys_in(path: str, key: str) -> tuple[int, ...]:
    return tuple(pq.read_table(path, columns=[key])[key].to_pylist())


@functools.lru_cache(maxsize=4096)
def _largest_key(path: str, key: str) -> int | None:
    """The key's largest value in a file, from the row groups' statistics (no data read)."""
    meta = pq.ParquetFile(path).metadata
    index = meta.schema.to_arrow_schema().get_field_index(key)
    top = None
    for group in range(meta.num_row_groups):
        stats = meta.row_group(group).column(index).statistics
        if stats is None or not stats.has_min_max:
            return None
        top = stats.max if top is None else max(top, stats.max)
    return top


def _replaced_keys(key: str, files: Files) -> list[int] | None:
    """The delta keys the base holds too (new orders' keys lie above the base's largest, so
    most deltas replace nothing); None when too many to list."""
    tops = [_largest_key(p, key) for p in files.base]
    if any(t is None for t in tops):
        return None
    top = max((t for t in tops if t is not None), default=None)
    if top is None:
        return []
    found = sorted({k for p in files.deltas for k in _keys_in(p, key) if k <= top})
    return found if len(found) <= INLINE_KEYS else None


class Cube:
    """The process's cube over one :class:`FactStore`. Thread-safe: each query runs on its
    own cursor of the one connection."""

    def __init__(self, store: FactStore, *, threads: int | None = None) -> None:
        self.store = store
        self._con = duckdb.connect(":memory:")
        self._con.execute("SET enable_object_cache = true")
        # Answers are sorted when merged: the scans need not keep the files' row order.
        self._con.execute("SET preserve_insertion_order = false")
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._catalog_cache: dict[tuple, dict[str, list[str]]] = {}
        self._results: OrderedDict[tuple, CubeResult] = OrderedDict()
        self.caching = True

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
            customers = dict(signature)["customers"]
            for table, files in signature:
                text = view_sql(table, files, customers)
                self._con.execute(f"CREATE OR REPLACE VIEW {table} AS {text}")
            self._signature = signature
            self._catalog_cache.clear()
            self._results.clear()

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
        """The answer, from the cache while no snapshot or delta has landed since."""
        query = query.checked()
        started = time.perf_counter()
        self.refresh()
        key = (self._signature, _query_key(query), scope)
        with self._lock:
            cached = self._results.get(key) if self.caching else None
            if cached is not None:
                self._results.move_to_end(key)
        if cached is not None:
            return replace(cached, elapsed_ms=(time.perf_counter() - started) * 1000)
        result = self._compute(query, scope, started)
        with self._lock:
            self._results[key] = result
            while len(self._results) > RESULTS_KEPT:
                self._results.popitem(last=False)
        return result

    def _compute(self, query: CubeQuery, scope: Scope, started: float) -> CubeResult:
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
    if expr.startswith(("c.", "f.c_")):
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
    if fact in FACT_FILTER:
        where.insert(0, FACT_FILTER[fact])
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


def compact(cube: Cube, table: str, *, force: bool = False) -> int:
    """Fold a table's deltas (and, for orders and lines, the customers' changes) into a new
    base: the view's rows, written once; rows kept. ``force``: rewrite with no deltas."""
    store = cube.store
    files = store.files(table)
    if not files.deltas and not force:
        return 0
    started = time.time_ns()
    folder = store.table_dir(table) / f".compact-{started}"
    folder.mkdir(parents=True)
    target = str(folder / "part-00000.parquet").replace("'", "''")
    cursor = cube.cursor()
    try:
        view = view_sql(table, files, store.files("customers"), complete=True)
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


def changes_as_delta(cube: Cube, table: str, folder: Path) -> int:
    """Lay a fresh full read of ``table`` (a snapshot written to ``folder``, not swapped in)
    over the current one as a delta of the rows that differ; rows written. The customers'
    new tiers after a refresh reach the orders' copies this way without rewriting them."""
    key = SUPERSEDE_KEY[table]
    cols = [n for n, _ in FACT_COLUMNS[table]]
    differs = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in cols if c != key)
    version = time.time_ns()
    tmp, final = cube.store.delta_path(table, version)
    fresh = _files_sql([str(p) for p in sorted(folder.glob("*.parquet"))])
    target = str(tmp).replace("'", "''")
    cursor = cube.cursor()
    try:
        cursor.execute(
            f"COPY (SELECT n.*, CAST({version} AS BIGINT) AS {VERSION} "
            f"FROM read_parquet({fresh}) n LEFT JOIN {table} o ON o.{key} = n.{key} "
            f"WHERE o.{key} IS NULL OR {differs}) TO '{target}' (FORMAT parquet)"
        )
        found = cursor.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()
    finally:
        cursor.close()
    rows = int(found[0]) if found else 0
    if rows:
        os.replace(tmp, final)
    else:
        tmp.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    return rows
