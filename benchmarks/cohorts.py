"""The monthly cohort matrix over 10,000,000 transactions: ours against the plain DuckDB
query and pandas, in one run, on the same facts.

1. ``--orders`` (10,000,000) synthetic orders of ``--customers`` (1,000,000) over three years,
   2 % cancelled, written as the cube writes its ``orders`` facts (a Parquet snapshot in a
   fresh fact store) and read through the cube's own views (``lealtad.olap.engine.Cube``).
2. Ours (``lealtad.olap.cohorts.cohort_matrix``: the database filters and hands over three
   columns; numpy finds each customer's first month, a bit per active month, bincounts),
   the plain query (``cohorts.REFERENCE_SQL``: distinct customer-months, first month per
   customer, joined back) and pandas (the usual groupby/transform/nunique recipe, on integer
   months) — the median and the fastest of ``--repeats`` warm runs for the first two (the
   machine is shared: the median carries other people's load), one run for pandas.
3. The three answers are compared cell by cell (customers and revenue per cohort and month
   since); any difference is printed and the run exits 1.

Run: ``.venv/bin/python benchmarks/cohorts.py`` (``--orders 1000000`` for a quick look,
``--no-pandas`` to skip the slow peer). Figures: ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from harness import report

from lealtad.olap import cohorts
from lealtad.olap.engine import Cube
from lealtad.olap.store import FactStore

MONTHS = 24
TARGET_S = 1.5


def write_orders(root: Path, orders: int, customers: int, seed: int) -> None:
    """Synthetic orders as the fact export writes them: customers start over three years,
    each buys again after exponential gaps (a third of a year on average)."""
    rng = np.random.default_rng(seed)
    customer = rng.integers(1, customers + 1, orders)
    start = rng.integers(0, 1000, customers + 1)
    days = np.minimum(start[customer] + rng.exponential(120, orders).astype(np.int64), 1095)
    day = np.datetime64("2023-01-01") + days.astype("timedelta64[D]")
    placed = day.astype("datetime64[us]") + rng.integers(0, 86_400_000_000, orders).astype(
        "timedelta64[us]"
    )
    pick = rng.integers(0, 4, orders)
    revenue = np.round(rng.gamma(2.0, 30.0, orders), 2)
    chunk = {
        "order_id": pa.array(np.arange(1, orders + 1, dtype=np.int64)),
        "customer_id": pa.array(customer.astype(np.int64)),
        "placed_at": pa.array(placed).cast(pa.timestamp("us", tz="UTC")),
        "day": pa.array(day),
        "channel": pa.array(np.array(["web", "pos", "call_center", "mobile"])[pick]),
        "store": pa.array(np.array(["S01", "S02", "S03", ""])[pick]),
        "region": pa.array(np.array(["EC-P", "EC-G"])[pick % 2]),
        "status": pa.array(np.where(rng.random(orders) < 0.02, "cancelled", "completed")),
        "revenue": pa.array(revenue),
        "discount": pa.array(np.zeros(orders)),
        "tax": pa.array(revenue * 0.15),
        "total": pa.array(revenue * 1.15),
        "cost": pa.nulls(orders, pa.float64()),
        "units": pa.array(np.ones(orders, dtype=np.int64)),
        "lines": pa.array(np.ones(orders, dtype=np.int64)),
    }
    store = FactStore(root)
    step = 1_000_000
    writer = store.snapshot("orders")
    for at in range(0, orders, step):
        writer.write({k: v.slice(at, step) for k, v in chunk.items()})
    writer.commit()


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float, object, float]:
    """Median and fastest wall time of ``repeats`` warm runs, the answer, and the median CPU
    time of this process (every thread): on a shared machine the wall time carries other
    people's load, the CPU time much less (two cores: about twice the unloaded wall time)."""
    answer = fn()  # warm: the Parquet metadata and pages in the OS cache
    times, cpu = [], []
    for _ in range(repeats):
        started, used = time.perf_counter(), time.process_time()
        answer = fn()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return statistics.median(times), min(times), answer, statistics.median(cpu)


def ours_cells(matrix: cohorts.CohortMatrix) -> dict[tuple[int, int], tuple[int, float]]:
    out = {}
    for i, cohort in enumerate(matrix.cohorts):
        code = cohorts.month_code(cohort)
        for k in range(matrix.months):
            active = matrix.active[i, k]
            if not np.isnan(active) and active > 0:
                out[code, k] = (int(active), float(matrix.revenue[i, k]))
    return out


