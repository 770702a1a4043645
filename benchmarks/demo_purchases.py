"""What the demo's 30 months of purchases cost ``lealtad demo``: the same load with and without
them (``--no-purchases``, the load's earlier shape), alternated in one run, and the pure
purchase generator alone.

    .venv/bin/python benchmarks/demo_purchases.py                 # 2,000 customers, 5 rounds
    .venv/bin/python benchmarks/demo_purchases.py --customers 50000 --rounds 1

SQLite only: every run gets a fresh ``LEALTAD_HOME`` (``LEALTAD_DATABASE_URL`` is ignored).
Target: the 2,000-customer demo of ``scripts/start.sh`` stays a matter of seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def lealtad_bin() -> str:
    local = ROOT / ".venv" / "bin" / "lealtad"
    return str(local) if local.exists() else (shutil.which("lealtad") or "lealtad")


def one_load(customers: int, seed: int, purchases: bool) -> tuple[float, float, str]:
    """(wall seconds, the load's own seconds, its report) of one load into a fresh home."""
    home = Path(tempfile.mkdtemp(prefix="lealtad-purchases-bench-"))
    env = {**os.environ, "LEALTAD_HOME": str(home)}
    env.pop("LEALTAD_DATABASE_URL", None)
    try:
        subprocess.run([lealtad_bin(), "init"], env=env, check=True, capture_output=True)
        command = [lealtad_bin(), "demo", "--customers", str(customers), "--seed", str(seed)]
        if not purchases:
            command.append("--no-purchases")
        start = time.perf_counter()
        done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - start
        report = next(line for line in done.stdout.splitlines() if line.startswith("Loaded"))
        found = re.search(r" in ([\d.]+) s ", report)
        return wall, float(found.group(1)) if found else float("nan"), report
    finally:
        shutil.rmtree(home, ignore_errors=True)


def generator_alone(customers: int, seed: int) -> tuple[float, int]:
    """Seconds of the pure purchase generator for the customers' buyers, and its orders."""
    from lealtad.commerce import demo_assortment
    from lealtad.commerce.demo_purchases import Catalog, Ids, purchases
    from lealtad.customers.demo import generator

    skus: dict[str, tuple[int, int, str]] = {}
    products: dict[str, list[str]] = {}
    for n, (sku, product, description, price, _) in enumerate(demo_assortment.variants()):
        skus[sku] = (n + 1, round(float(price) * 100), description)
        products.setdefault(product, []).append(sku)
    catalog = Catalog(
        skus=skus,
        product_skus={p: tuple(s) for p, s in products.items()},
        category={code: c for code, _, _, c, _, _ in demo_assortment.PRODUCTS},
        stores={"": (1,)},
        warehouses={"EC": 1, "PE": 1, "MX": 1},
    )
    today, spent, orders, ids = date.today(), 0.0, 0, Ids()
    for index in range((customers + generator.CHUNK - 1) // generator.CHUNK):
        count = min(generator.CHUNK, customers - index * generator.CHUNK)
        rows = generator.generate_chunk(seed, index, count, 0, 0, 10, today, "x")
        start = time.perf_counter()
        orders += len(purchases(seed, rows["Shopper"], catalog, ids, today)["Order"])  # type: ignore[arg-type]
        spent += time.perf_counter() - start
    return spent, orders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"demo purchases benchmark: {args.customers:,} customers, seed {args.seed}")
    print(f"  SQLite, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, {date.today()}")
    runs: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    report = ""
    for _ in range(args.rounds):
        for purchases in (False, True):
            wall, own, text = one_load(args.customers, args.seed, purchases)
            runs[purchases].append((wall, own))
            report = text if purchases else report
    print(f"  {report[:160]}")
    for purchases, label in ((False, "--no-purchases (peer)"), (True, "with purchases")):
        wall = statistics.median(w for w, _ in runs[purchases])
        own = statistics.median(o for _, o in runs[purchases])
        print(f"  {label:24} median wall {wall:6.2f} s, load {own:6.2f} s")
    spent, orders = generator_alone(args.customers, args.seed)
    print(f"  purchase generator alone: {spent:.2f} s for {orders:,} orders")
    print(f"  load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
