"""Segments at 1,000,000 customers (issue 15): a count <= 1 s, a full rebuild of a
20-condition segment <= 30 s, entry <= 5 s p95 after the qualifying event.

The audience table is filled directly with 1,000,000 synthetic rows (an INSERT … SELECT over
a generated series; values spread by multiplicative hashing of the row number), since making
a million customers through the services would take the whole run. The entry measurement
uses real customers made through the customers services, among the million: each one's
marketing consent is recorded (``consent.changed`` lands in the outbox), the dispatcher runs
in a thread as ``lealtad serve`` runs it (``EmbeddedWorker``, 0.5 s poll), and the time is
from the consent's commit to its ``SegmentMember`` row. The peer, in the same run: the same
20-condition rule evaluated by a Python loop over the customers (a sample, extrapolated).

    LEALTAD_HOME=/tmp/bench-seg .venv/bin/python benchmarks/segments.py [--customers 1000000]
    LEALTAD_DATABASE_URL=postgres://… LEALTAD_HOME=/tmp/bench-seg \\
        .venv/bin/python benchmarks/segments.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.harness import percentile, report  # noqa: E402

BASE_ID = 10_000_000  # synthetic customers' ids, clear of the real ones
RULE_20 = {
    "all": [
        {"field": "kind", "op": "eq", "value": "person"},
        {"field": "language", "op": "in", "value": ["es"]},
        {"field": "age", "op": "between", "value": [25, 65]},
        {"field": "region", "op": "in", "value": ["Pichincha", "Guayas", "Azuay"]},
        {"field": "has_email", "op": "eq", "value": True},
        {"field": "consent_email", "op": "eq", "value": True},
        {"field": "orders_count", "op": "gte", "value": 2},
        {"field": "total_spent", "op": "gte", "value": 100},
        {"field": "last_order_on", "op": "within_days", "value": 365},
        {"field": "returns_count", "op": "lte", "value": 1},
        {"field": "channels_bought", "op": "has_any", "value": ["pos", "web"]},
        {"field": "value_tier", "op": "in", "value": ["platinum", "gold", "silver"]},
        {"field": "churn_risk", "op": "lt", "value": 0.8},
        {"field": "lifecycle_stage", "op": "not_in", "value": ["lost"]},
        {"field": "clv", "op": "gte", "value": 20},
        {"field": "open_cases", "op": "eq", "value": 0},
        {"field": "contacts_count", "op": "lte", "value": 12},
        {"field": "has_mobile", "op": "eq", "value": True},
        {
            "any": [
                {"field": "consent_sms", "op": "eq", "value": True},
                {"field": "consent_whatsapp", "op": "eq", "value": True},
            ]
        },
        {"field": "income_band", "op": "ne", "value": ""},
    ]
}
BROAD = {"all": [{"field": "consent_email", "op": "eq", "value": True}]}
TARGET = {
    "all": [
        {"field": "consent_email", "op": "eq", "value": True},
        {"field": "has_email", "op": "eq", "value": True},
        {"field": "status", "op": "in", "value": ["prospect", "customer"]},
    ]
}


def setup_django() -> None:
    if "LEALTAD_DATABASE_URL" not in os.environ or "LEALTAD_HOME" not in os.environ:
        os.environ.setdefault("LEALTAD_HOME", tempfile.mkdtemp(prefix="segments-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _h(k: int) -> str:
    """A spread value 0..999,982 from the row number (multiplicative hashing, portable SQL)."""
    primes = (2654435761, 2246822519, 3266489917, 668265263, 374761393, 1103515245)
    return f"((i * {primes[k % len(primes)]} + {k * 7919}) % 999983)"


def _unless(condition: str, value: str) -> str:
    return f"CASE WHEN {condition} THEN NULL ELSE {value} END"


def _columns(vendor: str) -> dict[str, str]:
    def day(days: str) -> str:
        if vendor == "sqlite":
            return f"date('2026-03-01', '-' || ({days}) || ' days')"
        return f"(DATE '2026-03-01' - ({days})::int)"

    def moment(minutes: str) -> str:
        if vendor == "sqlite":
            return f"datetime('2026-03-01 12:00:00', '-' || ({minutes}) || ' minutes')"
        return f"(TIMESTAMPTZ '2026-03-01 12:00:00+00' - ({minutes}) * INTERVAL '1 minute')"

    def pick(k: int, values: list[str]) -> str:
        whens = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values))
        return f"CASE {_h(k)} % {len(values)} {whens} END"

    money = "NUMERIC(14,2)" if vendor != "sqlite" else "REAL"
    return {
        "customer_id": f"{BASE_ID} + i",
        "kind": f"CASE WHEN {_h(1)} % 10 = 0 THEN 'organization' ELSE 'person' END",
        "gender": pick(2, ["female", "male", ""]),
        "birth_date": day(f"5000 + {_h(3)} % 20000"),
        "region": pick(4, ["Pichincha", "Guayas", "Azuay", "Manabí", "Loja"]),
        "city": pick(4, ["Quito", "Guayaquil", "Cuenca", "Manta", "Loja"]),
        "language": f"CASE WHEN {_h(5)} % 10 < 8 THEN 'es' ELSE 'en' END",
        "income_band": pick(6, ["low", "lower_middle", "middle", "upper_middle", "high", ""]),
        "marital_status": pick(7, ["single", "married", ""]),
        "status": "'customer'",
        "created_at": moment(f"{_h(8)} % 1500000"),
        "first_contact_at": moment(f"{_h(8)} % 1500000"),
        "first_contact_channel": pick(9, ["web", "pos", "call_center"]),
        "preferred_channel": pick(10, ["email", "sms", "phone", ""]),
        "has_email": f"({_h(11)} % 10 < 7)",
        "has_mobile": f"({_h(12)} % 10 < 8)",
        "has_national_id": f"({_h(13)} % 10 < 9)",
        "consent_email": f"({_h(14)} % 10 < 5)",
        "consent_sms": f"({_h(15)} % 10 < 3)",
        "consent_phone": f"({_h(16)} % 10 < 4)",
        "consent_whatsapp": f"({_h(17)} % 10 < 3)",
        "consent_mail": f"({_h(18)} % 10 < 2)",
        "orders_count": f"{_h(19)} % 20",
        "total_spent": f"CAST(({_h(20)} % 500000) / 100.0 AS {money})",
        "first_order_on": _unless(f"{_h(19)} % 20 = 0", day(f"400 + {_h(21)} % 1500")),
        "last_order_on": _unless(f"{_h(19)} % 20 = 0", day(f"{_h(22)} % 400")),
        "returns_count": f"{_h(23)} % 3",
        "channels_bought": pick(24, [",pos,", ",pos,web,", ",web,", ",call_center,", ""]),
        "contacts_count": f"{_h(25)} % 15",
        "last_contact_at": _unless(f"{_h(25)} % 15 = 0", moment(f"{_h(26)} % 300000")),
        "open_cases": f"CASE WHEN {_h(27)} % 10 = 0 THEN 1 ELSE 0 END",
        "value_tier": pick(28, ["platinum", "gold", "silver", "bronze", "inactive"]),
        "rfm_code": "''",
        "rfm_recency": f"1 + {_h(29)} % 5",
        "rfm_frequency": f"1 + {_h(30)} % 5",
        "rfm_monetary": f"1 + {_h(31)} % 5",
        "clv": f"CAST(({_h(32)} % 200000) / 100.0 AS {money})",
        "churn_risk": f"({_h(33)} % 1000) / 1000.0",
        "churn_band": pick(34, ["low", "medium", "high"]),
        "lifecycle_stage": pick(35, ["new", "active", "at_risk", "lapsed", "lost"]),
        "refreshed_at": moment("0"),
    }


def fill(count: int, chunk: int = 100_000) -> float:
    """Synthetic audience rows, ``chunk`` per INSERT … SELECT; seconds taken."""
    from django.db import connection, transaction

    from lealtad.marketing.models import AudienceProfile

    table = AudienceProfile._meta.db_table
    cols = _columns(connection.vendor)
    names = ", ".join(cols)
    exprs = ", ".join(cols.values())
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE customer_id > %s", [BASE_ID])
    for low in range(1, count + 1, chunk):
        high = min(count, low + chunk - 1)
        if connection.vendor == "sqlite":
            source = (
                f"WITH RECURSIVE n(i) AS (SELECT {low} UNION ALL SELECT i + 1 FROM n "
                f"WHERE i < {high}) SELECT {exprs} FROM n"
            )
        else:
            source = f"SELECT {exprs} FROM generate_series({low}::bigint, {high}::bigint) AS n(i)"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({names}) {source}")
        print(f"  filled {high:,}", end="\r", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    print()
    return time.perf_counter() - started


def counts() -> tuple[float, float, int]:
    """Seconds to count the 20-condition rule and the broad one (best of three), members."""
    from lealtad.marketing.selectors import segments as reads

    def best(rule: dict) -> tuple[float, int]:
        times, found = [], 0
        for _ in range(3):
            start = time.perf_counter()
            found = reads.count(rule)
            times.append(time.perf_counter() - start)
        return min(times), found

    narrow, members = best(RULE_20)
    broad, _ = best(BROAD)
    return narrow, broad, members


def naive(sample: int) -> tuple[float, int]:
    """The peer: a Python loop over customers evaluating the rule; seconds for ``sample``."""
    from django.utils import timezone

    from lealtad.marketing.models import AudienceProfile
    from lealtad.marketing_engine import segment_rules

    rule = segment_rules.validate(RULE_20)
    now = timezone.now()
    start = time.perf_counter()
    matched = 0
    rows = AudienceProfile.objects.filter(customer_id__gt=BASE_ID).order_by("customer_id")
    for row in rows.values()[:sample].iterator(chunk_size=10_000):
        matched += segment_rules.evaluate(rule, row, now)
    return time.perf_counter() - start, matched


def make_segments() -> tuple[int, int, int, float, float]:
    from lealtad.marketing.models import Segment
    from lealtad.marketing.services import membership, segments

    Segment.objects.filter(name__startswith="bench-").delete()
    start = time.perf_counter()
    [narrow] = segments.create([segments.SegmentIn("bench-20", rule=RULE_20)], by="bench")
    first = time.perf_counter() - start
    start = time.perf_counter()
    membership.rebuild(narrow)
    again = time.perf_counter() - start
    [broad] = segments.create([segments.SegmentIn("bench-broad", rule=BROAD)], by="bench")
    [target] = segments.create([segments.SegmentIn("bench-target", rule=TARGET)], by="bench")
    return narrow, broad, target, first, again


def rebuild_broad(segment_id: int) -> tuple[float, int]:
    """A rebuild where half the million changes: everyone leaves, then everyone comes back."""
    from lealtad.marketing.models import AudienceProfile
    from lealtad.marketing.services import membership

    AudienceProfile.objects.filter(customer_id__gt=BASE_ID).update(consent_email=False)
    start = time.perf_counter()
    out = membership.rebuild(segment_id)
    left = time.perf_counter() - start
    return left, out.left


def people(n: int) -> list[int]:
    from lealtad.core.audit import Actor
    from lealtad.core.envelope import CustomerRef
    from lealtad.customers import services as customers
    from lealtad.customers.schemas import CustomerProfile
    from lealtad.marketing.services import audience

    ctx = customers.ChangeContext(actor=Actor.system("bench"), channel="bench")
    stamp = int(time.time())
    ids = []
    for k in range(n):
        ref = CustomerRef(email=f"seg{stamp}-{k}@bench.ec")
        ids.append(int(customers.create_customer(CustomerProfile(given_names="B"), ref, ctx).pk))
    audience.refresh(ids)
    return ids


def entry_latency(target: int, ids: list[int], bursts: int) -> list[float]:
    """Seconds from each consent's commit to its membership row, the dispatcher running."""
    from lealtad.core.audit import Actor
    from lealtad.core.dispatcher import EmbeddedWorker, OutboxDispatcher
    from lealtad.customers import services as customers
    from lealtad.customers.models import Customer  # the consent service takes the row
    from lealtad.customers.schemas import ConsentIn
    from lealtad.marketing.models import SegmentMember

    while OutboxDispatcher().run_once(limit=5000):  # the customers' own creation events
        pass
    worker = EmbeddedWorker()
    worker.start()
    ctx = customers.ChangeContext(actor=Actor.system("bench"), channel="bench")
    grant = ConsentIn(
        channel="email",
        purpose="marketing",
        granted=True,
        proof="signed_form",
        proof_reference="B-1",
    )
    latencies: list[float] = []
    size = max(1, len(ids) // bursts)
    try:
        for b in range(bursts):
            committed: dict[int, float] = {}
            for cid in ids[b * size : (b + 1) * size]:
                customers.record_consent(Customer.objects.get(pk=cid), grant, ctx)
                committed[cid] = time.perf_counter()
            deadline = time.perf_counter() + 60
            while committed and time.perf_counter() < deadline:
                seen = set(
                    SegmentMember.objects.filter(
                        segment_id=target, customer_id__in=list(committed)
                    ).values_list("customer_id", flat=True)
                )
                now = time.perf_counter()
                for cid in seen:
                    latencies.append(now - committed.pop(cid))
                time.sleep(0.02)
            latencies += [60.0] * len(committed)  # never arrived: counted as a minute
    finally:
        worker.stop()
        worker.join(5)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=100)
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="leave the synthetic rows")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    print(f"segments on {connection.vendor}, {args.customers:,} synthetic audience rows")
    report("fill the audience table (synthetic)", fill(args.customers), "s")
    narrow_s, broad_s, matched = counts()
    report(f"count, 20 conditions ({matched:,} match)", narrow_s, "s", 1.0)
    report("count, 1 condition (about half match)", broad_s, "s", 1.0)
    _narrow, broad, target, first, again = make_segments()
    report(f"full build, 20 conditions ({matched:,} enter)", first, "s", 30.0)
    report("rebuild, 20 conditions, nothing changed", again, "s", 30.0)
    left_s, left = rebuild_broad(broad)
    report(f"rebuild, 1 condition, {left:,} leave", left_s, "s", 30.0)
    peer_s, _ = naive(args.sample)
    peer_full = peer_s * args.customers / args.sample
    report(f"peer: Python loop over {args.sample:,} customers", peer_s, "s")
    report("  extrapolated to every customer", peer_full, "s")
    print(f"  SQL count over the Python loop: {peer_full / max(narrow_s, 1e-9):,.0f}x")
    ids = people(args.entries)
    latencies = entry_latency(target, ids, args.bursts)
    report(
        f"entry after the event, p50 ({len(latencies)} customers)", percentile(latencies, 50), "s"
    )
    report("entry after the event, p95", percentile(latencies, 95), "s", 5.0)
    report("entry after the event, max", max(latencies), "s")
    print("  Mautic: segment membership follows its cron, commonly every 2-3 hours")
    if not args.keep:
        from lealtad.marketing.models import AudienceProfile, Segment

        Segment.objects.filter(name__startswith="bench-").delete()
        AudienceProfile.objects.filter(customer_id__gt=BASE_ID).delete()


if __name__ == "__main__":
    main()
