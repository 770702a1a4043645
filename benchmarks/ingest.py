"""Event ingestion as an integration sends it: new customers in batches, interactions, singles.

Run it on a database loaded by ``lealtad demo`` (SQLite under ``LEALTAD_HOME`` or PostgreSQL
through ``LEALTAD_DATABASE_URL``)::

    LEALTAD_HOME=/tmp/bench1m .venv/bin/python benchmarks/ingest.py --workers 2

It starts ``lealtad serve --workers N`` on a free loopback port, creates a token for
``admin``, then measures, each phase bounded in count (``--batches``, ``--singles``) and in
time (``--seconds``), traffic only to 127.0.0.1:

(a) batch ingestion of NEW customers: ``customer.upserted`` with name, mobile phone, e-mail,
    cédula and one address (keys drawn from ``--seed`` and checked absent from the base),
    1,000 per ``POST /api/v1/events``, from ``--clients`` concurrent clients; every result
    must be ``created`` and every event must add one customer;
(b) ``interaction.recorded`` of EXISTING customers (known by phone), 1,000 per POST;
(c) single-event POSTs of new customers, 4 clients;
(d) the floor, in this process after the server stops: the database's raw bulk-insert rate
    for exactly the rows (a) wrote, into scratch tables with the same indexes
    (``benchmarks/ingest_floor.py``), with the events/s it implies;
(e) the memory of the server's processes (RSS and PSS from ``/proc``) after the run, and how
    long the server took from start until it answered and until an event was accepted on
    each of 4 fresh connections.

The events are built before the server starts and sent as prepared JSON bytes, so the
client's share of the 2 cores is small. Every phase adds customers or interactions to the
database it runs on. ``--train`` trains the identity model first when the base has none
(issue 11's targets assume real-time identity with a trained model).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    create_token,
    django_setup,
    free_port,
    lealtad_bin,
    report,
    start_server,
    stop_server,
)
from ingest_data import Person, draw_person, interaction_event, upsert_event
from ingest_floor import grown, high_water, postgres_floor, sqlite_floor

BATCH = 1000
BATCH_TARGET = {"sqlite": 10_000.0, "postgresql": 5_000.0}
SINGLE_TARGET = 500.0
SINGLE_CLIENTS = 4
MEMORY_TARGET_MB = 2048.0
READY_TARGET_S = 5.0


# The base: keys already taken, customers to talk about ------------------------------------


def _taken(people: list[Person]) -> set[str]:
    """Phones, e-mails and cédulas of ``people`` the base already holds, in any table."""
    from lealtad.customers.models import Customer, Email, Identifier, Phone

    keys = [k for p in people for k in (p.phone, p.email, p.cedula)]
    found: set[str] = set()
    for at in range(0, len(keys), 500):
        chunk = keys[at : at + 500]
        found.update(Identifier.objects.filter(value__in=chunk).values_list("value", flat=True))
        found.update(Phone.objects.filter(e164__in=chunk).values_list("e164", flat=True))
        found.update(Email.objects.filter(address__in=chunk).values_list("address", flat=True))
        found.update(
            Customer.objects.filter(national_id__in=chunk).values_list("national_id", flat=True)
        )
    return found


def new_people(rng: random.Random, count: int, seen: set[str]) -> list[Person]:
    """``count`` people none of whose keys the base or an earlier draw (``seen``) holds."""
    chosen: list[Person] = []
    while len(chosen) < count:
        drawn = []
        for _ in range(count - len(chosen)):
            person = draw_person(rng)
            keys = {person.phone, person.email, person.cedula}
            if not keys & seen:
                seen.update(keys)
                drawn.append(person)
        taken = _taken(drawn)
        chosen += [p for p in drawn if not {p.phone, p.email, p.cedula} & taken]
    return chosen


def known_phones(count: int, seed: int) -> list[str]:
    """Mobile phones of customers in the base (each names one customer)."""
    from http_lookup import sample

    return [e164 for e164, _ in sample(count, seed)]


def model_state(home: Path) -> str:
    from django.conf import settings

    realtime = "on" if settings.LEALTAD_IDENTITY_REALTIME else "off"
    model = home / "identity" / "model.json"
    trained = f"trained ({model})" if model.exists() else "none (deterministic keys only)"
    return f"real-time identity {realtime}, model {trained}"


def train_model() -> None:
    start = time.perf_counter()
    done = subprocess.run(
        [lealtad_bin(), "identity", "train"], check=True, capture_output=True, text=True
    )
    print(f"  identity train ({time.perf_counter() - start:.0f} s): {done.stdout.strip()}")


# The client side --------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a phase sent, what came back ``created``, in how long, and the first problems."""

    events: int = 0
    created: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.created / self.seconds if self.seconds else 0.0


def encode(events: list[dict[str, object]], size: int) -> list[tuple[int, bytes]]:
    """Request bodies of ``size`` events each (one event alone is sent as an object)."""
    if size == 1:
        return [(1, json.dumps(e).encode()) for e in events]
    return [
        (len(events[at : at + size]), json.dumps(events[at : at + size]).encode())
        for at in range(0, len(events), size)
    ]


