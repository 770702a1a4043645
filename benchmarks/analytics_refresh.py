"""The full analytics refresh over a large base, stage by stage, on SQLite or PostgreSQL.

Issue 12's target: a full refresh for 1,000,000 customers with write-back in ≤ 60 s on SQLite
and PostgreSQL. The base is made once per ``LEALTAD_HOME`` (or database) and reused: seeded
customers, orders over three years (a few heavy buyers, many occasional ones), one line each,
and some returns, written with the project's own insert helper. Then one refresh runs as the
nightly job would, and its stages' seconds are printed (facts export, assessment, write-back,
basket rules), with the refresh a second time a day later (standings already there, every
buyer's figures moved by a day: the nightly case; ``--day`` starts further on, so a base
refreshed before is assessed on a day it has not seen).

    LEALTAD_HOME=/tmp/bench-refresh .venv/bin/python benchmarks/analytics_refresh.py \\
        --customers 1000000
    LEALTAD_DATABASE_URL=postgres://… (the same, on PostgreSQL)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")


def _setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def make_base(customers: int, seed: int) -> None:
    """Customers, orders and returns, unless the base already has them."""
    from django.db import transaction

    from lealtad.commerce import demo
    from lealtad.commerce.models import Order, OrderLine, Variant
    from lealtad.core.db import insert_new, new_row, reserve_ids
    from lealtad.customers.models import Customer

    have = Customer.objects.count()
    if have >= customers:
        print(f"base: {have:,} customers already there")
        return
    demo.seed_catalog()
    variant = Variant.objects.order_by("pk").first()
    rng = np.random.default_rng(seed)
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    started = time.perf_counter()
    step = 50_000
    for first in range(have, customers, step):
        size = min(step, customers - first)
        with transaction.atomic():
            ids = reserve_ids(Customer, size)
            insert_new(
                [
                    new_row(
                        Customer,
                        id=i,
                        display_name=f"Cliente {i}",
                        search_name=f"cliente {i}",
                        first_contact_channel="pos",
                    )
                    for i in ids
                ]
            )
            orders = _orders(rng, ids, today)
            order_ids = reserve_ids(Order, len(orders))
            rows, lines = [], []
            for oid, (cid, at, amount, channel) in zip(order_ids, orders, strict=True):
                money = Decimal(f"{amount:.2f}")
                rows.append(
                    new_row(
                        Order,
                        id=oid,
                        number=f"B{oid}",
                        customer_id=cid,
                        channel=channel,
                        status="completed",
                        fulfilment="take_now",
                        currency="USD",
                        tax_country="EC",
                        tax_rate=Decimal("0.15"),
                        subtotal=money,
                        discount=Decimal(0),
                        tax=Decimal(0),
                        total=money,
                        placed_at=at,
                    )
                )
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
                        tax=Decimal(0),
                        total=money,
                    )
                )
            insert_new(rows)
            insert_new(lines)
        done = first + size
        rate = done / (time.perf_counter() - started)
        print(f"base: {done:,} customers ({rate:,.0f}/s)", end="\r", flush=True)
    print()


def _orders(rng: np.random.Generator, ids: list[int], today: datetime) -> list[tuple]:
    """Three years of orders: most customers buy once or twice, a tenth buy often."""
    heavy = rng.random(len(ids)) < 0.1
    counts = np.where(heavy, rng.poisson(12, len(ids)), rng.poisson(1.2, len(ids)))
    out = []
    channels = ("pos", "web", "call_center")
    for cid, n in zip(ids, counts, strict=True):
        if n == 0:
            continue
        days = rng.integers(0, 3 * 365, n)
        amounts = rng.gamma(2.0, 20.0, n) + 1
        for d, a in zip(days, amounts, strict=True):
            out.append((cid, today - timedelta(days=int(d)), float(a), channels[int(d) % 3]))
    return out


def refresh_once(as_of: date) -> dict[str, float]:
    from lealtad.analytics.services import refresh
    from lealtad.core.audit import Actor

    started = time.perf_counter()
    run = refresh.run(Actor.system("benchmark"), trigger="cli", as_of=as_of)
    total = time.perf_counter() - started
    seconds = dict(run.figures.get("seconds", {}))
    seconds["total"] = round(total, 1)
    print(
        f"  customers {run.customers:,}; tier changes {run.tier_changes:,}; "
        f"warnings {run.warnings[:3]}"
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--day",
        type=int,
        default=0,
        help="assess as of today + DAY (each further run one day later, as nightly runs are: "
        "every buyer's figures move a little)",
    )
    args = parser.parse_args()
    _setup()
    from django.db import connection

    make_base(args.customers, args.seed)
    print(f"database: {connection.vendor}")
    print(f"{'run':<8}{'facts':>8}{'assess':>8}{'write':>8}{'basket':>8}{'total':>8}  target")
    for n in range(1, args.runs + 1):
        s = refresh_once(date.today() + timedelta(days=args.day + n - 1))
        print(
            f"{n:<8}{s.get('facts', 0):>8.1f}{s.get('assess', 0):>8.1f}"
            f"{s.get('write_back', 0):>8.1f}{s.get('basket', 0):>8.1f}{s['total']:>8.1f}  60 s"
        )


if __name__ == "__main__":
    main()
