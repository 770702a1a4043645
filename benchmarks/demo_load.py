"""Time ``lealtad demo --customers N`` into a fresh database, with its floor.

    .venv/bin/python benchmarks/demo_load.py --customers 100000
    .venv/bin/python benchmarks/demo_load.py --customers 1000000 --keep /tmp/lealtad-1m

On SQLite (default) every run gets a fresh ``LEALTAD_HOME`` (a temporary directory, removed
afterwards unless ``--keep`` names one). With ``LEALTAD_DATABASE_URL`` set, the load goes to
that PostgreSQL database, which should be empty.

The floor, measured in the same run, is the generator alone (no database): the load can never
be faster than that on one core. Target: 1,000,000 customers with 10 interactions each in
5 minutes or less.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS_PER_MILLION = 300.0


def lealtad_bin() -> str:
    local = ROOT / ".venv" / "bin" / "lealtad"
    return str(local) if local.exists() else (shutil.which("lealtad") or "lealtad")


def generator_floor(customers: int, per_customer: int, limit_seconds: float) -> float:
    """Seconds to only generate the rows (one core), extrapolated from a bounded sample."""
    sys.path.insert(0, str(ROOT / "src"))
    from lealtad.customers.demo import generator

    today = datetime.now(UTC).date()
    chunks = (customers + generator.CHUNK - 1) // generator.CHUNK
    start = time.perf_counter()
    done = 0
    for index in range(chunks):
        count = min(generator.CHUNK, customers - index * generator.CHUNK)
        generator.generate_chunk(1, index, count, 0, 0, per_customer, today, "2025-01-01 00:00:00")
        done += count
        if time.perf_counter() - start > limit_seconds:
            break
    return (time.perf_counter() - start) * customers / done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions-per-customer", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="LEALTAD_HOME to create and keep")
    args = parser.parse_args()

    env = dict(os.environ)
    home = args.keep or Path(tempfile.mkdtemp(prefix="lealtad-demo-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    env["LEALTAD_HOME"] = str(home)
    engine = "PostgreSQL" if env.get("LEALTAD_DATABASE_URL") else "SQLite"
    print(f"demo load benchmark: {args.customers:,} customers x {args.interactions_per_customer}")
    print(f"  {engine}, LEALTAD_HOME={home}, {os.cpu_count()} CPUs, {date.today()}")
    try:
        subprocess.run([lealtad_bin(), "init"], env=env, check=True, capture_output=True)
        start = time.perf_counter()
        done = subprocess.run(
            [
                lealtad_bin(),
                "demo",
                "--customers",
                str(args.customers),
                "--seed",
                str(args.seed),
                "--interactions-per-customer",
                str(args.interactions_per_customer),
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        wall = time.perf_counter() - start
        print(f"  {done.stdout.strip()}")
        floor = generator_floor(args.customers, args.interactions_per_customer, 30)
        scaled_target = TARGET_SECONDS_PER_MILLION * args.customers / 1_000_000
        print(f"  generator alone (floor, one core)   {floor:8.1f} s")
        print(
            f"  lealtad demo, wall clock            {wall:8.1f} s   "
            f"target ≤ {scaled_target:.0f} s ({TARGET_SECONDS_PER_MILLION:.0f} s per million)  "
            f"{'ok' if wall <= scaled_target else 'MISSED'}"
        )
        print(f"  customers per second                {args.customers / wall:8.0f}")
        words = "customers|households|interactions|identifiers|phones|emails|addresses|consents"
        words += "|changes"
        counts = re.findall(rf"(\d[\d,]*) (?:{words})\b", done.stdout)
        rows = sum(int(n.replace(",", "")) for n in counts)
        print(f"  rows per second (main tables)       {rows / wall:8.0f}")
        database = home / "lealtad.sqlite3"
        if engine == "SQLite" and database.exists():
            print(
                f"  database size                       {database.stat().st_size / 2**30:8.2f} GiB"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
