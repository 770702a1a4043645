"""A real relay process (``lealtad hub relay-redis``) killed with SIGKILL mid-publish, again and
again: restarted, it resumes from its recorded position; nothing is lost and the stream holds
every message once. Then the example warehouse consumer (examples/streams) loads the stream
with a consumer group, claims what a dead loader left pending, and deduplicates by event id.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import connection, transaction

from lealtad.core import hub
from lealtad.core.models import OutboxMessage, StreamRelayPosition
from lealtad.core.streams.horizon import horizon_for_database
from lealtad.core.streams.redis_stream import RedisStream
from lealtad.core.streams.relay import OutboxRelay

pytestmark = pytest.mark.django_db(transaction=True)

STREAM = "lealtad:events"
MESSAGES = 20_000
ROOT = Path(__file__).resolve().parent.parent
CONSUMER = ROOT / "examples" / "streams" / "warehouse_consumer.py"


def _database_url() -> str:
    """The test database, for a process of its own."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _env(tmp_path: Path, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEALTAD_")}
    env.update(
        LEALTAD_HOME=str(tmp_path / "home"),
        LEALTAD_DATABASE_URL=_database_url(),
        LEALTAD_REDIS_URL=redis_url,
        LEALTAD_REDIS_STREAM=STREAM,
    )
    return env


def _announce(count: int) -> None:
    for start in range(0, count, 5000):
        with transaction.atomic():
            hub.publish_many(
                [
                    hub.Announcement("test.happened", {"n": i, "texto": "año"}, f"k-{i}")
                    for i in range(start, min(count, start + 5000))
                ]
            )


def _kill_when(proc: subprocess.Popen[bytes], client: redis.Redis, entries: int) -> int:
    """SIGKILL the relay once the stream holds ``entries``; the stream's length then."""
    deadline = time.monotonic() + 60
    while client.xlen(STREAM) < entries:
        assert proc.poll() is None, "the relay process stopped by itself"
        assert time.monotonic() < deadline, "the relay published nothing"
        time.sleep(0.002)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    return int(client.xlen(STREAM))


def _assert_each_once_in_order(client: redis.Redis) -> None:
    entries = client.xrange(STREAM)
    outbox = list(OutboxMessage.objects.order_by("pk").values_list("pk", "event_id"))
    assert [(int(e.split("-")[0]), f["event_id"]) for e, f in entries] == outbox


@pytest.mark.slow
def test_a_relay_process_killed_mid_publish_loses_nothing(tmp_path, redis_url, settings):
    settings.LEALTAD_REDIS_URL, settings.LEALTAD_REDIS_STREAM = redis_url, STREAM
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    _announce(MESSAGES)
    env = _env(tmp_path, redis_url)
    ahead = 0
    for threshold in (1, 2_600, 7_100, 12_345):
        proc = subprocess.Popen(
            [sys.executable, "-m", "lealtad.cli", "hub", "relay-redis"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        in_stream = _kill_when(proc, client, threshold)
        position = StreamRelayPosition.objects.get(stream=STREAM).position
        last = int(client.xinfo_stream(STREAM)["last-generated-id"].split("-")[0])
        assert position <= last  # never recorded beyond what Redis took
        ahead += last > position  # killed between an add and its record
        assert in_stream < MESSAGES, "the relay finished before it was killed"
    done = subprocess.run(
        [sys.executable, "-m", "lealtad.cli", "hub", "relay-redis", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "0 waiting" in done.stdout
    _assert_each_once_in_order(client)
    print(f"killed {ahead} of 4 times with entries past the recorded position")


def test_the_example_warehouse_consumer_loads_each_event_once(tmp_path, redis_url, settings):
    settings.LEALTAD_REDIS_URL, settings.LEALTAD_REDIS_STREAM = redis_url, STREAM
    _announce(48)
    with transaction.atomic():
        hub.publish("test.happened", {"name": "Rosa Tipán"}, event_id="rosa-1", customer_id=7)
        hub.publish("test.happened", {"name": "Luis Mamani"}, event_id="luis-1", customer_id=8)
    relay = OutboxRelay(RedisStream.from_settings(), horizon_for_database(0))
    for _ in range(5):  # a pass stops at the ids earlier tests rolled back; the next settles
        relay.run_once()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    assert client.xlen(STREAM) == 50
    client.xgroup_create(STREAM, "warehouse", id="0")
    client.xreadgroup("warehouse", "dead-loader", {STREAM: ">"}, count=10)  # never acked
    warehouse = tmp_path / "warehouse.sqlite3"

    def consume(*extra: str) -> Any:
        options = ["--redis", redis_url, "--db", str(warehouse), "--once", "--claim-idle-ms", "0"]
        out = subprocess.run(
            [sys.executable, str(CONSUMER), *options, *extra],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert "loaded 50 events, 0 duplicates skipped" in consume()
    assert client.xpending(STREAM, "warehouse")["pending"] == 0
    client.xgroup_setid(STREAM, "warehouse", id="0")  # every entry delivered again
    assert "loaded 0 events, 50 duplicates skipped" in consume("--consumer", "loader-2")
    with transaction.atomic():  # Rosa is erased in Lealtad: the warehouse follows
        hub.publish("customer.erased", {"customer_ids": [7]}, event_id="erase-7", customer_id=7)
    relay.run_once()
    assert "loaded 1 events, 0 duplicates skipped" in consume()
    with sqlite3.connect(warehouse) as db:
        rows = db.execute("SELECT event_id, outbox_id FROM lealtad_event ORDER BY outbox_id")
        loaded = rows.fetchall()
        documents = dict(db.execute("SELECT event_id, document FROM lealtad_event"))
    assert loaded == list(OutboxMessage.objects.order_by("pk").values_list("event_id", "pk"))
    assert documents["rosa-1"] == '{"erased": true}' and "Mamani" in documents["luis-1"]
