"""The cube's incremental feed on a real database: 10,000 new orders (30,000 lines) land with
their ``order.placed`` outbox messages, the feed turns the messages into delta files the way
the dispatcher hands them over (groups of 200), and the clock stops when a cube query counts
every one of them (target ≤ 5 s from commit to visible). Peak memory printed too.

    .venv/bin/python benchmarks/cube_feed.py [--orders 10000]
    LEALTAD_DATABASE_URL=postgres://… .venv/bin/python benchmarks/cube_feed.py

Runs in a temporary LEALTAD_HOME (removed afterwards). The orders are written as one batch,
as a bulk channel would land them (``insert_new`` and ``hub.publish_many`` in one
transaction); the other subscribers of ``order.placed`` are not run, so the figure is the
cube's own path: re-read the orders, lines, returns and customers named, write Parquet, query.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal


def _setup(home: str) -> None:
    os.environ["LEALTAD_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def land(count: int) -> list[int]:
    """``count`` orders of three lines each and their outbox messages, committed together."""
    from django.db import transaction

    from lealtad.commerce import demo
    from lealtad.commerce.models import Order, OrderLine, Variant
    from lealtad.core import hub
    from lealtad.core.db import insert_new, new_row, reserve_ids
    from lealtad.core.models import OutboxMessage

    story = demo.seed_customer()
    before = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    variants = list(Variant.objects.order_by("pk")[:3])
    now = datetime.now(UTC).replace(microsecond=0)
    with transaction.atomic():
        ids = reserve_ids(Order, count)
        orders, lines, told = [], [], []
        for n, oid in enumerate(ids):
            money = Decimal("30.00")
            orders.append(
                new_row(
                    Order,
                    id=oid,
                    number=f"F{oid}",
                    customer_id=story.customer_id,
                    channel="pos",
                    status="completed",
                    fulfilment="take_now",
                    currency="USD",
                    tax_country="EC",
                    tax_rate=Decimal("0.15"),
                    subtotal=money * 3,
                    discount=Decimal(0),
                    tax=Decimal("13.50"),
                    total=Decimal("103.50"),
                    placed_at=now - timedelta(minutes=n),
                )
            )
            for variant in variants:
                lines.append(
                    new_row(
                        OrderLine,
                        order_id=oid,
                        variant_id=variant.pk,
                        sku=variant.sku,
                        description="x",
                        quantity=1,
                        unit_price=money,
                        discount=Decimal(0),
                        tax=Decimal("4.50"),
                        total=Decimal("34.50"),
                    )
                )
            told.append(
                hub.Announcement(
                    "order.placed",
                    {"order": f"F{oid}", "customer_id": story.customer_id},
                    f"F{oid}#order.placed",
                    "pos",
                    story.customer_id,
                )
            )
        insert_new(orders)
        insert_new(lines)
        hub.publish_many(told)
    landed = OutboxMessage.objects.filter(id__gt=before, event_type="order.placed")
    return list(landed.values_list("id", flat=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="cube-feed-")
    try:
        _setup(home)
        from lealtad.analytics.selectors import cube
        from lealtad.analytics.services import facts
        from lealtad.commerce import demo
        from lealtad.core.hub import to_message
        from lealtad.core.models import OutboxMessage
        from lealtad.olap.query import EVERYTHING, CubeQuery

        demo.seed_catalog()
        facts.export_all()
        message_ids = land(args.orders)
        started = time.perf_counter()
        pending = list(OutboxMessage.objects.filter(id__in=message_ids).order_by("id"))
        for first in range(0, len(pending), 200):
            facts.apply_messages([to_message(m) for m in pending[first : first + 200]])
        fed = time.perf_counter() - started
        seen = cube.query(EVERYTHING, CubeQuery(("orders", "revenue"))).records[0][1]
        visible = time.perf_counter() - started
        again = time.perf_counter()
        facts.apply_messages([to_message(m) for m in pending])
        repeat = time.perf_counter() - again
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        from django.db import connection

        print(f"database: {connection.vendor}")
        print(f"{'orders landed':40} {args.orders:10,}")
        print(f"{'feed (read + write deltas), s':40} {fed:10.2f}")
        print(f"{'visible in the cube, s':40} {visible:10.2f}   (target <= 5 s)")
        print(f"{'orders in the cube / revenue':40} {seen[0]:10,} / {seen[1]:,.2f}")
        print(f"{'the same messages again, s':40} {repeat:10.3f}   (adds nothing)")
        print(f"{'peak resident memory, MB':40} {peak:10.0f}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