def _tally(outcome: Outcome, sent: int, response: httpx.Response, lock: threading.Lock) -> None:
    created, problem = 0, ""
    if response.status_code != 200:
        problem = f"HTTP {response.status_code}: {response.text[:300]}"
    else:
        body = response.json()
        created = int(body.get("created", 0))
        if created != sent:
            bad = [r for r in body.get("results", []) if r.get("status") != "created"]
            problem = f"{sent - created} of {sent} not created, e.g. {bad[:2]}"
    with lock:
        outcome.events += sent
        outcome.created += created
        if problem and len(outcome.problems) < 5:
            outcome.problems.append(problem)


def post_all(
    base: str, token: str, bodies: list[tuple[int, bytes]], clients: int, seconds: float
) -> Outcome:
    """Send ``bodies`` from ``clients`` threads (own keep-alive connection each) until none
    is left or ``seconds`` have passed."""
    queue, lock, outcome = deque(bodies), threading.Lock(), Outcome()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    stop = time.perf_counter() + seconds

    def run() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
            while time.perf_counter() < stop:
                with lock:
                    if not queue:
                        return
                    sent, body = queue.popleft()
                try:
                    _tally(outcome, sent, client.post("/events", content=body), lock)
                except httpx.HTTPError as exc:
                    with lock:
                        outcome.problems.append(f"{type(exc).__name__}: {exc}")
                    return

    threads = [threading.Thread(target=run) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.seconds = time.perf_counter() - start
    return outcome


def show(outcome: Outcome, label: str, target: float | None) -> None:
    report(label, outcome.rate, "events/s", target, lower=False)
    done = f"{outcome.created:,} of {outcome.events:,} events created"
    print(f"    {done} in {outcome.seconds:.1f} s")
    for problem in outcome.problems:
        print(f"    problem: {problem}")
    print(f"    all created: {'ok' if outcome.events == outcome.created > 0 else 'FAILED'}")


# The server's processes -------------------------------------------------------------------


@dataclass(frozen=True)
class Process:
    pid: int
    command: str
    rss_mb: float
    pss_mb: float | None


def _kb(path: Path, key: str) -> float | None:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def group_processes(group: int) -> list[Process]:
    """Every live process of the server's process group, with its memory from ``/proc``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            if int(stat[stat.rindex(")") + 2 :].split()[2]) != group:
                continue
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, ValueError, IndexError):
            continue
        rss = _kb(proc / "status", "VmRSS")
        pss = _kb(proc / "smaps_rollup", "Pss")
        if rss is not None:
            found.append(Process(int(proc.name), command, rss / 1024, pss and pss / 1024))
    return sorted(found, key=lambda p: p.pid)


def ready_after(base: str, token: str, start: float, events: list[dict[str, object]]) -> float:
    """Seconds from ``start`` until each of ``events`` (one per fresh connection, sent at
    once, so both workers see some) was accepted: a worker that builds an index on its first
    event is not ready before."""
    outcome = post_all(base, token, encode(events, 1), len(events), 300)
    if outcome.created != len(events):
        sys.exit(f"the server refused the warm-up events: {outcome.problems}")
    return time.perf_counter() - start


def show_memory(processes: list[Process], server_pid: int) -> None:
    for p in processes:
        role = "lealtad serve" if p.pid == server_pid else "child"
        pss = f"{p.pss_mb:8.0f} MB PSS" if p.pss_mb is not None else ""
        print(f"    pid {p.pid:<7} {role:<13} {p.rss_mb:8.0f} MB RSS {pss}  {p.command[:60]}")
    total = sum(p.rss_mb for p in processes)
    report(f"RSS, {len(processes)} server processes in all", total, "MB", MEMORY_TARGET_MB)
    if all(p.pss_mb is not None for p in processes):
        report("PSS (shared pages counted once)", sum(p.pss_mb or 0 for p in processes), "MB")


# The run ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """Every request body of the run, built before the server starts."""

    warm_up: list[dict[str, object]]
    new_batches: list[tuple[int, bytes]]
    interaction_batches: list[tuple[int, bytes]]
    singles: list[tuple[int, bytes]]


def plan(args: argparse.Namespace) -> Plan:
    rng, run = random.Random(args.seed), uuid.uuid4().hex[:12]
    seen: set[str] = set()
    warm = new_people(rng, SINGLE_CLIENTS, seen)
    batch = new_people(rng, args.batches * BATCH, seen)
    single = new_people(rng, args.singles, seen)
    phones = known_phones(min(5000, args.batches * BATCH), args.seed)
    if not phones:
        sys.exit("no customers with a mobile phone: load some with `lealtad demo` first")
    return Plan(
        warm_up=[upsert_event(p, f"bench-{run}-w{n}", n) for n, p in enumerate(warm)],
        new_batches=encode(
            [upsert_event(p, f"bench-{run}-a{n}", n) for n, p in enumerate(batch)], BATCH
        ),
        interaction_batches=encode(
            [
                interaction_event(phones[n % len(phones)], f"bench-{run}-b{n}", n)
                for n in range(args.batches * BATCH)
            ],
            BATCH,
        ),
        singles=encode([upsert_event(p, f"bench-{run}-c{n}", n) for n, p in enumerate(single)], 1),
    )


def measure_floor(spans: dict[str, tuple[int, int]], events: int) -> None:
    from django.db import connection

    if not spans or not events:
        print("(d) floor: skipped, (a) wrote nothing")
        return
    if connection.vendor == "sqlite":
        floor = sqlite_floor(str(connection.settings_dict["NAME"]), spans, events, BATCH)
        keys = "on" if floor.foreign_keys else "off"
        how = f"executemany into a scratch SQLite file (WAL, synchronous=FULL, foreign keys {keys})"
    else:
        floor = postgres_floor(connection, spans, events, BATCH)
        how = "COPY into a scratch schema"
    connection.close()
    print(f"(d) floor: the rows (a) wrote, {how}, one commit per {BATCH} events")
    print("    " + ", ".join(f"{t} {n:,}" for t, n in sorted(floor.tables.items())))
    report(
        f"{floor.rows:,} rows ({floor.rows_per_event:.1f} per event)",
        floor.rows_per_second,
        "rows/s",
    )
    report("implied events/s (rows/s ÷ rows per event)", floor.events_per_second, "events/s")


def phase_new(base: str, token: str, args: argparse.Namespace, bodies: Plan, target: float):
    """(a), between two marks of each table's highest id: the rows it wrote, for the floor."""
    from django.db import connection

    before = high_water(connection)
    connection.close()
    print(
        f"(a) batch ingestion of new customers, {BATCH} customer.upserted per POST, "
        f"{args.clients} clients"
    )
    outcome = post_all(base, token, bodies.new_batches, args.clients, args.seconds)
    spans = grown(before, high_water(connection))
    connection.close()
    show(outcome, f"{outcome.created:,} new customers", target)
    lo, hi = spans.get("customers_customer", (0, 0))
    made = "ok" if hi - lo == outcome.created else "FAILED"
    print(f"    one customer per event: {made} ({hi - lo:,} customers for {outcome.created:,})")
    return spans, outcome.created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=2, help="concurrent batch clients")
    parser.add_argument("--batches", type=int, default=10, help="1000-event batches, (a), (b)")
    parser.add_argument("--singles", type=int, default=2000, help="single-event POSTs, (c)")
    parser.add_argument("--seconds", type=float, default=60.0, help="longest phase")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dispatcher", action="store_true", help="run the hub dispatcher too")
    parser.add_argument("--train", action="store_true", help="train identity first if untrained")
    args = parser.parse_args()

    django_setup()
    from django.conf import settings
    from django.db import connection

    from lealtad.customers.models import Customer

    engine, home = connection.vendor, Path(settings.LEALTAD_HOME)
    print(
        f"Lealtad ingest benchmark: {Customer.objects.count():,} customers on {engine} "
        f"({settings.DATABASES['default']['NAME']})"
    )
    print(
        f"  machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; server: "
        f"{args.workers} worker(s), dispatcher {'on' if args.dispatcher else 'off'}"
    )
    if args.train and not (home / "identity" / "model.json").exists():
        train_model()
    print(f"  {model_state(home)}")
    bodies = plan(args)
    connection.close()
    run_server(args, bodies, BATCH_TARGET.get(engine, BATCH_TARGET["postgresql"]))


