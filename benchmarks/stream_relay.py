"""The Redis Streams relay's pace: outbox messages published per second, against ingestion's.

Ingests ``--events`` ``interaction.recorded`` events (batches of 1000, in process, as
``benchmarks/hub_dispatch.py`` does), starts its own ``redis-server`` (append-only file synced
every second, as docs/streams.md advises) and runs the relay until nothing waits, the way
``lealtad hub relay-redis --once`` does. The peer is ingestion in the same run: a relay slower
than ingestion lets the lag grow under sustained load. It then checks the stream holds every
outbox message once, in order.

    .venv/bin/python benchmarks/stream_relay.py
    LEALTAD_DATABASE_URL=postgres://… .venv/bin/python benchmarks/stream_relay.py

Runs in a temporary LEALTAD_HOME (removed afterwards).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as cc
from hub_dispatch import ingest


def start_redis(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    import redis

    port = cc.free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(home),
         "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(500):
        try:
            redis.Redis.from_url(url).ping()
            return server, url
        except redis.ConnectionError:
            time.sleep(0.02)
    sys.exit("redis-server did not start")


def relay_all(chunk: int) -> tuple[int, float, float]:
    from lealtad.core.streams.redis_stream import RedisStream
    from lealtad.core.streams.relay import OutboxRelay
    from lealtad.core.streams.status import relay_status

    relay = OutboxRelay(RedisStream.from_settings(), chunk=chunk)
    published = 0
    began, cpu = time.perf_counter(), time.process_time()
    while relay_status().lag:
        published += relay.run_once()
    return published, time.perf_counter() - began, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--chunk", type=int, default=1000, help="entries a round trip")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="lealtad-relay-"))
    os.environ["LEALTAD_HOME"] = str(home)
    server, url = start_redis(home)
    os.environ["LEALTAD_REDIS_URL"] = url
    db = os.environ.get("LEALTAD_DATABASE_URL", "sqlite").split("@")[-1]
    print(f"redis streams relay on {db}: {args.events} events for {args.customers} customers")
    try:
        cc.init()
        cc.django_setup()
        import redis

        from lealtad.core.models import OutboxMessage

        rate = ingest(args.events, args.customers)
        waiting = OutboxMessage.objects.count()
        print(f"(a) peer: ingestion, batches of 1000 in process ({waiting} outbox messages)")
        cc.report("events ingested/s", rate, "events/s")
        published, elapsed, cpu = relay_all(args.chunk)
        print(f"(b) relay, chunks of {args.chunk}: {published} published in {elapsed:.2f} s")
        cc.report("messages published/s", published / elapsed, "msgs/s", rate, lower=False)
        cc.report("CPU per message", cpu / max(published, 1) * 1000, "ms")
        client = redis.Redis.from_url(url, decode_responses=True)
        ids = [int(e.split("-")[0]) for e, _ in client.xrange("lealtad:events")]
        expected = list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))
        memory = client.memory_usage("lealtad:events") or 0
        print(f"    stream {len(ids)} entries, {memory / max(len(ids), 1):.0f} bytes each in Redis")
        print(f"(c) every outbox message once, in order: {'ok' if ids == expected else 'FAILED'}")
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
