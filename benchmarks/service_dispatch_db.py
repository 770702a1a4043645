"""Dispatching work orders through the service, on the database (issue 14).

``--technicians`` technicians and ``--orders`` open work orders on as many cases; each is
dispatched with ``workorders.dispatch_order`` (lock, read every technician's booked day, the
pure core, book), one after another, and the latency of each call is taken. The peer, in the
same run on the same data: the same calls with the technicians' days read one query per
technician (how the first version read them).

    .venv/bin/python benchmarks/service_dispatch_db.py [--technicians 100] [--orders 400]
    LEALTAD_DATABASE_URL=postgres://… LEALTAD_HOME=… .venv/bin/python \
        benchmarks/service_dispatch_db.py
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from harness import percentile, report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DAY = date(2026, 12, 7)
SKILLS = ["caldera", "aire", "refrigeracion", "lavadora", "cocina", "electrico"]
ZONES = ["norte", "sur", "centro", "valle", "cumbaya", "tumbaco"]


def setup_django() -> None:
    if "LEALTAD_DATABASE_URL" not in os.environ or "LEALTAD_HOME" not in os.environ:
        os.environ["LEALTAD_HOME"] = tempfile.mkdtemp(prefix="dispatch-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def load(technicians: int, orders: int, rng: random.Random) -> list[str]:
    from lealtad.core.audit import Actor
    from lealtad.core.console import progress
    from lealtad.service.models import SupportGroup, Technician, WorkOrder
    from lealtad.service.services import cases, workorders

    WorkOrder.objects.all().delete()
    Technician.objects.all().delete()
    SupportGroup.objects.get_or_create(name="nivel1", defaults={"label": "N1", "level": 1})
    Technician.objects.bulk_create(
        Technician(
            name=f"Técnico {i}",
            skills=rng.sample(SKILLS, 3),
            zones=rng.sample(ZONES, 2),
            hourly_rate=30,
        )
        for i in range(technicians)
    )
    actor = Actor.system("bench")
    numbers = []
    with progress() as bar:
        task = bar.add_task("work orders", total=orders)
        for i in range(orders):
            case = cases.open_case(
                cases.NewCase(subject=f"Visita {i}", category="post_sale", customer_id=i + 1),
                actor,
            )
            new = workorders.NewWorkOrder(
                case.pk, rng.choice(SKILLS), rng.choice(ZONES), rng.choice((30, 60, 90, 120))
            )
            numbers.append(workorders.open_work_order(new, actor).number)
            bar.advance(task)
    return numbers


def per_technician(day: date, skip: int = 0):  # the peer: one query per technician
    from lealtad.service.models import Technician, WorkOrder
    from lealtad.service.services import workorders
    from lealtad.service_engine import dispatch

    found = []
    for tech in Technician.objects.filter(active=True):
        start, end = workorders._day_of(tech, day)
        booked = WorkOrder.objects.filter(
            technician=tech, status__in=workorders.LIVE, starts_at__lt=end, ends_at__gt=start
        ).exclude(pk=skip)
        found.append(
            dispatch.Technician(
                tech.pk,
                frozenset(tech.skills),
                frozenset(tech.zones),
                start,
                end,
                tuple(dispatch.Booking(o.starts_at, o.ends_at, o.zone) for o in booked),
            )
        )
    return found


def run(numbers: list[str]) -> tuple[list[float], int]:
    from lealtad.core.audit import Actor
    from lealtad.core.errors import DomainError
    from lealtad.service.models import WorkOrder
    from lealtad.service.services import workorders

    WorkOrder.objects.update(status="open", technician=None, starts_at=None, ends_at=None)
    took, planned, actor = [], 0, Actor.system("bench")
    for number in numbers:
        start = time.perf_counter()
        try:
            workorders.dispatch_order(number, DAY, actor)
            planned += 1
        except DomainError:
            pass  # nobody free: still a full read of the day
        took.append((time.perf_counter() - start) * 1000)
    return took, planned


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--technicians", type=int, default=100)
    parser.add_argument("--orders", type=int, default=400)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from lealtad.service.services import workorders

    numbers = load(args.technicians, args.orders, random.Random(14))
    print(f"{connection.vendor}: {args.technicians} technicians, {args.orders} work orders")
    took, planned = run(numbers)
    report(f"dispatch_order p50 ({planned} planned)", percentile(took, 50), "ms")
    report("dispatch_order p99", percentile(took, 99), "ms")
    fast = workorders._candidates
    workorders._candidates = per_technician  # type: ignore[assignment]
    try:
        took_peer, planned_peer = run(numbers)
    finally:
        workorders._candidates = fast
    report(
        f"peer, a query per technician p50 ({planned_peer} planned)",
        percentile(took_peer, 50),
        "ms",
    )
    report("peer, a query per technician p99", percentile(took_peer, 99), "ms")


if __name__ == "__main__":
    main()
