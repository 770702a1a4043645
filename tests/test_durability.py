"""Nothing lost: SIGKILL the server at random moments during batch ingestion, many times.

Every event the server acknowledged must be stored exactly once, and no business row may lack
its outbox row. Runs against the database the suite runs on (a fresh SQLite file, or a fresh
database on the PostgreSQL server named by ``LEALTAD_DATABASE_URL``).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import httpx
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.database]

LEALTAD = [sys.executable, "-m", "lealtad.cli"]  # the console script, from this interpreter
ROUNDS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEALTAD_")}
    env["LEALTAD_HOME"] = str(tmp_path)
    env["LEALTAD_ADMIN_PASSWORD"] = "kill-test-pw"
    url = os.environ.get("LEALTAD_DATABASE_URL")
    dbname = None
    if url:
        import psycopg

        dbname = f"lealtad_kill_{uuid.uuid4().hex[:8]}"
        admin_url = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {dbname}")
        env["LEALTAD_DATABASE_URL"] = url.rsplit("/", 1)[0] + f"/{dbname}"
    subprocess.run([*LEALTAD, "init"], env=env, check=True, capture_output=True)
    yield env
    if dbname:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


def _query(env: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    url = env.get("LEALTAD_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url) as conn:
            return list(conn.execute(sql).fetchall())
    db = dj_database_url.parse(f"sqlite:///{env['LEALTAD_HOME']}/lealtad.sqlite3")
    with sqlite3.connect(db["NAME"]) as conn:
        return list(conn.execute(sql).fetchall())


def _token(env: dict[str, str]) -> str:
    out = subprocess.run(
        [*LEALTAD, "token", "create", "--user", "admin", "--scope", "events:write"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [*LEALTAD, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login/", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("server did not start")


def _batch(rng: random.Random, size: int) -> list[dict[str, Any]]:
    events = []
    for _ in range(size):
        person = rng.randrange(300)
        events.append(
            {
                "id": f"k-{uuid.UUID(int=rng.getrandbits(128)).hex}",
                "type": rng.choice(["interaction.recorded", "customer.upserted"]),
                "channel": rng.choice(["web", "pos", "call_center"]),
                "occurred_at": "2026-11-02T10:00:00-05:00",
                "customer": {"email": f"persona{person}@example.com", "name": f"Persona {person}"},
                "payload": {"subject": "Consulta"} if rng.random() < 0.7 else {},
            }
        )
    for event in events:  # upserts take no subject; interactions need one
        if event["type"] == "customer.upserted":
            event["payload"] = {"gender": rng.choice(["female", "male"])}
        else:
            event["payload"] = {"subject": "Consulta", "direction": "inbound"}
    return events


def _client_loop(
    url: str,
    token: str,
    rng: random.Random,
    acked: set[str],
    stop: threading.Event,
    carry: list[list[dict[str, Any]]],
) -> None:
    """Post batches until the server dies; re-send the unacknowledged batch next round."""
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        while not stop.is_set():
            batch = carry.pop() if carry else _batch(rng, rng.randint(1, 60))
            try:
                response = client.post(url, json=batch)
            except httpx.TransportError:
                carry.append(batch)
                return
            assert response.status_code == 200, response.text
            statuses = {r["status"] for r in response.json()["results"]}
            assert statuses <= {"created", "duplicate"}
            acked.update(e["id"] for e in batch)


def test_sigkill_during_ingestion_loses_nothing_and_duplicates_nothing(server_env):
    rng = random.Random(20261124)
    port = _free_port()
    token = _token(server_env)
    acked: set[str] = set()
    carry: list[list[dict[str, Any]]] = []
    for _ in range(ROUNDS):
        proc = _start(server_env, port)
        stop = threading.Event()
        client = threading.Thread(
            target=_client_loop,
            args=(f"http://127.0.0.1:{port}/api/v1/events", token, rng, acked, stop, carry),
        )
        client.start()
        time.sleep(rng.uniform(0.2, 1.5))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        stop.set()
        client.join(timeout=15)
    assert len(acked) > 100, "the server acknowledged too little to prove anything"

    stored = _query(server_env, "SELECT event_id, COUNT(*) FROM channels_receivedevent GROUP BY 1")
    counts = dict(stored)
    assert acked <= set(counts), f"lost {len(acked - set(counts))} acknowledged events"
    assert all(n == 1 for n in counts.values())
    doubled = _query(
        server_env,
        "SELECT event_id FROM customers_interaction GROUP BY event_id HAVING COUNT(*) > 1",
    )
    assert doubled == []
    orphans = _query(
        server_env,
        "SELECT i.event_id FROM customers_interaction i LEFT JOIN core_outboxmessage o"
        " ON o.event_id = i.event_id WHERE o.id IS NULL",
    )
    assert orphans == []
    unannounced = _query(
        server_env,
        "SELECT r.event_id FROM channels_receivedevent r LEFT JOIN core_outboxmessage o"
        " ON o.event_id = r.event_id WHERE o.id IS NULL",
    )
    assert unannounced == []
    unaudited = _query(
        server_env,
        "SELECT c.id FROM customers_customer c LEFT JOIN core_auditentry a"
        " ON a.customer_id = c.id AND a.action = 'create' WHERE a.id IS NULL",
    )
    assert unaudited == []
