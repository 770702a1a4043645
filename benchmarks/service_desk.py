"""The service desk from the database (issue 14):

* ``sla``: the periodic SLA job over N open cases (default 1,000,000; goal <= 30 s end to
  end: read every open case's clock snapshot, extrapolate both targets with
  ``evaluate_many``, pick what is newly due) against the peer in the same run: re-folding
  each case's history (``sla.refresh``, what a job walking the cases one by one does) on a
  sample, extrapolated.
* ``pages``: 30 agents each refreshing 30 case pages (threads, Django's test client on
  the configured database), p50/p95 (goal p95 <= 1 s); peer: the same views by one agent.

    LEALTAD_HOME=/tmp/bench .venv/bin/python benchmarks/service_desk.py [--cases 1000000]
    LEALTAD_DATABASE_URL=postgres://… LEALTAD_HOME=/tmp/bench .venv/bin/python \
        benchmarks/service_desk.py
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    if "LEALTAD_DATABASE_URL" not in os.environ or "LEALTAD_HOME" not in os.environ:
        os.environ.setdefault("LEALTAD_HOME", tempfile.mkdtemp(prefix="desk-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def desk() -> tuple[int, int, int]:
    from lealtad.service.models import BusinessCalendar, SlaPolicy, SupportGroup

    experts, _ = SupportGroup.objects.get_or_create(
        name="b-expertos", defaults={"label": "E", "level": 2}
    )
    group, _ = SupportGroup.objects.get_or_create(
        name="b-nivel1", defaults={"label": "N1", "level": 1, "escalates_to": experts}
    )
    cal, _ = BusinessCalendar.objects.get_or_create(
        name="b-ec", defaults={"label": "EC", "time_zone": "America/Guayaquil", "country": "EC"}
    )
    policy, _ = SlaPolicy.objects.get_or_create(
        name="b-std",
        defaults={
            "label": "std",
            "calendar": cal,
            "first_response_minutes": 240,
            "resolution_minutes": 2880,
            "rank": 1,
        },
    )
    return group.pk, cal.pk, policy.pk


def load(n: int, group_id: int, calendar_id: int, policy_id: int) -> None:
    """N open cases and their clock snapshots, inserted in raw batches (the ORM would spend
    minutes building a million objects; the job's read is what is measured)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from lealtad.core.console import progress
    from lealtad.service.models import Case, CaseClock

    have = CaseClock.objects.filter(open=True).count()
    if have >= n:
        return
    now = timezone.now()
    rng = random.Random(14)
    case_fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    const = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in case_fields}
    created = Case._meta.get_field("created_at").get_db_prep_save(
        now - timedelta(days=2), connection
    )
    const.update(
        category="post_sale",
        subject="bench",
        status="open",
        priority=2,
        group_id=group_id,
        sla_policy_id=policy_id,
        created_at=created,
        updated_at=created,
        value_tier="unknown",
        channel="web",
    )
    cols = [f.column for f in case_fields]
    marks = ", ".join(["%s"] * len(cols))
    sql = f"INSERT INTO {Case._meta.db_table} ({', '.join(cols)}) VALUES ({marks})"
    clock_fields = [f for f in CaseClock._meta.concrete_fields]
    clock_cols = [f.column for f in clock_fields]
    clock_sql = (
        f"INSERT INTO {CaseClock._meta.db_table} ({', '.join(clock_cols)}) "
        f"VALUES ({', '.join(['%s'] * len(clock_cols))})"
    )
    as_of_field = CaseClock._meta.get_field("as_of")
    stamps = [
        as_of_field.get_db_prep_save(now - timedelta(minutes=m), connection) for m in range(0, 600)
    ]
    start = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    batch = 20_000
    with progress() as bar:
        task = bar.add_task("loading cases", total=n - have)
        done = have
        while done < n:
            size = min(batch, n - done)
            ids = range(start + 1, start + size + 1)
            rows = []
            for pk in ids:
                const["number"] = f"B-{pk:012d}"
                rows.append(tuple(const[f.attname] for f in case_fields))
            clocks = []
            for pk in ids:
                running = rng.random() < 0.8
                values = {
                    "case_id": pk,
                    "calendar_id": calendar_id,
                    "as_of": rng.choice(stamps),
                    "warn_at": 0.8,
                    "open": True,
                    "first_elapsed": rng.uniform(0, 20_000),
                    "first_target": 14_400.0,
                    "first_running": running and rng.random() < 0.3,
                    "resolution_elapsed": rng.uniform(0, 180_000),
                    "resolution_target": 172_800.0,
                    "resolution_running": running,
                    "first_warned": False,
                    "first_breached": True,
                    "resolution_warned": False,
                    "resolution_breached": rng.random() < 0.2,
                    "escalated": True,
                }
                clocks.append(tuple(values[f.attname] for f in clock_fields))
            with transaction.atomic(), connection.cursor() as cur:
                cur.executemany(sql, rows)
                first = (
                    Case.objects.filter(number=f"B-{start + 1:012d}")
                    .values_list("id", flat=True)
                    .get()
                )
                if first != start + 1:
                    raise SystemExit("ids are not sequential; load into an empty database")
                cur.executemany(clock_sql, clocks)
            start += size
            done += size
            bar.advance(task, size)


