"""The cube over 10,000,000 synthetic order lines (issue 12).

Measures, on Parquet facts written as the export writes them (``lealtad.olap.synthetic``):

* a dashboard tile query: p99 over every tile's repeated runs (target ≤ 200 ms);
* a 30-tile dashboard, warm, one tile after the other (target ≤ 2 s);
* 10,000 new orders (and their ~30,000 lines) through the incremental path — written as delta
  files the way the hub feed writes them — until a query sees them (target ≤ 5 s), and the
  process's peak memory while doing it;
* the same tile as a plain DuckDB query over the Parquet (the peer: the engine's overhead)
  and as a pandas groupby over the columns already in memory (the second peer).

    .venv/bin/python benchmarks/cube.py [--lines 10000000] [--customers 1000000] [--runs 30]

Prints a table; nothing is part of the test suite.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from lealtad.olap import synthetic
from lealtad.olap.engine import Cube, compact
from lealtad.olap.query import EVERYTHING, CubeQuery, Dimension, Scope
from lealtad.olap.store import FactStore

D = Dimension
YEAR = {"date_from": date(2025, 1, 1), "date_to": date(2025, 12, 31)}
TILES: list[tuple[str, CubeQuery, Scope]] = [
    (
        "kpis (revenue, margin, orders, customers, AOV)",
        CubeQuery(("revenue", "margin", "orders", "customers", "average_order_value"), **YEAR),
        EVERYTHING,
    ),
    (
        "revenue by channel x month",
        CubeQuery(("revenue",), rows=(D("channel"),), columns=(D("date", "month"),)),
        EVERYTHING,
    ),
    (
        "revenue, customers by tier",
        CubeQuery(("revenue", "customers"), rows=(D("tier"),), **YEAR),
        EVERYTHING,
    ),
    (
        "revenue by segment x channel",
        CubeQuery(("revenue",), rows=(D("segment"),), columns=(D("channel"),), **YEAR),
        EVERYTHING,
    ),
    (
        "revenue, units by category",
        CubeQuery(("revenue", "units"), rows=(D("category"),), **YEAR),
        EVERYTHING,
    ),
    (
        "top products (revenue by product)",
        CubeQuery(("revenue",), rows=(D("product"),), **YEAR),
        EVERYTHING,
    ),
    (
        "margin by store x quarter",
        CubeQuery(("margin",), rows=(D("store"),), columns=(D("date", "quarter"),)),
        EVERYTHING,
    ),
    (
        "store manager: revenue by day",
        CubeQuery(("revenue", "orders"), rows=(D("date", "day"),), **YEAR),
        Scope(stores=frozenset({"S01"})),
    ),
    (
        "region x tier, orders",
        CubeQuery(("orders",), rows=(D("region"),), columns=(D("tier"),)),
        EVERYTHING,
    ),
    (
        "AOV by week",
        CubeQuery(("average_order_value",), rows=(D("date", "week"),), **YEAR),
        EVERYTHING,
    ),
]


def build(root: Path, lines: int, customers: int) -> tuple[FactStore, pa.Table, pa.Table]:
    store = FactStore(root)
    people = synthetic.customers(customers)
    synthetic.write(store, "customers", people)
    orders, order_lines = synthetic.order_lines(lines, customers, people=people)
    synthetic.write(store, "orders", orders)
    synthetic.write(store, "order_lines", order_lines)
    return store, orders, people


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def incremental(
    store: FactStore, cube: Cube, orders: pa.Table, people: pa.Table
) -> tuple[float, int]:
    """10,000 new orders as the feed writes them (one delta per table per batch of 500
    messages, as the dispatcher hands them over) until the cube counts them."""
    top = int(orders["order_id"].to_numpy().max())
    before = cube.query(CubeQuery(("orders",)), EVERYTHING).records[0][1][0]
    new_orders, new_lines = synthetic.order_lines(
        30_000, people.num_rows, seed=99, first_order=top + 1, first_line=10**10
    )
    new_orders = new_orders.slice(0, 10_000)
    ids = new_orders["order_id"]
    new_lines = new_lines.filter(pa.compute.is_in(new_lines["order_id"], ids))
    started = time.perf_counter()
    for start in range(0, 10_000, 500):
        piece = new_orders.slice(start, 500)
        wanted = pa.compute.is_in(new_lines["order_id"], piece["order_id"])
        version = time.time_ns()
        store.append_delta("orders", [_columns(piece)], version)
        store.append_delta("order_lines", [_columns(new_lines.filter(wanted))], version)
        # The feed writes a customer only when new or changed: these buyers are neither.
    while True:
        after = cube.query(CubeQuery(("orders",)), EVERYTHING).records[0][1][0]
        if after >= before + int(
            pa.compute.sum(pa.compute.not_equal(new_orders["status"], "cancelled")).as_py()
        ):
            break
    seconds = time.perf_counter() - started
    return seconds, after - before


def _columns(table: pa.Table) -> dict[str, pa.ChunkedArray]:
    return {name: table[name] for name in table.column_names}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        store, orders, people = build(Path(folder), args.lines, args.customers)
        print(
            f"facts written: {args.lines:,} lines, {orders.num_rows:,} orders, "
            f"{args.customers:,} customers in {time.perf_counter() - started:.1f} s"
        )
        cube = Cube(store)
        cube.caching = False  # every tile computed: the cold figures
        rows, every = [], []
        for name, query, scope in TILES:
            cube.query(query, scope)  # the files' metadata in cache
            runs = timed(lambda q=query, s=scope: cube.query(q, s), args.runs)
            every += runs
            rows.append((name, statistics.median(runs), p99(runs)))
        cold = timed(lambda: [cube.query(q, s) for _, q, s in (TILES * 3)], 3)
        cube.caching = True
        warm = timed(lambda: [cube.query(q, s) for _, q, s in (TILES * 3)], 5)
        peer = _peer(store, args.runs)
        pandas_ms = _pandas(store)
        seconds, seen = incremental(store, cube, orders, people)
        cube.caching = False
        after_delta = timed(lambda: cube.query(TILES[1][1], EVERYTHING), args.runs)
        started = time.perf_counter()
        compact(cube, "orders", force=True)
        compact(cube, "order_lines", force=True)
        compaction = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report(rows, every, cold, warm, peer, pandas_ms, (seconds, seen), after_delta)
    print(f"{'compaction of orders + lines (s)':52} {compaction:10.1f}")
    print(f"{'peak resident memory (MB)':52} {peak:10.0f}")


def report(rows, every, cold, warm, peer, pandas_ms, fed, after_delta) -> None:  # type: ignore[no-untyped-def]
    def line(name: str, first: float, second: float | None = None, note: str = "") -> None:
        tail = "" if second is None else f" {second:10.1f}"
        print(f"{name:52} {first:10.1f}{tail}   {note}".rstrip())

    print(f"\n{'tile (no answer cache)':52} {'median ms':>10} {'p99 ms':>10}")
    for name, median, high in rows:
        line(name, median, high)
    line("all tiles", statistics.median(every), p99(every), "(target p99 <= 200)")
    line("30-tile dashboard, no answer cache: best, median", min(cold), statistics.median(cold))
    line(
        "30-tile dashboard, warm: best, median",
        min(warm),
        statistics.median(warm),
        "(target <= 2000)",
    )
    line("peer: plain DuckDB SQL, channel x month", statistics.median(peer), p99(peer))
    line("peer: pandas groupby, channel x month (in memory)", pandas_ms)
    seconds, seen = fed
    print(
        f"{'10,000 new orders visible (s)':52} {seconds:10.2f}   ({seen:,} live orders "
        "counted; target <= 5 s)"
    )
    line(
        "tile over the base with 20 deltas x 2 tables",
        statistics.median(after_delta),
        p99(after_delta),
    )


def _peer(store: FactStore, runs: int) -> list[float]:
    files = store.files("orders").base
    con = duckdb.connect()
    listed = ", ".join(f"'{f}'" for f in files)
    sql = (
        "SELECT channel, date_trunc('month', day) AS m, SUM(revenue) "
        f"FROM read_parquet([{listed}]) GROUP BY 1, 2"
    )
    con.execute(sql).fetchall()
    return timed(lambda: con.execute(sql).fetchall(), runs)


def _pandas(store: FactStore) -> float:
    table = pq.read_table(store.files("orders").base[0], columns=["channel", "day", "revenue"])
    frame = table.to_pandas()
    frame["month"] = frame["day"].astype("datetime64[s]").dt.to_period("M")
    started = time.perf_counter()
    frame.groupby(["channel", "month"])["revenue"].sum()
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
