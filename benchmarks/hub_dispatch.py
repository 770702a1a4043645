"""The hub dispatcher's pace: outbox messages settled per second, against ingestion's own.

Ingests ``--events`` ``interaction.recorded`` events (batches of 1000, as ``POST
/api/v1/events`` applies them, in process) for ``--customers`` phone numbers, then runs the
dispatcher until the outbox is empty, the way ``lealtad dispatch`` does (passes of
``--limit`` messages). The peer is ingestion in the same run: a dispatcher slower than
ingestion lets the outbox backlog grow under sustained load. It then checks the read model
the subscribers keep (contacts per customer and channel) against the events.

    .venv/bin/python benchmarks/hub_dispatch.py
    LEALTAD_DATABASE_URL=postgres://… .venv/bin/python benchmarks/hub_dispatch.py

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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as cc

CHANNELS = ("call_center", "pos", "web", "mobile")


def event(n: int, customers: int, start: datetime) -> dict[str, object]:
    return {
        "id": f"bench-{n}",
        "type": "interaction.recorded",
        "channel": CHANNELS[n % len(CHANNELS)],
        "occurred_at": (start + timedelta(seconds=n * 7 % 86_400)).isoformat(),
        "customer": {"phone": f"+59399{(n * 7919) % customers:07d}"},  # mobiles in Ecuador
        "payload": {
            "kind": "inquiry",
            "direction": "inbound",
            "subject": "Consulta de saldo",
            "agent": "Andrea Villacís",
        },
    }


def ingest(count: int, customers: int) -> float:
    from django.db import connection

    from lealtad.channels.services import ingest as apply
    from lealtad.core.audit import Actor

    actor = Actor.system("bench")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    began = time.perf_counter()
    for first in range(0, count, 1000):
        events = [event(n, customers, start) for n in range(first, min(first + 1000, count))]
        refused = [r for r in apply(events, actor) if r.status != "created"]
        if refused:
            sys.exit(f"ingestion refused {refused[0]}")
    elapsed = time.perf_counter() - began
    connection.close()
    return count / elapsed


def dispatch(limit: int) -> tuple[int, float, float]:
    from django.db import close_old_connections

    from lealtad.core.dispatcher import default_dispatcher

    hub = default_dispatcher()
    settled = 0
    began, cpu = time.perf_counter(), time.process_time()
    while True:
        close_old_connections()
        done = hub.run_once(limit=limit)
        if not done:
            break
        settled += done
    return settled, time.perf_counter() - began, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--limit", type=int, default=500, help="messages per dispatcher pass")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="lealtad-dispatch-"))
    os.environ["LEALTAD_HOME"] = str(home)
    db = os.environ.get("LEALTAD_DATABASE_URL", "sqlite").split("@")[-1]
    print(f"hub dispatcher on {db}: {args.events} events for {args.customers} customers")
    try:
        cc.init()
        cc.django_setup()
        from lealtad.core.models import Delivery, OutboxMessage
        from lealtad.customers.models import ChannelActivity

        rate = ingest(args.events, args.customers)
        pending = OutboxMessage.objects.filter(dispatched_at=None).count()
        print(f"(a) peer: ingestion, batches of 1000 in process ({pending} outbox messages)")
        cc.report("events ingested/s", rate, "events/s")
        settled, elapsed, cpu = dispatch(args.limit)
        print(f"(b) dispatcher, passes of {args.limit}: {settled} settled in {elapsed:.2f} s")
        cc.report("messages settled/s", settled / elapsed, "msgs/s", rate, lower=False)
        cc.report("CPU per message", cpu / max(settled, 1) * 1000, "ms")
        print(f"    load average {os.getloadavg()[0]:.2f} (2 cores)")
        counted = sum(ChannelActivity.objects.values_list("contacts", flat=True))
        left = OutboxMessage.objects.filter(dispatched_at=None).count()
        stuck = Delivery.objects.exclude(status=Delivery.Status.DONE).count()
        ok = counted == args.events and not left and not stuck
        print(f"(c) contacts counted {counted} of {args.events}, outbox left {left}, ", end="")
        print(f"deliveries not done {stuck}: {'ok' if ok else 'FAILED'}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
