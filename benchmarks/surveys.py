"""Surveys (issue 14): how fast the dispatcher's tick mails due surveys to a real SMTP server
(aiosmtpd in this process), against the peer in the same run: per survey, look the address up,
Django's ``send_mail`` (one SMTP connection per mail) and mark the row (what a naive job does);
and the root-cause report over 100,000 answered surveys (one GROUP BY in the database)
against the peer: pandas reading every answer and grouping in memory.

    .venv/bin/python benchmarks/surveys.py [--mails 2000] [--answers 100000]
    LEALTAD_DATABASE_URL=postgres://… LEALTAD_HOME=… .venv/bin/python benchmarks/surveys.py

SQLite runs in a fresh temporary home; on PostgreSQL the survey table is emptied first.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import report  # noqa: E402


def setup_django() -> None:
    if "LEALTAD_DATABASE_URL" not in os.environ or "LEALTAD_HOME" not in os.environ:
        os.environ["LEALTAD_HOME"] = tempfile.mkdtemp(prefix="survey-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def customers(n: int) -> list[int]:
    """``n`` customers with an address (reused when an earlier run on PostgreSQL made them)."""
    from lealtad.core.audit import Actor
    from lealtad.core.envelope import CustomerRef
    from lealtad.customers import selectors, services
    from lealtad.customers.schemas import CustomerProfile

    ctx = services.ChangeContext(actor=Actor.system("bench"), channel="bench")
    ids = []
    for i in range(n):
        email = f"c{i}@bench.ec"
        found = selectors.lookup(email=email)
        made = found[0] if found else None
        if made is None:
            ref = CustomerRef(email=email)
            made = services.create_customer(CustomerProfile(given_names="Cliente"), ref, ctx)
        ids.append(made.pk)
    return ids


def due_surveys(ids: list[int], n: int, tag: str) -> None:
    from django.utils import timezone

    from lealtad.service.models import Survey

    past = timezone.now() - timedelta(minutes=5)
    Survey.objects.bulk_create(
        Survey(
            origin=f"{tag}-{i}",
            customer_id=ids[i % len(ids)],
            created_at=past,
            email_due_at=past,
            phone_due_at=past + timedelta(days=1),
        )
        for i in range(n)
    )


def mails(n: int) -> None:
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.core.mail import send_mail
    from django.utils import timezone

    from lealtad.core.console import progress
    from lealtad.service.models import Survey
    from lealtad.service.services import surveys

    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    try:
        ids = customers(200)
        due_surveys(ids, n, "tick")
        surveys.answer_base()  # the URLconf loads once, as in a running server
        start = time.perf_counter()
        with progress() as bar:
            task = bar.add_task("survey mails (tick)", total=n)
            while sent := surveys.send_due_emails(limit=200):
                bar.advance(task, sent)
        ours = time.perf_counter() - start
        assert sink.count == n and not Survey.objects.filter(emailed_at__isnull=True).exists()
        peer_n = max(1, n // 4)
        due_surveys(ids, peer_n, "peer")
        start = time.perf_counter()
        for survey in Survey.objects.filter(origin__startswith="peer-"):
            to = surveys._address(survey.customer_id)
            send_mail("How did we do?", "link", "noreply@bench.ec", [to])
            Survey.objects.filter(pk=survey.pk).update(emailed_at=timezone.now(), email_to=to)
        peer = time.perf_counter() - start
    finally:
        controller.stop()
    report(f"survey mails by the tick ({n})", n / ours, "mails/s")
    report(f"peer: lookup, send_mail, update per survey ({peer_n})", peer_n / peer, "mails/s")


def answers(n: int) -> None:
    import pandas as pd
    from django.db import connection
    from django.utils import timezone

    from lealtad.service.models import Survey
    from lealtad.service.selectors import surveys as reads

    rng = random.Random(14)
    now = timezone.now()
    skus = [f"SKU-{i}" for i in range(300)]
    cats = ["post_sale", "complaint", "billing_inquiry", "pre_sale", "account_maintenance"]
    rows = [
        Survey(
            origin=f"ans-{i}",
            customer_id=i,
            category=rng.choice(cats),
            product_sku=rng.choice(skus),
            created_at=now,
            answered_at=now,
            status="answered",
            csat=rng.randint(1, 5),
            nps=rng.randint(0, 10),
        )
        for i in range(n)
    ]
    Survey.objects.bulk_create(rows, batch_size=5000)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        found = reads.root_causes()
        reads.root_causes_csv(found)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    frame = pd.read_sql_query(
        "SELECT category, subtype, product_sku, csat, nps FROM service_survey "
        "WHERE answered_at IS NOT NULL",
        connection.connection,
    )
    frame["bad"] = (frame.csat <= 2) | (frame.nps <= 6)
    grouped = frame.groupby(["category", "subtype", "product_sku"]).agg(
        n=("csat", "size"), bad=("bad", "sum"), csat=("csat", "mean")
    )
    peer = time.perf_counter() - start
    assert len(grouped) == len(found)
    report(f"root-cause report + CSV over {n} answers (best of 5)", min(times) * 1000, "ms")
    report("peer: pandas read all + groupby", peer * 1000, "ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--answers", type=int, default=100_000)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from lealtad.service.models import Survey

    Survey.objects.all().delete()
    print(f"surveys benchmark on {connection.vendor}")
    mails(args.mails)
    Survey.objects.all().delete()
    answers(args.answers)


if __name__ == "__main__":
    main()
