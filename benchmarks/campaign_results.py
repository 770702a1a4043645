"""A campaign's results and its responses at scale (issue 15): the results of a
1,000,000-recipient campaign (90 % treated, 10 % held out, 3 % / 2 % converted, 5 % clicked)
with the lift and its intervals, and the bounce webhook's throughput.

The messages, clicks and conversions are written with ``bulk_create`` (the sender is another
benchmark's business). The floor, in the same run: the same counts and sums as bare SQL
aggregates (``GROUP BY`` over the message, click and conversion tables), the least any
implementation must read.

    LEALTAD_HOME=/tmp/bench-results .venv/bin/python benchmarks/campaign_results.py
    LEALTAD_DATABASE_URL=postgres://… LEALTAD_HOME=/tmp/bench-results \\
        .venv/bin/python benchmarks/campaign_results.py [--recipients 1000000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
from benchmarks.harness import report  # noqa: E402

BATCH = 5000


def setup_django() -> None:
    if "LEALTAD_DATABASE_URL" not in os.environ or "LEALTAD_HOME" not in os.environ:
        os.environ.setdefault("LEALTAD_HOME", tempfile.mkdtemp(prefix="results-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def fill(recipients: int, seed: int) -> int:
    """A campaign with its messages, clicks and conversions; answers its id."""
    from django.db import transaction
    from django.utils import timezone

    from lealtad.marketing.models import Campaign, Click, Conversion, Message, Segment

    rng = random.Random(seed)
    now = timezone.now()
    segment = Segment.objects.create(
        name=f"bench-{now.timestamp()}", created_at=now, updated_at=now
    )
    campaign = Campaign.objects.create(
        name="Benchmark", segment=segment, channels=["email"], status="done",
        starts_at=now, created_at=now, updated_at=now, fixed_cost=Decimal(500),
        unit_costs={"email": "0.001"},
    )  # fmt: skip
    base = 50_000_000 + rng.randrange(1_000_000) * 1000
    for start in range(0, recipients, BATCH):
        with transaction.atomic():
            messages = Message.objects.bulk_create(
                [
                    Message(
                        campaign=campaign,
                        customer_id=base + i,
                        channel="email",
                        address=f"c{base + i}@bench.ec",
                        is_control=i % 10 == 0,
                        status="held_out" if i % 10 == 0 else "sent",
                        sent_at=None if i % 10 == 0 else now,
                    )
                    for i in range(start, min(start + BATCH, recipients))
                ]
            )
            ids = [m.pk for m in messages] if messages[0].pk else list(
                Message.objects.filter(campaign=campaign, customer_id__gte=base + start)
                .order_by("pk").values_list("pk", flat=True)[:BATCH]
            )  # fmt: skip
            clicks, conversions = [], []
            for m, pk in zip(messages, ids, strict=True):
                if not m.is_control and rng.random() < 0.05:
                    clicks.append(Click(message_id=pk, campaign_id=campaign.pk,
                                        customer_id=m.customer_id, target="https://t.ec",
                                        first=True, at=now))  # fmt: skip
                if rng.random() < (0.02 if m.is_control else 0.03):
                    conversions.append(Conversion(
                        campaign=campaign, customer_id=m.customer_id, order=f"B{m.customer_id}",
                        revenue=Decimal(rng.randrange(500, 20000)) / 100, is_control=m.is_control,
                        at=now,
                    ))  # fmt: skip
            Click.objects.bulk_create(clicks)
            Conversion.objects.bulk_create(conversions)
        print(f"\r  filled {min(start + BATCH, recipients):,} / {recipients:,}", end="", flush=True)
    print()
    return int(campaign.pk)


def floor(campaign_id: int) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT is_control, COUNT(DISTINCT customer_id) FROM marketing_message "
            "WHERE campaign_id = %s GROUP BY is_control",
            [campaign_id],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT status, COUNT(*) FROM marketing_message WHERE campaign_id = %s GROUP BY status",
            [campaign_id],
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT COUNT(*) FROM marketing_click WHERE campaign_id = %s AND first", [campaign_id]
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT is_control, customer_id, revenue - returned FROM marketing_conversion "
            "WHERE campaign_id = %s",
            [campaign_id],
        )
        cursor.fetchall()
    return time.perf_counter() - started


def bounces(campaign_id: int, count: int) -> float:
    """``count`` webhook rows (hard bounces by message id) in batches of 1,000: rows/s."""
    from lealtad.marketing.models import Message
    from lealtad.marketing.services.bounces import BounceIn, record_bounces

    ids = list(
        Message.objects.filter(campaign_id=campaign_id, status="sent")
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    started = time.perf_counter()
    for start in range(0, len(ids), 1000):
        rows = [BounceIn(f"bench-{pk}", "hard", message_id=pk) for pk in ids[start : start + 1000]]
        record_bounces(rows)
    return len(ids) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--bounces", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from lealtad.marketing.selectors import results

    print(f"campaign results on {connection.vendor}, {args.recipients:,} recipients")
    started = time.perf_counter()
    campaign_id = fill(args.recipients, args.seed)
    report("fill (messages, clicks, conversions)", time.perf_counter() - started, "s")
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        found = results.results(campaign_id)
        timings.append(time.perf_counter() - began)
    assert found is not None and found.audience == args.recipients
    report("results (best of 3)", min(timings), "s")
    report("floor: bare SQL aggregates", min(floor(campaign_id) for _ in range(3)), "s")
    lift = found.conversion
    print(
        f"  conversion {lift.treated_rate:.4f} vs {lift.control_rate:.4f}, lift "
        f"{lift.absolute:.4f} [{lift.ci_low:.4f}, {lift.ci_high:.4f}]"
    )
    report("bounce webhook, hard bounces by message", bounces(campaign_id, args.bounces), "rows/s")


if __name__ == "__main__":
    main()
