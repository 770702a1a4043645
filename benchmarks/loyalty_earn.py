"""Loyalty earn events through the hub: ``order.placed`` messages into the points ledger per
second, the ledger balanced afterwards, against a naive peer (one event at a time through the
ORM, as a subscriber written without batches would).

Publishes ``--events`` ``order.placed`` events (two lines each, shaped as commerce's
``order_payload``) for ``--customers`` customers to the outbox, then runs the dispatcher until
the outbox is empty, the way ``lealtad dispatch`` does: (a) with loyalty's subscriber alone,
(b) replayed (every delivery offered again: nothing may earn twice), (c) the peer on
``--peer-events`` fresh events. Target: 10,000 earn events/s (issue 15).

    .venv/bin/python benchmarks/loyalty_earn.py
    LEALTAD_DATABASE_URL=postgres://… .venv/bin/python benchmarks/loyalty_earn.py

Runs in a temporary LEALTAD_HOME (removed afterwards).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as cc

SKUS = ("CAM-OXF-CEL-M", "PAN-CHI-AZM-32", "MED-IBU-400", "LEC-ENT-1L")
CHANNELS = ("pos", "web", "handheld", "call_center")


def payload(n: int, customers: int, start: datetime) -> tuple[dict[str, Any], int]:
    customer = 1 + (n * 7919) % customers
    lines = [
        {
            "sku": SKUS[(n + i) % len(SKUS)],
            "quantity": 1 + (n + i) % 3,
            "unit_price": "12.50",
            "discount": "1.00" if i else "0.00",
            "tax": "1.80",
            "total": "14.30",
        }
        for i in range(2)
    ]
    return (
        {
            "customer_id": customer,
            "order": f"PED-BENCH-{n:08d}",
            "channel": CHANNELS[n % len(CHANNELS)],
            "promotions": ["VERANO"] if n % 5 == 0 else [],
            "placed_at": (start + timedelta(seconds=n)).isoformat(),
            "lines": lines,
        },
        customer,
    )


def publish(first: int, count: int, customers: int) -> None:
    from django.db import transaction

    from lealtad.core import hub

    start = datetime(2026, 3, 1, tzinfo=UTC)
    for chunk in range(first, first + count, 1000):
        with transaction.atomic():
            hub.publish_many(
                [
                    hub.Announcement(
                        "order.placed", body, f"{body['order']}#order.placed", body["channel"], c
                    )
                    for n in range(chunk, min(chunk + 1000, first + count))
                    for body, c in [payload(n, customers, start)]
                ]
            )


def clean() -> None:
    """A PostgreSQL database outlives the run: drop what an earlier run left."""
    from lealtad.core.models import Delivery, OutboxMessage
    from lealtad.loyalty.models import LedgerEntry, Member, Program

    Delivery.objects.filter(message__event_id__startswith="PED-BENCH-").delete()
    OutboxMessage.objects.filter(event_id__startswith="PED-BENCH-").delete()
    LedgerEntry.objects.filter(member__program__code="bench").delete()
    Member.objects.filter(program__code="bench").delete()
    Program.objects.filter(code="bench").delete()


def program() -> None:
    from lealtad.core.audit import Actor
    from lealtad.loyalty.services import programs

    actor = Actor.system("bench")
    club = programs.save_program({"code": "bench", "name": "Bench", "expiry_months": 12}, actor)
    for name, rank, threshold, mult in (("Plata", 0, 0, "1"), ("Oro", 1, 3000, "1.5")):
        programs.save_tier(
            club,
            {"name": name, "rank": rank, "threshold": threshold, "multiplier": Decimal(mult)},
            actor,
        )
    programs.save_rule(club, {"name": "base", "points_per_unit": Decimal(1)}, actor)
    programs.save_rule(
        club, {"name": "store", "channel": "pos", "points_per_unit": Decimal(2)}, actor
    )
    programs.save_rule(
        club, {"name": "promo", "promotion": "VERANO", "points_per_unit": Decimal(3)}, actor
    )


def dispatch(limit: int, dispatchers: int = 1) -> tuple[int, float, float]:
    """Until the outbox is empty: settled, seconds, CPU seconds of every dispatcher. With
    ``dispatchers`` above one, as many processes, each with its ``lealtad dispatch --share``."""
    if dispatchers == 1:
        return drain(limit, None)
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each child opens its own
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    began = time.perf_counter()
    children = [
        context.Process(target=_drain_share, args=(limit, k, dispatchers, results))
        for k in range(dispatchers)
    ]
    for child in children:
        child.start()
    found = [results.get() for _ in children]
    elapsed = time.perf_counter() - began
    for child in children:
        child.join()
    return sum(s for s, _ in found), elapsed, sum(c for _, c in found)


def _drain_share(limit: int, index: int, of: int, results: Any) -> None:
    from lealtad.core.dispatcher import Share

    settled, _, cpu = drain(limit, Share(index, of))
    results.put((settled, cpu))


def drain(limit: int, share: Any) -> tuple[int, float, float]:
    from django.db import close_old_connections

    from lealtad.core.dispatcher import default_dispatcher

    hub = default_dispatcher(share)
    settled = 0
    began, cpu = time.perf_counter(), time.process_time()
    while True:
        close_old_connections()
        done = hub.run_once(limit=limit)
        if not done:
            break
        settled += done
    return settled, time.perf_counter() - began, time.process_time() - cpu


def naive(first: int, count: int, customers: int) -> float:
    """The peer: each event in its own transaction through the ORM (get_or_create the member,
    look the key up, create the entry, save the balance)."""
    from django.db import transaction

    from lealtad.loyalty.models import EarningRule, LedgerEntry, Member, Program
    from lealtad.loyalty.services import earning as svc
    from lealtad.loyalty.services.members import referral_code
    from lealtad.loyalty_engine import earning

    club = Program.objects.get(code="bench")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    began = time.perf_counter()
    for n in range(first, first + count):
        body, customer = payload(n, customers, start)
        order = svc.placed(body, customer, start)
        assert order is not None
        with transaction.atomic():
            member, _ = Member.objects.get_or_create(
                program=club,
                customer_id=customer,
                defaults={
                    "enrolled_at": start,
                    "referral_code": referral_code(),
                    "referral_issued_at": start,
                },
            )
            key = f"naive:{order.number}"
            if LedgerEntry.objects.filter(idempotency_key=key).exists():
                continue
            rules = [
                earning.Rule(
                    r.points_per_unit, r.multiplier, r.channel, r.sku, r.category, r.promotion
                )
                for r in EarningRule.objects.filter(program=club)
            ]
            lines = [earning.Line(s, q, net) for s, q, net in order.lines]
            points = sum(
                e.points
                for e in earning.earn(
                    earning.Order(order.channel, order.at, lines, order.promotions), rules
                )
            )
            LedgerEntry.objects.create(
                member=member,
                kind="earn",
                points=points,
                source_kind="order",
                source_id=order.number,
                idempotency_key=key,
                at=order.at,
                remaining=points,
            )
            member.balance += points
            member.save(update_fields=["balance"])
    return count / (time.perf_counter() - began)


def balanced() -> tuple[bool, int, int]:
    from django.db.models import Sum

    from lealtad.loyalty import selectors
    from lealtad.loyalty.models import LedgerEntry, Member

    ledger = LedgerEntry.objects.aggregate(t=Sum("points"))["t"] or 0
    cached = Member.objects.aggregate(t=Sum("balance"))["t"] or 0
    return (
        not selectors.mismatches() and not selectors.lots_mismatches() and ledger == cached,
        ledger,
        cached,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--limit", type=int, default=2_000, help="messages per dispatcher pass")
    parser.add_argument("--peer-events", type=int, default=2_000)
    parser.add_argument(
        "--dispatchers", type=int, default=1, help="dispatcher processes, each with its share"
    )
    parser.add_argument(
        "--all-subscribers", action="store_true", help="keep every other order.placed subscriber"
    )
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="lealtad-loyalty-"))
    os.environ["LEALTAD_HOME"] = str(home)
    db = os.environ.get("LEALTAD_DATABASE_URL", "sqlite").split("@")[-1]
    print(f"loyalty earn on {db}: {args.events} order.placed events, {args.customers} customers")
    try:
        cc.init()
        cc.django_setup()
        from lealtad.core import hub
        from lealtad.core.models import Delivery, OutboxMessage
        from lealtad.loyalty.models import LedgerEntry

        if not args.all_subscribers:
            for sub in hub.all_subscriptions():
                if "order.placed" in sub.event_types and sub.name != "loyalty.earn":
                    hub.unsubscribe(sub.name)
        names = sorted(s.name for s in hub.subscriptions_for("order.placed"))
        print(f"    subscribers of order.placed: {', '.join(names)}")
        clean()
        program()
        publish(0, args.events, args.customers)
        settled, elapsed, cpu = dispatch(args.limit, args.dispatchers)
        entries = LedgerEntry.objects.count()
        print(f"(a) through the hub, {args.dispatchers} dispatcher(s), ", end="")
        print(f"passes of {args.limit}: {settled} settled, ", end="")
        print(f"{entries} entries in {elapsed:.2f} s")
        cc.report("earn events/s", settled / elapsed, "events/s", 10_000, lower=False)
        cc.report("CPU per event", cpu / max(settled, 1) * 1000, "ms")
        ok, ledger, cached = balanced()
        state = "balanced" if ok else "NOT BALANCED"
        print(f"    ledger {ledger} points, cached balances {cached}: {state}")
        publish(args.events, args.events, args.customers)
        settled2, elapsed3, cpu2 = dispatch(args.limit, args.dispatchers)
        print(f"(a2) {settled2} more orders from the same customers (members already enrolled)")
        cc.report(
            "earn events/s, enrolled members", settled2 / elapsed3, "events/s", 10_000, lower=False
        )
        cc.report("CPU per event", cpu2 / max(settled2, 1) * 1000, "ms")
        entries = LedgerEntry.objects.count()
        ok, ledger, cached = balanced()
        state = "balanced" if ok else "NOT BALANCED"
        print(f"    ledger {ledger} points, cached balances {cached}: {state}")
        OutboxMessage.objects.update(dispatched_at=None)
        Delivery.objects.update(status=Delivery.Status.PENDING)
        again, elapsed2, _ = dispatch(args.limit)
        ok2, ledger2, _ = balanced()
        same = ledger2 == ledger and LedgerEntry.objects.count() == entries
        print(
            f"(b) replayed: {again} offered again in {elapsed2:.2f} s, ledger {ledger2}: "
            f"{'unchanged' if same and ok2 else 'CHANGED'}"
        )
        peer = naive(2 * args.events, args.peer_events, args.customers)
        print(f"(c) peer: one event at a time through the ORM ({args.peer_events} events)")
        cc.report("naive earn events/s", peer, "events/s")
        print(f"    the hub path is {settled / elapsed / peer:.1f}x the peer; ", end="")
        print(f"{settled / cpu:.0f} events per CPU second; load average {os.getloadavg()[0]:.2f}")
        clean()
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