def run_server(args: argparse.Namespace, bodies: Plan, target: float) -> None:
    token, port = create_token("customers:read", "events:write"), free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    start = time.perf_counter()
    server = start_server(port, args.workers, dispatcher=args.dispatcher)
    answering = time.perf_counter() - start
    try:
        ready = ready_after(base, token, start, bodies.warm_up)
        spans, created = phase_new(base, token, args, bodies, target)
        print(f"(b) batch ingestion of interactions of existing customers, {BATCH} per POST")
        outcome = post_all(base, token, bodies.interaction_batches, args.clients, args.seconds)
        show(outcome, f"{outcome.created:,} interactions", target)
        print(f"(c) single-event POST of new customers, {SINGLE_CLIENTS} clients")
        outcome = post_all(base, token, bodies.singles, SINGLE_CLIENTS, args.seconds)
        show(outcome, f"{outcome.created:,} single events", SINGLE_TARGET)
        processes = group_processes(server.pid)
    finally:
        stop_server(server)
    measure_floor(spans, created)
    print(f"(e) the server after the run (load average {os.getloadavg()[0]:.2f})")
    show_memory(processes, server.pid)
    report("start → answering", answering, "s")
    report(
        f"start → {SINGLE_CLIENTS} connections each had an event accepted",
        ready,
        "s",
        READY_TARGET_S,
    )


if __name__ == "__main__":
    main()
