"""Time a legacy inventory stock file applied through its connector, with its floor.

    .venv/bin/python benchmarks/connector_stock_file.py --rows 1000000
    .venv/bin/python benchmarks/connector_stock_file.py --rows 1000000 --with-subscriber
    .venv/bin/python benchmarks/connector_stock_file.py --rows 100000 --keep /tmp/stock-bench

Writes a CSV of N stock rows (ITEM, BODEGA, CANT, RESERV, FECHA_HORA) in the format of
``examples/connectors/inventory.yaml``, installs that connector in a fresh ``LEALTAD_HOME``
(temporary unless ``--keep``) with a catalog holding every SKU of the file at the connector's
four locations, and times ``lealtad connectors run inventory``'s work in process: read, map,
validate, drop reports no newer than the kept ones, set the stock rows that change (commerce),
keep each SKU@location's report, one ``stock.levels_changed`` outbox message per batch, and
the file's progress, in batches committed together.

Then, unless ``--no-next-day``, the next night's snapshot: the same rows an hour later, 2% of
them with another count (every report is newer, few levels change; ``--next-changed 100``
changes every level).

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
LOCATIONS = {"01": "quito-norte", "02": "quito-sur", "03": "guayaquil-centro", "09": "cd-pifo"}
SKUS_PER_PRODUCT = 10
HEARD: list[dict] = []  # what the subscriber received (with --with-subscriber)


def write_file(
    path: Path, rows: int, stamp: str = "20261124060000", changed_every: int = 0
) -> None:
    codes = list(LOCATIONS)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("ITEM,BODEGA,CANT,RESERV,FECHA_HORA\n")
        for n in range(rows):
            units = n % 97 + (1 if changed_every and n % changed_every == 0 else 0)
            out.write(f"{_sku(n // len(codes))},{codes[n % len(codes)]},{units},{n % 3},{stamp}\n")


def _sku(n: int) -> str:
    return f"SKU-{n:07d}"


def seed_catalog(rows: int) -> None:
    """Every SKU of the file, ten per product, and the connector's four locations."""
    from decimal import Decimal

    from lealtad.commerce.models import Location, Product, Variant

    Location.objects.bulk_create(
        [Location(code=c, name=c, kind=Location.Kind.WAREHOUSE) for c in LOCATIONS.values()]
    )
    skus = -(-rows // len(LOCATIONS))
    products = Product.objects.bulk_create(
        [Product(code=f"P-{n:06d}", name_es=f"Producto {n}") for n in range(-(-skus // 10))],
        batch_size=5000,
    )
    Variant.objects.bulk_create(
        (
            Variant(product=products[n // SKUS_PER_PRODUCT], sku=_sku(n), price=Decimal("9.90"))
            for n in range(skus)
        ),
        batch_size=5000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="LEALTAD_HOME to create and keep")
    parser.add_argument("--floor-sample", type=int, default=100_000)
    parser.add_argument("--no-next-day", action="store_true", help="skip the second snapshot")
    parser.add_argument(
        "--next-changed",
        type=float,
        default=2.0,
        help="percent of the levels the next snapshot changes (default 2)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        help="records per batch, 1 to 10,000 (the example connector has 10,000)",
    )
    parser.add_argument(
        "--with-subscriber",
        action="store_true",
        help="subscribe to stock.levels_changed, and time the dispatcher delivering it all",
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

    from lealtad.channels.connectors import registry, subscribers

    print(f"connector stock file benchmark: {args.rows:,} rows")
    print(f"  {_engine()}, LEALTAD_HOME={home}, {os.cpu_count()} CPUs, load {_load()}")
    listened = "a subscriber" if args.with_subscriber else "no subscriber"
    print(f"  stock.levels_changed has {listened}; batches of {args.batch or 10_000:,}")
    try:
        call_command("migrate", interactive=False, verbosity=0)
        start = time.perf_counter()
        seed_catalog(args.rows)
        print(f"  catalog seeded in {time.perf_counter() - start:.1f} s")
        connectors = registry.connectors_dir()
        connectors.mkdir(parents=True, exist_ok=True)
        example = (ROOT / "examples" / "connectors" / "inventory.yaml").read_text()
        if args.batch:
            example = example.replace("batch: 10000", f"batch: {args.batch}")
        (connectors / "inventory.yaml").write_text(example)
        subscribers.sync()
        if args.with_subscriber:
            from lealtad.core import hub

            hub.subscriber("stock.levels_changed", name="benchmark.listener")(
                lambda message: HEARD.extend(message.payload["levels"])
            )
        connector = registry.get("inventory")
        assert connector is not None, registry.problems()
        stream = connector.stream("existencias")
        assert stream is not None
        folder = registry.folder(connector, stream.folder)
        folder.mkdir(parents=True, exist_ok=True)

        path = folder / "existencias-1.csv"
        start = time.perf_counter()
        write_file(path, args.rows)
        print(
            f"  file written in {time.perf_counter() - start:.1f} s "
            f"({path.stat().st_size / 1e6:.0f} MB)"
        )
        floor = _floor(connector, stream, path, min(args.floor_sample, args.rows))
        print(f"  floor (read + map only): {floor * 1_000_000:.1f} s per million rows")
        per_million = _apply(connector, args.rows, "first snapshot (every level new)")
        if not args.no_next_day:
            every = max(round(100 / args.next_changed), 1)
            write_file(folder / "existencias-2.csv", args.rows, "20261124070000", every)
            label = f"next snapshot (every report newer, {100 / every:g}% changed)"
            _apply(connector, args.rows, label)
        verdict = "OK" if per_million <= TARGET_SECONDS_PER_MILLION else "OVER TARGET"
        print(
            f"  => first snapshot: {per_million:.1f} s per million rows "
            f"(target {TARGET_SECONDS_PER_MILLION:.0f} s): {verdict}"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)


def _apply(connector, rows: int, label: str) -> float:  # type: ignore[no-untyped-def]
    from lealtad.channels.connectors import inbound_files
    from lealtad.commerce.models import Stock
    from lealtad.core import dispatcher, hub
    from lealtad.core.models import OutboxMessage

    outbox = OutboxMessage.objects.count()
    load = _load()
    start, cpu = time.perf_counter(), time.process_time()
    [report] = inbound_files.run(connector)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"  {label}:")
    print(f"    {report.summary()}")
    print(
        f"    applied in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s, CPU {cpu:.1f} s "
        f"(load {load} before, {_load()} after)"
    )
    print(
        f"    {Stock.objects.count():,} stock rows, "
        f"{OutboxMessage.objects.count() - outbox} outbox messages"
    )
    if hub.subscription("benchmark.listener") is not None:
        start = time.perf_counter()
        worker = dispatcher.OutboxDispatcher()
        while worker.run_once():
            pass
        print(
            f"    dispatched to the subscriber in {time.perf_counter() - start:.1f} s: "
            f"{len(HEARD):,} levels heard"
        )
    return elapsed * 1_000_000 / rows


def _engine() -> str:
    """The database and its durability settings (figures are only comparable at the same)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT current_setting('server_version'), current_setting('fsync'), "
                "current_setting('synchronous_commit'), current_setting('shared_buffers')"
            )
            version, fsync, commit, buffers = cursor.fetchone()
            return (
                f"PostgreSQL {version.split()[0]} (fsync {fsync}, synchronous_commit {commit}, "
                f"shared_buffers {buffers})"
            )
        cursor.execute("PRAGMA synchronous")
        (synchronous,) = cursor.fetchone()
        names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
        return f"SQLite (synchronous={names.get(synchronous, synchronous)})"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _floor(connector, stream, path: Path, sample: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds per row to read and map (no validation, no database)."""
    from lealtad.channels.connectors import inbound, inbound_files

    mapper = inbound.mapper(connector, stream)
    now = datetime.now(UTC)
    start = time.perf_counter()
    done = 0
    for _line, record in inbound_files.records(stream, path):
        mapper.fields(record, now)
        done += 1
        if done >= sample:
            break
    return (time.perf_counter() - start) / max(done, 1)


if __name__ == "__main__":
    main()
