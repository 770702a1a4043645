"""The pipeline board and the forecast page at 100,000 open opportunities (issue 16):
p50 / p99 of each page as a signed-in sales manager asks for it, through Django's full
request path (middleware, session, templates) in process, no network.

Opportunities are written straight into the tables in batches (the services' path would take
most of the run on 2 shared cores; the pages only read them), with a first stage-history row
each, spread over 8 sellers in 2 teams, 4 open stages and 6 close months; some are
won and lost so coverage and the backtest have something to read.

    LEALTAD_HOME=/tmp/bench-sales [LEALTAD_DATABASE_URL=postgres://…] \\
        .venv/bin/python benchmarks/sales_board.py [--open 100000] [--requests 200]

Prints a table; not part of the test suite. A home that already holds the opportunities is
reused (the load is reported only when it runs).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from harness import django_setup, percentile, report

TARGET_P99_MS = 200.0
SELLERS = 8
CHUNK = 5_000


def _load(open_count: int) -> None:
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from lealtad.sales.models import Opportunity, Quota, SalesTeam, StageChange, TeamMember
    from lealtad.sales.services import pipelines

    pipeline = pipelines.standard_pipeline()
    if Opportunity.objects.filter(number__startswith="OP-B").exists():
        return  # loaded by an earlier run (its open count varies with the random stages)
    started = time.perf_counter()
    group = Group.objects.get_or_create(name="sales_manager")[0]
    boss, _ = User.objects.get_or_create(username="bench.gerente")
    boss.set_password("benchmark-Secret-9")
    boss.save()
    boss.groups.add(group)
    users = [User.objects.get_or_create(username=f"bench.rep{i}")[0] for i in range(SELLERS)]
    teams = [
        SalesTeam.objects.get_or_create(code=c, name=c.title())[0] for c in ("costa", "sierra")
    ]
    for i, user in enumerate(users):
        TeamMember.objects.get_or_create(team=teams[i % 2], user=user)
    today = timezone.localdate()
    first = today.replace(day=1)
    for user in users:
        Quota.objects.get_or_create(user=user, month=first, defaults={"amount": Decimal(200_000)})
    stages = list(pipeline.stages.order_by("order"))
    rng = random.Random(16)
    total = round(open_count / 0.95)  # 5 % won or lost
    created = timezone.now() - timedelta(days=120)
    for start in range(0, total, CHUNK):
        rows = [
            _row(rng, start + i, pipeline, stages, users, teams, first, created)
            for i in range(min(CHUNK, total - start))
        ]
        made = Opportunity.objects.bulk_create(rows)
        StageChange.objects.bulk_create(
            StageChange(opportunity=o, from_stage=None, to_stage=o.stage, at=created) for o in made
        )
    open_now = Opportunity.objects.filter(stage__kind="open").count()
    took = time.perf_counter() - started
    print(f"loaded {total:,} opportunities ({open_now:,} open) in {took:.0f} s")
    _settle()


def _settle() -> None:
    """On PostgreSQL, vacuum and analyze what was just written, as autovacuum would soon:
    an index-only read needs the visibility map, and the planner the new statistics."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE sales_opportunity, sales_stagechange")


def _row(rng, n, pipeline, stages, users, teams, first, created):  # type: ignore[no-untyped-def]
    from lealtad.sales.models import Opportunity

    stage = _stage(rng, stages)
    closed = created + timedelta(days=rng.randrange(1, 119)) if stage.kind != "open" else None
    return Opportunity(
        number=f"OP-B{n:07d}",
        pipeline=pipeline,
        stage=stage,
        name=f"Oportunidad {n}",
        amount=Decimal(rng.randrange(100, 500_000)) / 10,
        close_date=first + timedelta(days=rng.randrange(-60, 150)),
        owner_id=users[n % SELLERS].pk,
        team=teams[n % SELLERS % 2],
        created_at=created,
        updated_at=created,
        closed_at=closed,
    )


def _stage(rng: random.Random, stages: list) -> Any:  # type: ignore[type-arg]
    """An open stage for 95 in 100 deals, won or lost for the rest."""
    closed = [s for s in stages if s.kind != "open"]
    if rng.random() < 0.05:
        return rng.choice(closed)
    return rng.choice([s for s in stages if s.kind == "open"])


def _measure(label: str, path: str, requests: int, before: Callable[[], object] = list) -> None:
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    assert client.login(username="bench.gerente", password="benchmark-Secret-9")
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    times = []
    for _ in range(requests):
        before()
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    report(f"{label} p50", percentile(times, 50), "ms")
    report(f"{label} p99", percentile(times, 99), "ms", TARGET_P99_MS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    _load(args.open)
    from django.contrib.auth.models import User

    from lealtad.sales.models import Opportunity

    rep = User.objects.get(username="bench.rep0")
    month = timezone.localdate() + timedelta(days=31)
    print(
        f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
        f"{Opportunity.objects.filter(stage__kind='open').count():,} open opportunities"
    )
    _measure("board, whole pipeline", "/sales/board/", args.requests)
    _measure("board, one seller", f"/sales/board/?owner={rep.pk}", args.requests)
    _measure("board, one close month", f"/sales/board/?month={month:%Y-%m}", args.requests)
    _measure("forecast, 3 months", "/sales/forecast/", args.requests)
    _measure("forecast, 12 months", "/sales/forecast/?months=12", args.requests)
    _measure("forecast backtest (loaded after the page)", "/sales/forecast/accuracy/", 20)
    _measure("dashboard", "/sales/dashboard/", 20)
    from django.core.cache import cache

    # The first request after a deal changes rebuilds the kept forecast-against-won chart.
    _measure("dashboard, chart rebuilt (cache emptied)", "/sales/dashboard/", 20, cache.clear)


if __name__ == "__main__":
    main()
