"""Availability across all locations (``GET /api/v1/availability?sku=``): p99 over HTTP.

Builds (or reuses, with ``--home``) a database of ``--skus`` variants stocked densely at
``--locations`` locations (100,000 x 500 = 50 M stock rows at full scale), then measures:

(a) the floor: the same indexed query as bare SQL in this process, and through the selector;
(b) one keep-alive HTTP client against ``lealtad serve``: p50/p99 (target p99 ≤ 10 ms).

    .venv/bin/python benchmarks/commerce_availability.py --skus 100000 --locations 500
    LEALTAD_DATABASE_URL=postgres://… .venv/bin/python benchmarks/commerce_availability.py

A temporary LEALTAD_HOME is removed afterwards unless ``--keep DIR`` names one to keep.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as cc

CHUNK = 20_000


def load(skus: int, locations: int, seed: int) -> None:
    from django.db import connection, transaction

    from lealtad.commerce.models import Location, Product, Stock, Variant
    from lealtad.commerce.services import catalog

    if Variant.objects.exists():
        print(
            f"  reusing {Variant.objects.count():,} variants, {Location.objects.count()} locations"
        )
        return
    rng = random.Random(seed)
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
    loc_ids = list(Location.objects.order_by("id").values_list("id", flat=True))
    sizes = ("S", "M", "L", "XL")
    with transaction.atomic():
        products = Product.objects.bulk_create(
            Product(code=f"P{n:06d}", name_es=f"Producto {n}") for n in range(skus // 4 + 1)
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
    variant_ids = list(Variant.objects.order_by("id").values_list("id", flat=True))
    table = connection.ops.quote_name(Stock._meta.db_table)
    sql = f"INSERT INTO {table} (variant_id, location_id, on_hand, reserved) VALUES (%s, %s, %s, 0)"
    total = len(variant_ids) * len(loc_ids)
    done = 0
    rows: list[tuple[int, int, int]] = []
    with connection.cursor() as cursor:
        for vid in variant_ids:
            rows.extend((vid, lid, rng.randint(0, 12)) for lid in loc_ids)
            if len(rows) >= CHUNK * 10:
                with transaction.atomic():
                    cursor.executemany(sql, rows)
                done += len(rows)
                rows = []
                rate = done / (time.perf_counter() - start)
                print(
                    f"\r  stock rows {done:>12,} / {total:,}  ({rate:,.0f}/s)", end="", flush=True
                )
        if rows:
            with transaction.atomic():
                cursor.executemany(sql, rows)
    if connection.vendor == "sqlite":
        connection.cursor().execute("ANALYZE")
    else:
        connection.cursor().execute(f"ANALYZE {table}")
    print(f"\n  loaded {total:,} stock rows in {time.perf_counter() - start:,.0f} s")


def floor(skus: list[str], count: int) -> tuple[list[float], list[float]]:
    from django.db import connection

    from lealtad.commerce import selectors

    cursor = connection.cursor()
    sql = (
        "SELECT l.code, l.name, l.kind, l.city, s.on_hand, s.reserved FROM commerce_stock s "
        "JOIN commerce_location l ON l.id = s.location_id "
        "WHERE s.variant_id = (SELECT id FROM commerce_variant WHERE sku = %s)"
    )

    def bare(sku: str) -> None:
        cursor.execute(sql, [sku])
        cursor.fetchall()

    it = iter(skus * (count // len(skus) + 1))
    raw = cc.timed(lambda: bare(next(it)), count, 20)
    it = iter(skus * (count // len(skus) + 1))
    orm = cc.timed(lambda: selectors.availability(next(it), "L0001"), count, 20)
    return raw, orm


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
        load(args.skus, args.locations, args.seed)
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
        raw, orm = floor(skus, args.requests)
        print("(a) floor, in process")
        cc.report("bare SQL p50", cc.percentile(raw, 50), "ms")
        cc.report("bare SQL p99", cc.percentile(raw, 99), "ms")
        cc.report("selector p99 (query + shaping)", cc.percentile(orm, 99), "ms")
        from django.db import connection

        connection.close()
        token = cc.create_token("customers:read")
        port = cc.free_port()
        server = cc.start_server(port, args.workers)
        try:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
                first = client.get(f"/api/v1/availability?sku={skus[0]}&location=L0001")
                first.raise_for_status()
                body = first.json()
                size = len(first.content)
                print(f"    one answer: {len(body['locations'])} locations, {size:,} bytes")
                it = iter(skus * (args.requests // len(skus) + 1))

                def call() -> None:
                    r = client.get(f"/api/v1/availability?sku={next(it)}&location=L0001")
                    assert r.status_code == 200, r.text

                for _ in range(50):
                    call()  # warm up
                lat = cc.timed(call, args.requests, 60)
            print(f"(b) HTTP, one keep-alive client, {len(lat)} requests, {args.workers} workers")
            cc.report("availability p50", cc.percentile(lat, 50), "ms")
            cc.report("availability p99", cc.percentile(lat, 99), "ms", 10.0)
        finally:
            cc.stop_server(server)
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
