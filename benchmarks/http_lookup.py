"""HTTP benchmark of the screen pop, the customer 360 and event ingestion, with its floor.

Run it on a database already loaded by ``lealtad demo`` (SQLite under ``LEALTAD_HOME`` or
PostgreSQL through ``LEALTAD_DATABASE_URL``)::

    LEALTAD_HOME=/tmp/bench .venv/bin/python benchmarks/http_lookup.py --workers 2

It starts ``lealtad serve`` on a free loopback port, creates a token for ``admin``, then
measures, each loop bounded in count and in time, traffic only to 127.0.0.1:

(a) lookup by phone: p50/p99 for one keep-alive client, and throughput with several clients
    (httpx threads, and the same number of connections driven by one lean raw-socket process,
    which leaves more of the shared CPUs to the server);
(b) customer 360: p50/p99 for one client;
(c) the floor: the same lookup as bare SQL in this process (and through the ORM selector);
(d) batch ingestion: 1000-event batches of ``interaction.recorded`` (events/s);
(e) single-event POSTs, one client and several (events/s).

Write benchmarks (d, e) add interactions to the database they run on.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import free_port, lealtad_bin, percentile, start_server, stop_server, timed

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {
    "lookup_p99_ms": 5.0,
    "lookup_per_s": 1500.0,
    "c360_p99_ms": 25.0,
    "batch_events_per_s": 10_000.0,
    "single_events_per_s": 500.0,
}


def report(label: str, value: float, unit: str, target: float | None, lower_is_better: bool):
    if target is None:
        print(f"  {label:<44} {value:>10.2f} {unit}")
        return
    ok = value <= target if lower_is_better else value >= target
    sign = "≤" if lower_is_better else "≥"
    verdict = "ok" if ok else "MISSED"
    print(f"  {label:<44} {value:>10.2f} {unit:<9} target {sign} {target:g}  {verdict}")


# Database side (in process) ------------------------------------------------------------------


def django_setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django

    django.setup()


def sample(count: int, seed: int) -> list[tuple[str, int]]:
    """(mobile e164, customer id) of random demo customers."""
    from django.db.models import Max, Min

    from lealtad.customers.models import Phone

    bounds = Phone.objects.aggregate(lo=Min("customer_id"), hi=Max("customer_id"))
    if bounds["lo"] is None:
        sys.exit("no customers: load some first with `lealtad demo --customers 100000`")
    rng = random.Random(seed)
    ids = {rng.randint(bounds["lo"], bounds["hi"]) for _ in range(count * 2)}
    rows = Phone.objects.filter(customer_id__in=list(ids), is_mobile=True)
    found = list(rows.values_list("e164", "customer_id"))
    rng.shuffle(found)
    return found[:count]


def floor_sql(phones: list[tuple[str, int]], count: int) -> tuple[list[float], list[float]]:
    """The lookup as two bare SQL queries, and through the ORM selector, in this process."""
    from django.db import connection

    from lealtad.customers import selectors
    from lealtad.customers.models import Customer, Phone

    phone_table = connection.ops.quote_name(Phone._meta.db_table)
    customer_table = connection.ops.quote_name(Customer._meta.db_table)
    by_phone = f"SELECT customer_id FROM {phone_table} WHERE e164 = %s"
    person = f"SELECT id, display_name, national_id FROM {customer_table} WHERE id = %s"
    cursor = connection.cursor()

    def bare(e164: str) -> None:
        cursor.execute(by_phone, [e164])
        for (cid,) in cursor.fetchall():
            cursor.execute(person, [cid])
            cursor.fetchall()

    it = iter(phones * (count // max(1, len(phones)) + 1))
    sql = timed(lambda: bare(next(it)[0]), count, 20)
    it = iter(phones * (count // max(1, len(phones)) + 1))
    orm = timed(lambda: selectors.lookup(phone=next(it)[0]), count, 20)
    return sql, orm


# Server side ---------------------------------------------------------------------------------


def create_token() -> str:
    out = subprocess.run(
        [
            lealtad_bin(),
            "token",
            "create",
            "--user",
            "admin",
            "--scope",
            "customers:read",
            "--scope",
            "events:write",
            "--name",
            "benchmark",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def event(phone: str, n: int) -> dict[str, object]:
    return {
        "id": f"bench-{uuid.uuid4().hex}",
        "type": "interaction.recorded",
        "channel": ("call_center", "pos", "web", "mobile")[n % 4],
        "occurred_at": datetime.now(UTC).isoformat(),
        "customer": {"phone": phone},
        "payload": {
            "kind": "inquiry",
            "direction": "inbound",
            "subject": "Consulta de saldo",
            "summary": "Cliente consulta saldo disponible (benchmark).",
            "agent": "Andrea Villacís",
        },
    }


def throughput(make: Callable[[], Callable[[int], None]], clients: int, seconds: float) -> float:
    """Calls per second with ``clients`` threads, each with its own client, for ``seconds``."""
    counts = [0] * clients
    errors: list[BaseException] = []
    stop = time.perf_counter() + seconds

    def run(slot: int) -> None:
        call = make()
        n = 0
        try:
            while time.perf_counter() < stop and n < 1_000_000:
                call(n)
                n += 1
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        counts[slot] = n

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return sum(counts) / elapsed


def _lean_client(port: int, requests: list[bytes], conns: int, seconds: float, out) -> None:
    """Keep ``conns`` keep-alive connections busy for ``seconds``; put (answers, errors)."""
    sel = selectors.DefaultSelector()
    buffers: dict[socket.socket, bytearray] = {}
    sent: dict[socket.socket, int] = {}
    done = errors = 0
    for i in range(conns):
        conn = socket.create_connection(("127.0.0.1", port))
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffers[conn], sent[conn] = bytearray(), i
        conn.sendall(requests[i % len(requests)])
        sel.register(conn, selectors.EVENT_READ)
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        for key, _ in sel.select(1.0):
            conn = key.fileobj
            buf = buffers[conn]
            chunk = conn.recv(65536)
            if not chunk:
                out.put((done, errors + 1))
                return
            buf += chunk
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                continue
            head = bytes(buf[:end]).lower()
            at = head.find(b"content-length:")
            length = int(head[at + 15 :].split(b"\r\n", 1)[0]) if at >= 0 else 0
            if len(buf) < end + 4 + length:
                continue
            errors += not buf.startswith(b"HTTP/1.1 200")
            del buf[: end + 4 + length]
            done += 1
            sent[conn] += 1
            conn.sendall(requests[sent[conn] % len(requests)])
    out.put((done, errors))


def lean_throughput(port: int, token: str, paths: list[str], conns: int, seconds: float) -> float:
    """GETs per second over ``conns`` keep-alive connections driven by one lean process."""
    requests = [
        f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        for p in paths
    ]
    out: multiprocessing.Queue[tuple[int, int]] = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_lean_client, args=(port, requests, conns, seconds, out))
    proc.start()
    done, errors = out.get(timeout=seconds + 60)
    proc.join(10)
    if errors:
        raise RuntimeError(f"{errors} lean-client requests failed")
    return done / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--requests", type=int, default=2000, help="sequential lookups")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="each throughput run")
    parser.add_argument("--batches", type=int, default=5, help="1000-event batches")
    parser.add_argument("--singles", type=int, default=1000, help="single-event POSTs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-writes", action="store_true", help="skip (d) and (e)")
    args = parser.parse_args()

    django_setup()
    from django.conf import settings
    from django.db import connection

    from lealtad.customers.models import Customer

    phones = sample(max(500, min(args.requests, 5000)), args.seed)
    customers = Customer.objects.count()
    engine = connection.vendor
    where = settings.DATABASES["default"]["NAME"]
    print(f"Lealtad HTTP benchmark: {customers:,} customers on {engine} ({where})")
    print(f"  machine: {os.cpu_count()} CPUs; server: {args.workers} uvicorn worker(s)")

    print("(c) floor: the same lookup in this process, no HTTP")
    sql, orm = floor_sql(phones, args.requests)
    report("bare SQL lookup p50", statistics.median(sql), "ms", None, True)
    report("bare SQL lookup p99", percentile(sql, 99), "ms", None, True)
    report("ORM selectors.lookup p50", statistics.median(orm), "ms", None, True)
    report("ORM selectors.lookup p99", percentile(orm, 99), "ms", None, True)
    connection.close()

    token = create_token()
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    headers = {"Authorization": f"Bearer {token}"}
    # The dispatcher only when (d) and (e) write: otherwise it would deliver what an earlier
    # run left pending (run_all's ingest) while the reads are timed.
    server = start_server(port, args.workers, dispatcher=not args.no_writes)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            # Warm-up: every worker imports, connects and fills its caches.
            for e164, _ in phones[:200]:
                client.get("/customers/lookup", params={"phone": e164}).raise_for_status()

            print("(a) screen-pop lookup GET /customers/lookup?phone=…")
            it = iter(phones * (args.requests // len(phones) + 1))

            def one_lookup() -> None:
                r = client.get("/customers/lookup", params={"phone": next(it)[0]})
                r.raise_for_status()
                assert r.json()["matches"], "a demo phone must find its customer"

            lat = timed(one_lookup, args.requests, 30)
            report(
                f"one client p50 ({len(lat)} requests)", statistics.median(lat), "ms", None, True
            )
            report("one client p99", percentile(lat, 99), "ms", TARGETS["lookup_p99_ms"], True)
            report("one client throughput", 1000 / statistics.mean(lat), "req/s", None, False)

            def make_lookup() -> Callable[[int], None]:
                own = httpx.Client(base_url=base, headers=headers, timeout=30)
                local = phones[:]
                random.Random(id(own)).shuffle(local)

                def call(n: int) -> None:
                    own.get(
                        "/customers/lookup", params={"phone": local[n % len(local)][0]}
                    ).raise_for_status()

                return call

            rate = throughput(make_lookup, args.clients, args.seconds)
            report(
                f"{args.clients} clients, {args.workers} workers",
                rate,
                "req/s",
                TARGETS["lookup_per_s"],
                False,
            )

            paths = [f"/api/v1/customers/lookup?phone={quote(e164)}" for e164, _ in phones]
            rate = lean_throughput(port, token, paths, args.clients, args.seconds)
            report(
                f"{args.clients} conns, lean client, {args.workers} workers",
                rate,
                "req/s",
                TARGETS["lookup_per_s"],
                False,
            )

            print("(b) customer 360 GET /customers/{id}/360")
            ids = iter([cid for _, cid in phones] * 2)
            lat = timed(
                lambda: client.get(f"/customers/{next(ids)}/360").raise_for_status(),
                min(args.requests, 1000),
                30,
            )
            report(
                f"one client p50 ({len(lat)} requests)", statistics.median(lat), "ms", None, True
            )
            report("one client p99", percentile(lat, 99), "ms", TARGETS["c360_p99_ms"], True)

            if args.no_writes:
                return
            print("(d) batch ingestion POST /events, 1000 interaction.recorded per request")
            total, spent = 0, 0.0
            for b in range(args.batches):
                batch = [event(phones[(b * 1000 + i) % len(phones)][0], i) for i in range(1000)]
                start = time.perf_counter()
                r = client.post("/events", json=batch, timeout=120)
                spent += time.perf_counter() - start
                r.raise_for_status()
                body = r.json()
                assert body["created"] == 1000, {k: body[k] for k in ("created", "rejected")}
                total += 1000
                if spent > 60:
                    break
            report(
                f"{total} events in {total // 1000} batches",
                total / spent,
                "events/s",
                TARGETS["batch_events_per_s"],
                False,
            )

            print("(e) single-event POST /events")
            counter = iter(range(10**9))

            def one_event() -> None:
                n = next(counter)
                r = client.post("/events", json=event(phones[n % len(phones)][0], n))
                r.raise_for_status()

            lat = timed(one_event, args.singles, 30)
            report(f"one client p50 ({len(lat)} events)", statistics.median(lat), "ms", None, True)
            report("one client", 1000 / statistics.mean(lat), "events/s", None, False)

            def make_poster() -> Callable[[int], None]:
                own = httpx.Client(base_url=base, headers=headers, timeout=30)

                def call(n: int) -> None:
                    phone = phones[(n * 7 + id(own)) % len(phones)][0]
                    own.post("/events", json=event(phone, n)).raise_for_status()

                return call

            rate = throughput(make_poster, min(args.clients, 4), min(args.seconds, 10))
            report(
                f"{min(args.clients, 4)} clients",
                rate,
                "events/s",
                TARGETS["single_events_per_s"],
                False,
            )
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
