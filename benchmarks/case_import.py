"""Case import with a backlog (issue 14: >= 2,000 cases/s with 100,000 jobs queued).

A Zammad import falls from 6,000 to 180 tickets/s as its job queue grows. Here the "jobs" are
the hub's outbox: every imported case announces itself there for the timeline, analytics and
any webhook, and the dispatcher works the queue apart from the import. The run:

1. imports N cases (CSV through ``case_import``, as ``lealtad service cases import`` does:
   parse, match each customer by e-mail or id, check, open in batches with routing, the SLA
   fold and the outbox) on an empty queue;
2. fills the outbox to 100,000 undispatched messages and imports N more;
3. the peer in the same run: the same rows opened one case at a time (``cases.open_case``, a
   batch of one: what a per-ticket importer does), on a sample, extrapolated.

    LEALTAD_HOME=/tmp/bench-import .venv/bin/python benchmarks/case_import.py [--cases 20000]
    LEALTAD_DATABASE_URL=postgres://… LEALTAD_HOME=/tmp/bench-import \
        .venv/bin/python benchmarks/case_import.py
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.harness import report  # noqa: E402

CUSTOMERS = 5000
SOURCE = f"bench-{os.getpid()}-{int(time.time())}"  # a fresh source: each run opens anew
CATEGORIES = (
    ("billing_inquiry", "billing_cycle"),
    ("post_sale", "service_problem"),
    ("complaint", "billing_error"),
    ("pre_sale", "features"),
)


def setup_django() -> None:
    if "LEALTAD_DATABASE_URL" not in os.environ or "LEALTAD_HOME" not in os.environ:
        os.environ.setdefault("LEALTAD_HOME", tempfile.mkdtemp(prefix="import-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def desk() -> None:
    """Two groups with members (routing by load), an Ecuadorian calendar with its holidays
    and a policy, so every case is routed and folded as in production."""
    from django.contrib.auth import get_user_model

    from lealtad.service.models import BusinessCalendar, GroupMember, SlaPolicy, SupportGroup

    level1, _ = SupportGroup.objects.get_or_create(
        name="i-nivel1", defaults={"label": "N1", "level": 1}
    )
    SupportGroup.objects.get_or_create(name="i-expertos", defaults={"label": "E", "level": 2})
    for n in range(10):
        user, _ = get_user_model().objects.get_or_create(username=f"i-agente{n}")
        GroupMember.objects.get_or_create(group=level1, user=user, defaults={"max_open": 30_000})
    calendar, _ = BusinessCalendar.objects.get_or_create(
        name="i-ec", defaults={"label": "EC", "time_zone": "America/Guayaquil", "country": "EC"}
    )
    SlaPolicy.objects.get_or_create(
        name="i-std",
        defaults={
            "label": "std",
            "calendar": calendar,
            "first_response_minutes": 240,
            "resolution_minutes": 2880,
        },
    )


def customers() -> list[int]:
    """Customers with an e-mail each (raw bulk rows: the import's reads are measured)."""
    from lealtad.customers.models import Customer, Identifier

    have = list(
        Customer.objects.filter(search_name__startswith="import bench").values_list("pk", flat=True)
    )
    if len(have) >= CUSTOMERS:
        return have
    made = Customer.objects.bulk_create(
        Customer(display_name=f"Cliente {n}", search_name=f"import bench {n}")
        for n in range(CUSTOMERS)
    )
    Identifier.objects.bulk_create(
        Identifier(customer=c, kind="email", value=f"cliente{c.pk}@bench.ec") for c in made
    )
    return [c.pk for c in made]


def csv_text(first: int, count: int, ids: list[int]) -> bytes:
    """Rows as another desk exports them: half the customers by e-mail, half by id, a tenth
    already closed with their history, a few unknown senders left for triage."""
    out = io.StringIO()
    out.write("reference,subject,category,subtype,email,customer_id,status,opened_at,resolved_at\n")
    for n in range(first, first + count):
        category, subtype = CATEGORIES[n % len(CATEGORIES)]
        who = ids[n % len(ids)]
        email, cid = (f"cliente{who}@bench.ec", "") if n % 2 else ("", str(who))
        if n % 97 == 0:
            email, cid = f"nadie{n}@bench.ec", ""
        status, opened, resolved = "", "", ""
        if n % 10 == 0:
            status, opened, resolved = "closed", "2026-06-01T09:00", "2026-06-02T11:30"
        out.write(
            f"Z-{n},Caso importado {n},{category},{subtype},{email},{cid},"
            f"{status},{opened},{resolved}\n"
        )
    return out.getvalue().encode()


def run_import(first: int, count: int, ids: list[int]) -> tuple[float, float]:
    """Cases a second of wall time, and of this process's CPU time (on a shared machine the
    wall figure also counts the time the process waited for a core)."""
    from lealtad.core.audit import Actor
    from lealtad.service.services import case_import

    body = csv_text(first, count, ids)
    start, cpu = time.perf_counter(), time.process_time()
    rows = case_import.read_csv(body)
    done = case_import.import_cases(rows, source=SOURCE, actor=Actor.system("bench"))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert done.ok and done.opened == count, done.as_dict()
    return count / seconds, count / cpu


def queue_to(target: int) -> int:
    """Undispatched outbox messages up to ``target`` (the jobs waiting)."""
    from django.utils import timezone

    from lealtad.core.models import OutboxMessage

    waiting = OutboxMessage.objects.filter(dispatched_at__isnull=True).count()
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        (
            OutboxMessage(
                event_id=f"backlog-{waiting + n}",
                event_type="interaction.recorded",
                payload={"n": n},
                created_at=now,
            )
            for n in range(max(0, target - waiting))
        ),
        batch_size=5000,
    )
    return OutboxMessage.objects.filter(dispatched_at__isnull=True).count()


def one_by_one(first: int, count: int, ids: list[int]) -> float:
    """The peer: the same rows, each opened on its own (a batch of one)."""
    from django.utils import timezone

    from lealtad.core.audit import Actor
    from lealtad.service.services import case_import, cases

    rows = case_import.read_csv(csv_text(first, count, ids))
    checked = case_import.ImportReport()
    batch = case_import._read_rows(rows, f"{SOURCE}-one", timezone.now(), checked)
    start = time.perf_counter()
    for new in batch:
        cases.open_case(new, Actor.system("bench"))
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--queued", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1000)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    desk()
    ids = customers()
    print(f"case import on {connection.vendor}, {args.cases:,} cases a run")
    empty, empty_cpu = run_import(0, args.cases, ids)
    queued = queue_to(args.queued)
    backlog, backlog_cpu = run_import(args.cases, args.cases, ids)
    report("import, empty queue", empty, "cases/s")
    report("  (per CPU second)", empty_cpu, "cases/s")
    report(f"import, {queued:,} jobs queued", backlog, "cases/s", 2000, lower=False)
    report("  (per CPU second)", backlog_cpu, "cases/s")
    peer = one_by_one(2 * args.cases, args.sample, ids)
    report(f"peer: one case at a time ({args.sample:,} rows)", peer, "cases/s")
    print(f"  batch-first over one-at-a-time: {backlog / peer:.1f}x")


if __name__ == "__main__":
    main()
