"""The analytics pages' own reads over synthetic facts (issue 12): what opening the
executive dashboard and the balanced scorecard costs, warm and cold, for everything and for
a store manager's scope.

Facts are written as the export writes them (``lealtad.olap.synthetic``: ~3 lines an order).
The peer, in the same run: the cube benchmark's warm 30-tile budget (2 s) and the same
dashboard as the 6 cube tiles it reads, run bare through the engine (what the page adds on
top: catalog, shaping, the economics selectors, the scorecard's own SQL).

    LEALTAD_HOME=/tmp/bench-pages .venv/bin/python benchmarks/analytics_pages.py \\
        [--lines 3000000] [--customers 300000] [--runs 5]

The home is migrated (SQLite) on first use: the scorecard's identity KPIs count customers
there (none in this base, so they read as '—'). Prints a table; not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")


def _setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _facts(lines: int, customers: int) -> None:
    from lealtad.analytics import cube_store
    from lealtad.olap import synthetic
    from lealtad.olap.store import FactStore

    store = FactStore(cube_store.facts_root())
    if store.files("order_lines").base:
        return
    started = time.perf_counter()
    orders, order_lines = synthetic.order_lines(lines, customers)
    synthetic.write(store, "orders", orders)
    synthetic.write(store, "order_lines", order_lines)
    synthetic.write(store, "customers", synthetic.customers(customers))
    print(f"facts written: {lines:,} lines in {time.perf_counter() - started:.1f} s")


def _forget() -> None:
    """As if new facts had just landed: no kept answer, no kept catalog."""
    from lealtad.analytics import cube_store
    from lealtad.analytics.selectors import economics, scorecard_figures

    scorecard_figures._kept.clear()
    engine = cube_store.cube()
    engine._results.clear()
    engine._catalog_cache.clear()
    economics.forget()


def _time(work: Callable[[], Any], runs: int) -> tuple[float, float, float]:
    """(first run, median warm with the answers kept, median warm with none kept) in ms."""
    started = time.perf_counter()
    work()
    first = (time.perf_counter() - started) * 1000
    kept, fresh = [], []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        kept.append((time.perf_counter() - started) * 1000)
        _forget()
        started = time.perf_counter()
        work()
        fresh.append((time.perf_counter() - started) * 1000)
    return first, statistics.median(kept), statistics.median(fresh)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=3_000_000)
    parser.add_argument("--customers", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    _setup()
    _facts(args.lines, args.customers)

    from lealtad.analytics.selectors import cube, scorecard
    from lealtad.analytics.selectors import dashboard as board
    from lealtad.olap.query import EVERYTHING, CubeQuery, Dimension, Scope

    today = date(2025, 12, 31)  # the synthetic facts run 2023-2025
    filters = board.Filters(period="12m")

    def dashboard(scope: Scope) -> Callable[[], Any]:
        """The page itself (the first paint): catalog, KPIs, tier, channel and trend tiles."""

        def read() -> Any:
            seen = board.narrowed(scope, filters)
            return (
                board.catalog(scope),
                board.kpis(seen, filters, today),
                board.tier_panels(seen, filters, today),
                board.channel_panels(seen, filters, today),
                board.revenue_trend(seen, filters, today),
            )

        return read

    def later_parts(scope: Scope) -> Callable[[], Any]:
        """What htmx asks for after the page: the channel curve and the cohorts."""
        seen = board.narrowed(scope, filters)
        return lambda: (board.channel_curve(seen), board.cohort_heat(seen))

    def bare_tiles(scope: Scope) -> Callable[[], Any]:
        start, end = filters.dates(today)
        asked = [
            CubeQuery(
                ("revenue", "margin", "orders", "customers", "average_order_value"),
                date_from=start,
                date_to=end,
            ),
            CubeQuery(("returns",), date_from=start, date_to=end),
            CubeQuery(
                ("revenue", "customers"), rows=(Dimension("tier"),), date_from=start, date_to=end
            ),
            CubeQuery(
                ("revenue", "customers"), rows=(Dimension("channel"),), date_from=start, date_to=end
            ),
            CubeQuery(
                ("revenue",),
                rows=(Dimension("date", "month"),),
                columns=(Dimension("tier"),),
                date_from=start,
                date_to=end,
            ),
        ]
        return lambda: [cube.query(scope, q) for q in asked]

    def scorecard_year(scope: Scope) -> Callable[[], Any]:
        period = scorecard.parse_period("2025")
        return lambda: scorecard.kpi_values(scope, period, today)

    store = Scope(stores=frozenset({"S01"}))
    rows = [
        ("dashboard page, everything", dashboard(EVERYTHING)),
        ("  its 5 cube tiles bare (peer)", bare_tiles(EVERYTHING)),
        ("  then curve + cohorts (htmx)", later_parts(EVERYTHING)),
        ("dashboard page, one store's manager", dashboard(store)),
        ("  then curve + cohorts (htmx)", later_parts(store)),
        ("scorecard 2025, everything (14 KPIs)", scorecard_year(EVERYTHING)),
        ("scorecard 2025, one store's manager", scorecard_year(store)),
    ]
    print(
        f"\n{args.lines:,} order lines, {args.customers:,} customers. first: the first read "
        f"after the facts landed; kept: median of {args.runs} with the cube's answers kept; "
        "uncached: median with every kept answer dropped first (as after new facts). "
        "Target for a dashboard (the cube's): <= 2,000 ms warm"
    )
    print(f"{'read':<40} {'first ms':>9} {'kept ms':>9} {'uncached ms':>12}")
    for name, work in rows:
        _forget()
        first, kept, fresh = _time(work, args.runs)
        print(f"{name:<40} {first:>9.0f} {kept:>9.0f} {fresh:>12.0f}")


if __name__ == "__main__":
    main()
