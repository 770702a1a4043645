"""Next-best-offer API at 1,000,000 customers (issue 15): p99 ≤ 20 ms.

Fills the tables one offers request reads with synthetic rows at that size (an INSERT …
SELECT over a generated series, values spread by multiplicative hashing of the row number):
customers, their analytics standing, a marketing consent each, segment memberships, usage
readings (one customer in ten, three months), two offer showings per customer in the last
month, and 20 offers of every kind with their tallies. Then calls the real endpoint
``GET /api/v1/customers/{id}/offers?channel=pos&key=…`` through Django's test client with a
bearer token (routing, auth, the arbitration, the "shown" writes) for random customers and
prints p50/p95/p99. The peer, in the same run: a naive scorer that asks the database once
per offer (its acceptance counts from the events, the customer's showings of it) instead of
reading the kept tallies.

    LEALTAD_HOME=/tmp/bench-nbo .venv/bin/python benchmarks/offers.py [--customers 1000000]
    LEALTAD_DATABASE_URL=postgres://… LEALTAD_HOME=/tmp/bench-nbo \\
        .venv/bin/python benchmarks/offers.py
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.harness import percentile, report  # noqa: E402

BASE_ID = 20_000_000  # synthetic customers' ids, clear of the real ones
TARGET_P99_MS = 20.0


def setup_django() -> None:
    if "LEALTAD_DATABASE_URL" not in os.environ or "LEALTAD_HOME" not in os.environ:
        os.environ.setdefault("LEALTAD_HOME", tempfile.mkdtemp(prefix="offers-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _h(k: int) -> str:
    primes = (2654435761, 2246822519, 3266489917, 668265263, 374761393, 1103515245)
    return f"((CAST(i AS BIGINT) * {primes[k % len(primes)]} + {k * 7919}) % 999983)"


def _pick(k: int, values: list[str]) -> str:
    whens = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values))
    return f"CASE {_h(k)} % {len(values)} {whens} END"


def _moment(vendor: str, minutes: str) -> str:
    if vendor == "sqlite":
        return f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ({minutes}) || ' minutes')"
    return f"(now() - ({minutes}) * INTERVAL '1 minute')"


def _fill(model: Any, columns: dict[str, str], count: int, chunk: int = 100_000) -> None:
    """``count`` rows of ``model`` by INSERT … SELECT over i = 1..count."""
    from django.db import connection, transaction

    table = model._meta.db_table
    names = ", ".join(columns)
    exprs = ", ".join(columns.values())
    for low in range(1, count + 1, chunk):
        high = min(count, low + chunk - 1)
        if connection.vendor == "sqlite":
            source = (
                f"WITH RECURSIVE n(i) AS (SELECT {low} UNION ALL SELECT i + 1 FROM n "
                f"WHERE i < {high}) SELECT {exprs} FROM n"
            )
        else:
            source = f"SELECT {exprs} FROM generate_series({low}, {high}) AS n(i)"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({names}) {source}")
        print(f"  {table}: {high:,}", end="\r", flush=True)
    print()


def _customer_columns(vendor: str) -> dict[str, str]:
    from lealtad.customers.models import Customer

    now = _moment(vendor, "0")
    given = {
        "id": f"{BASE_ID} + i",
        "kind": "'person'",
        "display_name": "'Cliente ' || i",
        "search_name": "'cliente ' || i",
        "language": "CASE WHEN i % 10 = 0 THEN 'en' ELSE 'es' END",
        "lifecycle_status": "'customer'",
        "payment_methods": "'[]'",
        "purchase_motives": "'[]'",
        "created_at": now,
        "updated_at": now,
    }
    for field in Customer._meta.concrete_fields:
        if field.column not in given:
            given[field.column] = "NULL" if field.null else "''"
    return given


def fill(count: int) -> float:
    """Every table the offers request reads, at ``count`` customers; seconds taken."""
    from django.db import connection

    from lealtad.analytics.models import UsageReading
    from lealtad.customers.models import Consent, Customer, CustomerStanding
    from lealtad.marketing.models import OfferEvent, SegmentMember

    started = time.perf_counter()
    vendor = connection.vendor
    now = _moment(vendor, "0")
    _fill(Customer, _customer_columns(vendor), count)
    _fill(
        CustomerStanding,
        {
            "customer_id": f"{BASE_ID} + i",
            "value_tier": _pick(1, ["mvc", "mgc", "regular", "below_zero"]),
            "rfm_recency": "1", "rfm_frequency": "1", "rfm_monetary": "1", "rfm_code": "'111'",
            "historic_value": "0", "cost_to_serve": "0",
            "clv": f"({_h(2)} % 200000) / 100.0",
            "expected_purchases": "0", "expected_spend": "0",
            "churn_risk": f"({_h(3)} % 1000) / 1000.0",
            "churn_band": _pick(3, ["low", "medium", "high"]),
            "churn_drivers": "'[]'",
            "lifecycle_stage": _pick(4, ["first_purchase", "repeat", "loyal", "lapsing"]),
            "orders": "1", "computed_at": now,
        },
        count,
    )  # fmt: skip
    _fill(
        Consent,
        {
            "customer_id": f"{BASE_ID} + i",
            "channel": "'email'",
            "purpose": "'marketing'",
            "granted": f"({_h(5)} % 10 < 6)",
            "updated_at": now,
        },
        count,
    )
    segments = _segments()
    _fill(
        SegmentMember,
        {
            "segment_id": f"{segments[0]} + i % {len(segments)}",
            "customer_id": f"{BASE_ID} + i",
            **_member_extra(vendor),
        },
        count,
    )
    _fill(
        UsageReading,
        {
            "customer_id": f"{BASE_ID} + (i / 3) * 10",
            "period": _period(vendor),
            "unit": "'hours'",
            "plan": "'40h'",
            "allowance": "40",
            "used": f"30 + {_h(6)} % 70",
            "channel": "'web'",
            "event_id": "''",
            "recorded_at": now,
        },
        count // 10 * 3,
    )
    offers = _offers()
    _fill(
        OfferEvent,
        {
            "offer_id": f"{offers[0]} + {_h(7)} % {len(offers)}",
            "customer_id": f"{BASE_ID} + (i + 1) / 2",
            "channel": _pick(8, ["pos", "web", "call_center", "handheld"]),
            "outcome": "'shown'",
            "at": _moment(vendor, f"{_h(9)} % 43000"),
            "idempotency_key": "'bench-' || i",
            "by": "''",
        },
        count * 2,
    )
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


def _period(vendor: str) -> str:
    """Three consecutive months ending this one, by i % 3."""
    if vendor == "sqlite":
        return "strftime('%Y-%m', 'now', 'start of month', '-' || (i % 3) || ' months')"
    return "to_char(date_trunc('month', now()) - (i % 3) * INTERVAL '1 month', 'YYYY-MM')"


def _member_extra(vendor: str) -> dict[str, str]:
    from lealtad.marketing.models import SegmentMember

    extra: dict[str, str] = {}
    for field in SegmentMember._meta.concrete_fields:
        if field.column in ("id", "segment_id", "customer_id"):
            continue
        if field.get_internal_type() == "DateTimeField":
            extra[field.column] = _moment(vendor, "60")
        else:
            extra[field.column] = "NULL" if field.null else "''"
    return extra


def _segments() -> list[int]:
    from django.utils import timezone

    from lealtad.marketing.models import Segment

    now = timezone.now()
    made = [
        Segment.objects.create(name=f"bench-nbo-{n}", kind="static", created_at=now, updated_at=now)
        for n in range(10)
    ]
    return [s.pk for s in made]


KINDS = ["cross_sell", "upsell", "retention", "service", "loyalty"]


def _offers() -> list[int]:
    """20 offers on the till: cross-sells of the demo's products, the 100-hour up-sell,
    retention for high churn, service and loyalty offers; half of them capped."""
    from lealtad.commerce import demo
    from lealtad.marketing.models import Offer, OfferSettings, OfferStat
    from lealtad.marketing.services.offer_catalog import OfferIn, save_offers

    demo.seed_catalog()
    OfferSettings.objects.all().delete()
    OfferSettings.objects.create(holdout_share=0.05, max_per_day=50, max_per_week=200)
    rows = []
    for n in range(20):
        kind = KINDS[n % 5]
        rows.append(
            OfferIn(
                code=f"bench-{n:02d}",
                name_es=f"Oferta {n}",
                name_en=f"Offer {n}",
                kind=kind,
                purpose="service" if kind == "service" else "marketing",
                product_sku=demo.SHIRT_M if kind == "cross_sell" else "",
                target_plan="100h" if kind == "upsell" else "",
                channels=["pos", "web", "call_center", "handheld"],
                churn_bands=["high", "medium"] if kind == "retention" else [],
                priority=10 + 4 * n,
                value=n,  # type: ignore[arg-type]
                max_shown=3 if n % 2 else None,
                daily_budget=1_000_000 if n % 4 == 0 else None,
            )
        )
    offers = save_offers(rows, by="bench")
    for offer in offers:
        for channel in ("pos", "web", "call_center", "handheld"):
            OfferStat.objects.create(
                offer=offer, channel=channel, shown=5000, accepted=100 + offer.pk % 50,
                declined=900, ignored=1000,
            )  # fmt: skip
    return sorted(o.pk for o in Offer.objects.filter(code__startswith="bench-"))


def measure(count: int, requests: int, seconds: float, path: str = "offers") -> list[float]:
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from lealtad.core import tokens

    user, _ = User.objects.get_or_create(username="bench-nbo")
    user.groups.add(Group.objects.get_or_create(name="agent")[0])
    key = tokens.create_token(user, "bench", ["customers:read", "commerce:sell"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")
    rng = random.Random(15)
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    for n in range(requests):
        customer = BASE_ID + rng.randint(1, count)
        url = f"/api/v1/customers/{customer}/{path}".rstrip("/")
        params: dict[str, str | int] = {"channel": "pos", "limit": 3, "key": f"req-{n}"}
        if not path:
            params = {}
        started = time.perf_counter()
        answer = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{url}: {answer.status_code} {answer.content[:300]!r}")
        if time.perf_counter() > deadline:
            break
    return times


def naive(count: int, requests: int, seconds: float) -> list[float]:
    """The peer: every offer scored by its own queries (acceptance counted from the events,
    the customer's showings of it), then sorted; nothing recorded."""
    from django.db.models import Count, Q

    from lealtad.marketing.models import Offer, OfferEvent

    rng = random.Random(16)
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    for _ in range(requests):
        customer = BASE_ID + rng.randint(1, count)
        started = time.perf_counter()
        scored = []
        for offer in Offer.objects.filter(active=True):
            tally = OfferEvent.objects.filter(offer=offer, channel="pos").aggregate(
                accepted=Count("id", filter=Q(outcome="accepted")), all=Count("id")
            )
            mine = OfferEvent.objects.filter(offer=offer, customer_id=customer).count()
            rate = (1 + tally["accepted"]) / (10 + tally["all"])
            scored.append((rate * (1 + offer.priority) / (1 + mine), offer.code))
        scored.sort(reverse=True)
        times.append((time.perf_counter() - started) * 1000)
        if time.perf_counter() > deadline:
            break
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--reuse", action="store_true", help="the tables are filled already")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    print(f"next-best-offer at {args.customers:,} customers on {connection.vendor}")
    if not args.reuse:
        print(f"  filled in {fill(args.customers):.0f} s")
    measure(args.customers, 50, 30)  # warm the process (rules, ladders, locations)
    from lealtad.core import heap

    heap.settle()  # as the server does once started (lealtad.asgi)
    times = measure(args.customers, args.requests, args.seconds)
    print(f"  offers API, {len(times)} requests (test client, token, arbitration, writes):")
    report("p50", percentile(times, 50), "ms")
    report("p95", percentile(times, 95), "ms")
    report("p99", percentile(times, 99), "ms", TARGET_P99_MS)
    floor = measure(args.customers, args.requests, args.seconds / 2, path="")
    print(f"  floor: the customer record through the same API client, {len(floor)} requests:")
    report("floor p50", percentile(floor, 50), "ms")
    report("floor p99", percentile(floor, 99), "ms")
    peer = naive(args.customers, 200, 60)
    print(f"  peer: a query per offer, {len(peer)} requests (read only):")
    report("peer p50", percentile(peer, 50), "ms")
    report("peer p99", percentile(peer, 99), "ms")


if __name__ == "__main__":
    main()
