"""Order placement with stock reservation: orders/s under 8 concurrent HTTP clients, and no
oversell when they race for the last units.

(a) floor: ``place_order`` called in process, one thread (the service and the database alone);
(b) throughput: ``--clients`` threads POST ``/api/v1/orders`` (one line, ship to the stored home
    address, card on file) against ``lealtad serve --workers N`` (default 4: two per core)
    for ``--seconds`` after 2 s of warm-up (target ≥ 300 orders/s), with the server's and
    the clients' CPU per order: on a shared machine the rate follows the CPU left to us, the
    CPU per order much less;
(c) the race: every client keeps ordering one SKU with ``--last`` units left until refused;
    exactly that many orders must pass and the stock row must end with reserved = on hand.

    .venv/bin/python benchmarks/commerce_orders.py
    LEALTAD_DATABASE_URL=postgres://… .venv/bin/python benchmarks/commerce_orders.py

Runs in a temporary LEALTAD_HOME (removed afterwards). The hub dispatcher is not started, so
the figures are placement alone (audit, outbox and timeline rows included); ``--dispatcher``
runs it as ``lealtad serve`` does (its CPU counts as the server's) and prints the outbox
messages still waiting after the run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as cc

SKUS = 1000


def seed() -> int:
    from django.db import connection, transaction

    from lealtad.commerce import demo
    from lealtad.commerce.models import Location, Product, Stock, Variant

    demo.seed_catalog()
    story = demo.seed_customer()
    with transaction.atomic():
        product = Product.objects.create(code="BENCH", name_es="Producto de prueba")
        Variant.objects.bulk_create(
            Variant(product=product, sku=f"B{n:05d}", price="9.90") for n in range(SKUS)
        )
        Variant.objects.create(product=product, sku="LAST", price="9.90")
        ids = Variant.objects.filter(product=product).values_list("id", flat=True)
        locations = list(Location.objects.values_list("id", flat=True))
        Stock.objects.bulk_create(
            Stock(variant_id=v, location_id=loc, on_hand=100_000) for v in ids for loc in locations
        )
    connection.close()
    return story.customer_id


def body(customer_id: int, sku: str) -> dict:
    return {
        "customer_id": customer_id,
        "channel": "web",
        "lines": [{"sku": sku, "quantity": 1}],
        "fulfilment": "ship",
        "ship_address_kind": "home",
        "payment": {"on_file": True},
    }


def floor(customer_id: int, count: int) -> float:
    from django.db import connection

    from lealtad.commerce.schemas import OrderIn
    from lealtad.commerce.services import SaleContext, orders
    from lealtad.core.audit import Actor

    ctx = SaleContext(Actor.system("bench"), "web")
    rng = random.Random(1)
    start = time.perf_counter()
    for _ in range(count):
        orders.place_order(OrderIn(**body(customer_id, f"B{rng.randrange(SKUS):05d}")), ctx)
    elapsed = time.perf_counter() - start
    connection.close()
    return count / elapsed


class Client:
    """One keep-alive connection speaking just enough HTTP/1.1 to post JSON. The clients run on
    the same two cores as the server: httpx cost about 1.1 ms of CPU a request, this 0.2."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict) -> int:
        self.conn.request("POST", path, json.dumps(body).encode(), self.headers)
        response = self.conn.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self.conn.close()


def run_clients(port: int, token: str, clients: int, work) -> Counter:  # type: ignore[no-untyped-def]
    outcome: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(n: int) -> None:
        http = Client(port, token)
        try:
            barrier.wait()
            for status in work(n, http):
                with lock:
                    outcome[status] += 1
        finally:
            http.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (the server's workers), from /proc."""
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout.split()
    total = 0.0
    for each in [pid, *map(int, children)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--floor", type=int, default=500)
    parser.add_argument("--last", type=int, default=25)
    parser.add_argument("--dispatcher", action="store_true", help="run the hub dispatcher too")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="lealtad-orders-"))
    os.environ["LEALTAD_HOME"] = str(home)
    db = os.environ.get("LEALTAD_DATABASE_URL", "sqlite").split("@")[-1]
    print(f"commerce orders on {db}: {args.clients} clients, {args.workers} workers")
    try:
        cc.init()
        cc.django_setup()
        customer_id = seed()
        print("(a) floor: place_order in process, one thread")
        cc.report("orders/s", floor(customer_id, args.floor), "orders/s")

        from django.db import connection

        from lealtad.commerce.models import Order, Stock
        from lealtad.core.models import OutboxMessage

        connection.close()
        token = cc.create_token("customers:read", "customers:write", "commerce:sell")
        port = cc.free_port()
        server = cc.start_server(port, args.workers, dispatcher=args.dispatcher)
        try:
            deadline = time.perf_counter() + 2  # warm up: every worker thread connected

            def steady(n: int, http: Client):  # type: ignore[no-untyped-def]
                rng = random.Random(n)
                while time.perf_counter() < deadline:
                    sku = f"B{rng.randrange(SKUS):05d}"
                    yield http.post("/api/v1/orders", body(customer_id, sku))

            run_clients(port, token, args.clients, steady)
            before = Order.objects.count()
            connection.close()
            server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
            deadline = time.perf_counter() + args.seconds
            start = time.perf_counter()
            outcome = run_clients(port, token, args.clients, steady)
            elapsed = time.perf_counter() - start
            server_cpu = cpu_seconds(server.pid) - server_cpu
            client_cpu = time.process_time() - client_cpu
            placed = Order.objects.count() - before
            connection.close()
            print(f"(b) HTTP, {args.clients} clients for {elapsed:.1f} s: {dict(outcome)}")
            cc.report("orders placed/s", placed / elapsed, "orders/s", 300.0, lower=False)
            cc.report("server CPU per order", server_cpu / placed * 1000, "ms")
            cc.report("client CPU per order", client_cpu / placed * 1000, "ms")
            print(f"    load average {os.getloadavg()[0]:.2f} (2 cores)")
            if args.dispatcher:
                waiting = OutboxMessage.objects.filter(dispatched_at=None).count()
                print(f"    outbox messages not yet dispatched: {waiting}")
                connection.close()

            Stock.objects.filter(variant__sku="LAST").update(on_hand=0)
            first = Stock.objects.filter(variant__sku="LAST").order_by("id").first()
            assert first is not None
            Stock.objects.filter(pk=first.pk).update(on_hand=args.last)
            connection.close()

            def race(n: int, http: Client):  # type: ignore[no-untyped-def]
                while True:
                    status = http.post("/api/v1/orders", body(customer_id, "LAST"))
                    yield status
                    if status != 201:
                        return

            outcome = run_clients(port, token, args.clients, race)
            row = Stock.objects.get(pk=first.pk)
            others = Stock.objects.filter(variant__sku="LAST").exclude(pk=first.pk)
            ok = (
                outcome[201] == args.last
                and row.reserved == row.on_hand == args.last
                and not any(s.reserved for s in others)
                and set(outcome) <= {201, 409}
            )
            print(f"(c) race for the last {args.last} units: {dict(outcome)}")
            print(f"    stock row: on hand {row.on_hand}, reserved {row.reserved}")
            print(f"    no oversell: {'ok' if ok else 'FAILED'}")
        finally:
            cc.stop_server(server)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