def pandas_cells(cube: Cube) -> dict[tuple[int, int], tuple[int, float]]:
    """The recipe found in most cohort tutorials, on the same rows (read once, not timed)."""
    import pandas as pd

    cursor = cube.cursor()
    frame = cursor.execute("SELECT customer_id, day, status, revenue FROM orders").df()
    cursor.close()
    started = time.perf_counter()
    frame = frame[frame["status"] != "cancelled"]
    day = pd.to_datetime(frame["day"])
    frame = frame.assign(month=(day.dt.year - 1970) * 12 + day.dt.month - 1)
    frame["cohort"] = frame.groupby("customer_id")["month"].transform("min")
    frame["since"] = frame["month"] - frame["cohort"]
    table = frame.groupby(["cohort", "since"]).agg(
        customers=("customer_id", "nunique"), revenue=("revenue", "sum")
    )
    pandas_cells.seconds = time.perf_counter() - started  # type: ignore[attr-defined]
    out = {}
    for (cohort, since), row in table.iterrows():
        if since < MONTHS:
            out[int(cohort), int(since)] = (int(row["customers"]), float(row["revenue"]))
    return out


def others(cursor: Any, repeats: int) -> None:
    """The rest of the channel economics over the same orders (no target: for the record)."""
    from lealtad.olap import economics, maturity

    costs = [
        economics.CostEntry(i, start, start.replace(day=28), channel, "", 1000.0)
        for i, (start, channel) in enumerate(
            (dt.date(2024, m, 1), c) for m in range(1, 13) for c in ("web", "pos")
        )
    ]
    for label, fn in (
        ("channel curve (1/2/3+ channels per year)", lambda: economics.channel_curve(cursor)),
        ("CAC of 24 cost entries", lambda: economics.acquisition_costs(cursor, costs)),
        ("segment x channel map", lambda: economics.segment_channel_map(cursor, costs)),
        ("maturity evidence", lambda: maturity.measure_evidence(cursor)),
    ):
        median, fastest, _, cpu = timed(fn, max(1, repeats // 2))
        report(f"{label} (fastest {fastest:.2f} s, cpu {cpu:.2f} s)", median, "s")


def same(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    return all(a[k][0] == b[k][0] and abs(a[k][1] - b[k][1]) <= 1e-6 * max(1, b[k][1]) for k in a)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--no-pandas", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lealtad-cohorts-") as tmp:
        started = time.perf_counter()
        write_orders(Path(tmp), args.orders, args.customers, args.seed)
        print(
            f"{args.orders:,} orders of {args.customers:,} customers written in "
            f"{time.perf_counter() - started:.1f} s; monthly cohorts x {MONTHS} months since",
            flush=True,
        )
        cube = Cube(FactStore(tmp))
        cursor = cube.cursor()

        def plain() -> object:
            return cohorts.reference_cells(cursor)

        ours_med, ours_min, matrix, ours_cpu = timed(
            lambda: cohorts.cohort_matrix(cursor, months=MONTHS), args.repeats
        )
        plain_med, plain_min, cells, plain_cpu = timed(plain, args.repeats)
        report(
            f"ours, numpy on integer months (fastest {ours_min:.2f} s, cpu {ours_cpu:.2f} s)",
            ours_med,
            "s",
            TARGET_S,
        )
        report(
            f"plain DuckDB query (fastest {plain_min:.2f} s, cpu {plain_cpu:.2f} s)", plain_med, "s"
        )
        ours = ours_cells(matrix)  # type: ignore[arg-type]
        reference = {(c, s): (a, r) for c, s, a, r in cells if s < MONTHS}  # type: ignore[attr-defined]
        ok = same(ours, reference)
        if not args.no_pandas:
            theirs = pandas_cells(cube)
            report("pandas groupby (one run)", pandas_cells.seconds, "s")  # type: ignore[attr-defined]
            ok = ok and same(ours, theirs)
        others(cursor, args.repeats)
        cursor.close()
        cube.close()
        print(
            f"  ours x plain: {plain_med / ours_med:.1f}x faster; same cells in every answer: {ok}"
        )
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
