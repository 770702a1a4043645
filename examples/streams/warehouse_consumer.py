"""A data warehouse loading Lealtad's events from the Redis stream, at least once, deduplicated.

Needs only redis-py (``pip install redis``) and the standard library. It reads the stream the
outbox relay writes (docs/streams.md) in a consumer group, loads each entry into an SQLite
table keyed by the event id, and acknowledges the entries only after the load committed. A
loader that dies before acknowledging leaves its entries pending: the next loader claims them
(XAUTOCLAIM) and loads them again, and the key turns the second load into nothing. When
Lealtad announces ``customer.erased``, the person's earlier events are erased here too.

    python examples/streams/warehouse_consumer.py --redis redis://127.0.0.1:6379/0 \\
        --db warehouse.sqlite3 --once
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

import redis

Entries = Sequence[tuple[str, dict[str, str] | None]]

SCHEMA = """
CREATE TABLE IF NOT EXISTS lealtad_event (
    event_id    TEXT PRIMARY KEY,   -- the event's id: a redelivered entry loads nothing
    outbox_id   INTEGER NOT NULL,   -- the stream entry id's first part: Lealtad's order
    event_type  TEXT NOT NULL,
    customer_id INTEGER,
    document    TEXT NOT NULL,      -- the envelope, as an outbound webhook receives it
    loaded_at   TEXT NOT NULL
)
"""


class Loader:
    """One consumer of the group: reads, loads, then acknowledges."""

    def __init__(self, client: redis.Redis, db: sqlite3.Connection, args: argparse.Namespace):
        self.redis, self.db, self.args = client, db, args
        self.loaded = self.duplicates = 0

    def ensure_group(self) -> None:
        try:  # from the stream's first entry: the warehouse wants everything still there
            self.redis.xgroup_create(self.args.stream, self.args.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def load(self, entries: Entries) -> None:
        """Insert the batch in one transaction, then acknowledge it (deleted entries too)."""
        now = datetime.now(UTC).isoformat()
        with self.db:
            for entry_id, fields in entries:
                if not fields:  # trimmed from the stream while pending: nothing to load
                    continue
                document = json.loads(fields["document"])
                inserted = self.db.execute(
                    "INSERT OR IGNORE INTO lealtad_event VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        fields["event_id"],
                        int(entry_id.split("-")[0]),
                        fields["event_type"],
                        document.get("customer_id"),
                        fields["document"],
                        now,
                    ),
                ).rowcount
                self.loaded += inserted
                self.duplicates += 1 - inserted
                if fields["event_type"] == "customer.erased":
                    self.erase(document["customer_ids"], int(entry_id.split("-")[0]))
        if entries:
            self.redis.xack(self.args.stream, self.args.group, *[e for e, _ in entries])

    def erase(self, customer_ids: list[int], before: int) -> None:
        """A person was erased in Lealtad: their events loaded before go too (keep the ids)."""
        marks = ", ".join("?" * len(customer_ids))
        self.db.execute(
            f"UPDATE lealtad_event SET document = '{{\"erased\": true}}' "
            f"WHERE customer_id IN ({marks}) AND outbox_id < ?",
            (*customer_ids, before),
        )

    def claim_abandoned(self) -> None:
        """Take over what other loaders read and never acknowledged (they died)."""
        start = "0-0"
        while True:
            start, claimed, _deleted = self.redis.xautoclaim(
                self.args.stream,
                self.args.group,
                self.args.consumer,
                min_idle_time=self.args.claim_idle_ms,
                start_id=start,
                count=self.args.count,
            )
            self.load(claimed)
            if start == "0-0":
                return

    def read(self, new: bool) -> int:
        """One batch: this loader's own pending entries (``new`` False) or new ones."""
        found = self.redis.xreadgroup(
            self.args.group,
            self.args.consumer,
            {self.args.stream: ">" if new else "0"},
            count=self.args.count,
            block=None if self.args.once else self.args.block_ms,
        )
        entries = found[0][1] if found else []
        self.load(entries)
        return len(entries)

    def run(self) -> None:
        self.ensure_group()
        while self.read(new=False):  # after a restart: what this loader had not acknowledged
            pass
        while True:
            self.claim_abandoned()
            if not self.read(new=True) and self.args.once:
                return


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--stream", default="lealtad:events")
    parser.add_argument("--group", default="warehouse")
    parser.add_argument("--consumer", default="loader-1")
    parser.add_argument("--db", default="warehouse.sqlite3", help="the warehouse (SQLite file)")
    parser.add_argument("--count", type=int, default=500, help="entries a batch")
    parser.add_argument("--block-ms", type=int, default=5000)
    parser.add_argument(
        "--claim-idle-ms", type=int, default=60_000, help="claim entries pending this long"
    )
    parser.add_argument("--once", action="store_true", help="stop when nothing new is left")
    args = parser.parse_args(argv)
    db = sqlite3.connect(args.db)
    db.execute(SCHEMA)
    loader = Loader(redis.Redis.from_url(args.redis, decode_responses=True), db, args)
    with contextlib.suppress(KeyboardInterrupt):
        loader.run()
    print(f"loaded {loader.loaded} events, {loader.duplicates} duplicates skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
