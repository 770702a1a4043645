"""Reading the cube's customers while deltas pile up between compactions, at 1,000,000
customers: what the hub's cube feed does for every group of 200 messages (the customers an
event named, looked up to skip the unchanged ones) and a whole-table aggregate, after 1 to 40
deltas of 200 changed customers each.

The view leaves out base rows a delta replaces. It used to write up to 5,000 replaced keys
into its text as a literal list, which DuckDB tests row by row; it now writes at most
``engine.INLINE_KEYS`` of them and anti-joins the deltas beyond. Both run here on the same
files (the peer is the old setting).

    .venv/bin/python benchmarks/cube_deltas.py [--customers 1000000]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import pyarrow as pa

from lealtad.olap import engine, synthetic
from lealtad.olap.store import FactStore

CHECKPOINTS = (1, 5, 10, 20, 40)


def timed(cube: engine.Cube, ids: list[int], whole: bool) -> float:
    """The best of five reads, in milliseconds (the view is rebuilt before the first)."""
    marks = ", ".join("?" for _ in ids)
    text = (
        "SELECT region, count(*) AS n FROM customers GROUP BY region"
        if whole
        else f"SELECT * FROM customers WHERE customer_id IN ({marks})"
    )
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        cube.arrow(text, [] if whole else ids)
        best = min(best, time.perf_counter() - began)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="lealtad-cube-deltas-"))
    try:
        store = FactStore(root)
        people = synthetic.customers(args.customers)
        synthetic.write(store, "customers", people)
        ids = people["customer_id"].to_pylist()
        rng = random.Random(17)
        print(f"cube customers view, {args.customers:,} customers, deltas of 200 changed ones")
        print(f"  {'deltas':>6}  {'lookup of 200':>26}  {'whole-table count by region':>30}")
        print(f"  {'':>6}  {'now':>12} {'list of 5,000':>13}  {'now':>14} {'list of 5,000':>15}")
        new_limit = engine.INLINE_KEYS
        for count in range(1, max(CHECKPOINTS) + 1):
            changed = people.take(pa.array(rng.sample(range(people.num_rows), 200)))
            row = {name: changed[name] for name in changed.column_names}
            store.append_delta("customers", [row], time.time_ns())
            if count not in CHECKPOINTS:
                continue
            wanted = rng.sample(ids, 200)
            found = {}
            for label, limit in (("now", new_limit), ("peer", 5_000)):
                engine.INLINE_KEYS = limit
                cube = engine.Cube(store)  # views written afresh under this setting
                found[label] = (timed(cube, wanted, False), timed(cube, [], True))
                cube.close()
            engine.INLINE_KEYS = new_limit
            (look, whole), (peer_look, peer_whole) = found["now"], found["peer"]
            print(
                f"  {count:>6}  {look:>9.1f} ms {peer_look:>10.1f} ms"
                f"  {whole:>11.1f} ms {peer_whole:>12.1f} ms"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
