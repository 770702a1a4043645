"""Time a legacy inventory stock file applied through its connector, with its floor.

    .venv/bin/python benchmarks/connector_stock_file.py --rows 1000000
    .venv/bin/python benchmarks/connector_stock_file.py --rows 100000 --keep /tmp/stock-bench

Writes a CSV of N stock rows (ITEM, BODEGA, CANT, RESERV, FECHA_HORA) in the format of
``examples/connectors/inventory.yaml``, installs that connector in a fresh ``LEALTAD_HOME``
(temporary unless ``--keep``), and times ``lealtad connectors run inventory``'s work in
process: read, map, validate each event, drop repeats, upsert the stock level, record the
received event and the outbox row, in batches of 5000 committed with the file's progress.

The floor, measured in the same run on a sample, is reading and mapping the rows alone (no
validation, no database). Target: 1,000,000 rows in 60 s or less. With
``LEALTAD_DATABASE_URL`` set, the load goes to that PostgreSQL database, which should be empty.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS_PER_MILLION = 60.0
LOCATIONS = ("01", "02", "03", "09")


def write_file(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("ITEM,BODEGA,CANT,RESERV,FECHA_HORA\n")
        for n in range(rows):
            out.write(
                f"SKU-{n // len(LOCATIONS):07d},{LOCATIONS[n % len(LOCATIONS)]},{n % 97},"
                f"{n % 3},20261124060000\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="LEALTAD_HOME to create and keep")
    parser.add_argument("--floor-sample", type=int, default=100_000)
    parser.add_argument(
        "--with-subscriber",
        action="store_true",
        help="subscribe to stock.level_reported, so every row also writes an outbox message",
    )
    args = parser.parse_args()

    home = args.keep or Path(tempfile.mkdtemp(prefix="lealtad-stock-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    os.environ["LEALTAD_HOME"] = str(home)
    os.environ.setdefault("INVENTORY_URL", "https://inventory.example.com/reservas")
    os.environ.setdefault("INVENTORY_SECRET", "benchmark-secret-0123456789")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from lealtad.channels.connectors import inbound, registry
    from lealtad.channels.models import ExternalRecord, FileProgress

    engine = "PostgreSQL" if os.environ.get("LEALTAD_DATABASE_URL") else "SQLite"
    print(f"connector stock file benchmark: {args.rows:,} rows")
    print(f"  {engine}, LEALTAD_HOME={home}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    listened = "a subscriber (outbox row per row)" if args.with_subscriber else "no subscriber"
    print(f"  stock.level_reported has {listened}")
    try:
        call_command("migrate", interactive=False, verbosity=0)
        connectors = registry.connectors_dir()
        connectors.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "examples" / "connectors" / "inventory.yaml", connectors)
        registry.sync()
        if args.with_subscriber:
            from lealtad.core import hub

            hub.subscriber("stock.level_reported", name="benchmark.listener")(lambda m: None)
        connector = registry.get("inventory")
        assert connector is not None, registry.problems()
        stream = connector.stream("existencias")
        assert stream is not None
        folder = registry.folder(connector, stream.folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "existencias.csv"
        start = time.perf_counter()
        write_file(path, args.rows)
        print(
            f"  file written in {time.perf_counter() - start:.1f} s "
            f"({path.stat().st_size / 1e6:.0f} MB)"
        )

        floor = _floor(connector, stream, path, min(args.floor_sample, args.rows))
        start, cpu = time.perf_counter(), time.process_time()
        [report] = inbound.run(connector)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        kept = ExternalRecord.objects.count()
        progress = FileProgress.objects.get()
        print(f"  {report.summary()}")
        print(
            f"  applied in {elapsed:.1f} s = {args.rows / elapsed:,.0f} rows/s "
            f"({kept:,} stock levels kept, progress {progress.records_done:,})"
        )
        per_million = elapsed * 1_000_000 / args.rows
        print(
            f"  CPU time of this process: {cpu:.1f} s ({cpu * 1_000_000 / args.rows:.1f} s per "
            f"million; the wall time is longer when other processes share the cores)"
        )
        print(f"  floor (read + map only): {floor * 1_000_000:.1f} s per million rows")
        verdict = "OK" if per_million <= TARGET_SECONDS_PER_MILLION else "OVER TARGET"
        print(
            f"  => {per_million:.1f} s per million rows "
            f"(target {TARGET_SECONDS_PER_MILLION:.0f} s): {verdict}"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)


def _floor(connector, stream, path: Path, sample: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds per row to read and map (no validation, no database)."""
    from lealtad.channels.connectors import inbound

    mapper = inbound.mapper(connector, stream)
    now = datetime.now(UTC)
    start = time.perf_counter()
    done = 0
    for _line, record in inbound._records(stream, path):
        mapper.map(record, now)
        done += 1
        if done >= sample:
            break
    return (time.perf_counter() - start) / max(done, 1)


if __name__ == "__main__":
    main()