def bench_sla(n: int) -> None:
    from django.utils import timezone

    from lealtad.service.models import Case
    from lealtad.service.services import sla, sla_job

    group_id, calendar_id, policy_id = desk()
    t0 = time.perf_counter()
    load(n, group_id, calendar_id, policy_id)
    print(f"load: {time.perf_counter() - t0:.1f} s")
    now = timezone.now()
    t0 = time.perf_counter()
    report, found = sla_job.due(now)
    took = time.perf_counter() - t0
    print(
        f"SLA job over {report.open_cases:,} open cases: {took:.2f} s end to end "
        f"({len(found):,} newly due) — goal <= 30 s"
    )
    sample = list(Case.objects.filter(status="open").values_list("id", flat=True)[:200])
    t0 = time.perf_counter()
    for case_id in sample:
        sla.refresh_case(case_id, now)
    per = (time.perf_counter() - t0) / max(len(sample), 1)
    print(
        f"peer, re-folding each case (sla.refresh): {per * 1000:.1f} ms a case, "
        f"{per * report.open_cases:,.0f} s for all (extrapolated from {len(sample)})"
    )


def bench_pages(agents: int, views: int) -> None:
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client

    from lealtad.core.audit import Actor
    from lealtad.service.services import cases

    user, _ = User.objects.get_or_create(username="bench-agent")
    user.groups.add(Group.objects.get_or_create(name="agent")[0])
    actor = Actor.system("bench")
    ids = []
    for i in range(agents):
        case = cases.open_case(
            cases.NewCase(
                subject=f"Internet lento {i}",
                category="post_sale",
                customer_id=100 + i,
                description="Se corta",
            ),
            actor,
        )
        for k in range(4):
            cases.note(case.pk, f"nota {k}", actor)
        cases.reply(case.pk, "Reinicie el router", actor)
        ids.append(case.pk)

    def one_agent(case_id: int, out: list[float]) -> None:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        for _ in range(views):
            t = time.perf_counter()
            if client.get(f"/service/cases/{case_id}/").status_code != 200:
                raise SystemExit("page failed")
            out.append(time.perf_counter() - t)
        connection.close()

    single: list[float] = []
    one_agent(ids[0], single)
    times: list[float] = []
    threads = [threading.Thread(target=one_agent, args=(i, times)) for i in ids]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    times.sort()
    single.sort()
    p = lambda xs, q: xs[min(len(xs) - 1, int(q * len(xs)))]  # noqa: E731
    print(
        f"case page, {agents} agents x {views} views: p50 {p(times, 0.5) * 1000:.0f} ms, "
        f"p95 {p(times, 0.95) * 1000:.0f} ms, {len(times) / wall:.0f} pages/s — goal p95 <= 1 s"
    )
    print(
        f"peer, one agent alone: p50 {p(single, 0.5) * 1000:.0f} ms, "
        f"p95 {p(single, 0.95) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=30)
    parser.add_argument("--views", type=int, default=30)
    parser.add_argument("--only", choices=["sla", "pages"], default=None)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    print(f"database: {connection.vendor}")
    if args.only in (None, "pages"):
        bench_pages(args.agents, args.views)
    if args.only in (None, "sla"):
        bench_sla(args.cases)


if __name__ == "__main__":
    main()
