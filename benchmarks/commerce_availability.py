"""Availability across all locations (``GET /api/v1/availability?sku=``): p99 over HTTP.

Builds (or reuses, with ``--keep``) a database of ``--skus`` variants stocked densely at
``--locations`` locations (100,000 x 500 = 50 M stock rows at full scale; about 2 minutes
on SQLite, 5 on PostgreSQL), then measures, for SKUs picked at random:

(a) the floor: the stock rows of one SKU as bare SQL in this process, and the selector
    (both its queries and the answer's JSON);
(b) one keep-alive HTTP client against ``lealtad serve``: p50/p90/p99 (target p99 ≤ 10 ms).

    .venv/bin/python benchmarks/commerce_availability.py --skus 100000 --locations 500
    LEALTAD_DATABASE_URL=postgres://… .venv/bin/python benchmarks/commerce_availability.py

A temporary LEALTAD_HOME is removed afterwards unless ``--keep DIR`` names one to keep.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as cc


def load(skus: int, locations: int) -> None:
    """Locations, products and variants through the ORM; the stock rows (every variant at
    every location, 50 M at full scale) by one ``INSERT … SELECT`` over their cross product,
    so the database makes them without a Python object or tuple per row. Units on hand are
    0-12 by a fixed hash of the two ids (the same on every run and both databases); one row
    in 13 has none, as a shelf that ran out. SQLite loads with its journal and syncs off (a
    benchmark database: a crash means reloading), then goes back to WAL; PostgreSQL without
    waiting for each commit's flush."""
    from django.db import DatabaseError, connection, transaction

    from lealtad.commerce.models import Location, Product, Stock, Variant
    from lealtad.commerce.services import catalog

    if Variant.objects.exists():
        print(
            f"  reusing {Variant.objects.count():,} variants, {Location.objects.count()} locations"
        )
        return
    start = time.perf_counter()
    catalog.ensure_tax_rates()
    Location.objects.bulk_create(
        Location(
            code=f"L{n:04d}",
            name=f"{'Bodega' if n % 25 == 0 else 'Tienda'} {n}",
            kind="warehouse" if n % 25 == 0 else "store",
            city="Quito",
        )
        for n in range(locations)
    )
    sizes = ("S", "M", "L", "XL")
    with transaction.atomic():
        products = Product.objects.bulk_create(
            (Product(code=f"P{n:06d}", name_es=f"Producto {n}") for n in range(skus // 4 + 1)),
            batch_size=5000,
        )
        Variant.objects.bulk_create(
            (
                Variant(
                    product=products[n // 4],
                    sku=f"SKU{n:07d}-{sizes[n % 4]}",
                    attributes={"talla": sizes[n % 4]},
                    price="19.90",
                )
                for n in range(skus)
            ),
            batch_size=5000,
        )
    print(f"  catalog: {skus:,} variants in {time.perf_counter() - start:,.0f} s")
    stock, variant, location = (
        connection.ops.quote_name(m._meta.db_table) for m in (Stock, Variant, Location)
    )
    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        # The plain indexes are built once after the rows (a sort) instead of row by row, and
        # the foreign keys are not checked row by row: every id comes from its table.
        indexes = _plain_indexes(cursor, Stock._meta.db_table)
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        if sqlite:
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA foreign_keys=OFF")
        else:
            cursor.execute("SET synchronous_commit=off")
            with contextlib.suppress(DatabaseError):  # no foreign-key triggers: superusers
                cursor.execute("SET session_replication_role=replica")
        # Variant by variant, so the rows of one variant sit together as the app writes them.
        batch = 2000
        ids = list(Variant.objects.order_by("id").values_list("id", flat=True))
        total = len(ids) * locations
        for first in range(0, len(ids), batch):
            low, high = ids[first], ids[min(first + batch, len(ids)) - 1]
            with transaction.atomic():
                cursor.execute(
                    f"INSERT INTO {stock} (variant_id, location_id, on_hand, reserved) "
                    f"SELECT v.id, l.id, (v.id * 7919 + l.id * 104729) %% 13, 0 "
                    f"FROM {variant} v CROSS JOIN {location} l "
                    f"WHERE v.id BETWEEN %s AND %s ORDER BY v.id, l.id",
                    [low, high],
                )
            done = min(first + batch, len(ids)) * locations
            rate = done / (time.perf_counter() - start)
            print(f"\r  stock rows {done:>12,} / {total:,}  ({rate:,.0f}/s)", end="", flush=True)
        print()
        for _name, definition in indexes:
            cursor.execute(definition)
        if sqlite:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("SET session_replication_role=DEFAULT")
            cursor.execute(f"VACUUM ANALYZE {stock}")
    total = len(ids) * locations
    print(f"  loaded {total:,} stock rows in {time.perf_counter() - start:,.0f} s")


def _plain_indexes(cursor: Any, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's indexes that back no constraint."""
    if cursor.db.vendor == "sqlite":
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [table],
        )
    else:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
            "NOT IN (SELECT conname FROM pg_constraint)",
            [table],
        )
    return list(cursor.fetchall())


def floor(skus: list[str], count: int) -> tuple[list[float], list[float]]:
    """The database alone (the stock rows of one SKU by the variant's index), then the
    selector: both queries and the answer's JSON, in this process."""
    from django.db import connection

    from lealtad.commerce import selectors

    cursor = connection.cursor()
    sql = (
        "SELECT s.location_id, s.on_hand - s.reserved FROM commerce_stock s "
        "WHERE s.variant_id = (SELECT id FROM commerce_variant WHERE sku = %s) "
        "AND s.on_hand > s.reserved"
    )

    def bare(sku: str) -> None:
        cursor.execute(sql, [sku])
        cursor.fetchall()

    it = iter(skus * (count // len(skus) + 1))
    raw = cc.timed(lambda: bare(next(it)), count, 20)
    it = iter(skus * (count // len(skus) + 1))
    answer = cc.timed(lambda: selectors.availability_json(next(it), "L0001"), count, 20)
    return raw, answer


class Client:
    """One keep-alive connection (stdlib): httpx spent about a millisecond of the two cores
    the server runs on parsing each 44 KB answer."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> tuple[int, bytes]:
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--locations", type=int, default=500)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="LEALTAD_HOME to build in and keep")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    home = args.keep or Path(tempfile.mkdtemp(prefix="lealtad-avail-"))
    os.environ["LEALTAD_HOME"] = str(home)
    db = os.environ.get("LEALTAD_DATABASE_URL", "sqlite").split("@")[-1]
    print(f"commerce availability: {args.skus:,} SKUs x {args.locations} locations on {db}")
    try:
        cc.init()
        cc.django_setup()
        load(args.skus, args.locations)
        from lealtad.commerce.models import Variant

        rng = random.Random(args.seed)
        top = Variant.objects.count()
        picks = {rng.randrange(top) for _ in range(min(500, top))}
        skus = [
            v
            for n, v in enumerate(Variant.objects.order_by("id").values_list("sku", flat=True))
            if n in picks
        ]
        rng.shuffle(skus)
        raw, answer = floor(skus, args.requests)
        print("(a) floor, in process")
        cc.report("bare SQL p50", cc.percentile(raw, 50), "ms")
        cc.report("bare SQL p99", cc.percentile(raw, 99), "ms")
        cc.report("selector (queries + JSON) p50", cc.percentile(answer, 50), "ms")
        cc.report("selector (queries + JSON) p99", cc.percentile(answer, 99), "ms")
        from django.db import connection

        connection.close()
        token = cc.create_token("customers:read")
        port = cc.free_port()
        server = cc.start_server(port, args.workers)
        try:
            client = Client(port, token)
            status, first = client.get(f"/api/v1/availability?sku={skus[0]}&location=L0001")
            assert status == 200, first
            body = json.loads(first)
            print(f"    one answer: {len(body['locations'])} locations, {len(first):,} bytes")
            it = iter(skus * (args.requests // len(skus) + 2))

            def call() -> None:
                status, text = client.get(f"/api/v1/availability?sku={next(it)}&location=L0001")
                assert status == 200, text

            for _ in range(50):
                call()  # warm up
            lat = cc.timed(call, args.requests, 60)
            print(f"(b) HTTP, one keep-alive client, {len(lat)} requests, {args.workers} workers")
            cc.report("availability p50", cc.percentile(lat, 50), "ms")
            cc.report("availability p90", cc.percentile(lat, 90), "ms")
            cc.report("availability p99", cc.percentile(lat, 99), "ms", 10.0)
            print(f"    load average {os.getloadavg()[0]:.2f} (2 cores)")
        finally:
            cc.stop_server(server)
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
