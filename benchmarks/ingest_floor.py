"""The floor of batch ingestion: the database's raw bulk-insert rate for the rows ingest wrote.

The ingest benchmark notes each table's highest id before and after the batch phase; the
rows in between are exactly what the product wrote for those events (customers, identifiers,
phones, e-mails, addresses, timeline, audit, outbox, received-event ids, …). The floor
inserts the same rows, same columns, into scratch copies of those tables with the same
indexes, one transaction per batch of events, and nothing else: no parsing, no validation,
no identity resolution. No ingest can beat it on this machine.

* SQLite: a temporary database file with the product's settings (WAL, ``synchronous=FULL``,
  64 MiB cache, foreign keys on between the copied tables, or off when a row's parent is
  not among the copied rows of the same transaction), ``executemany`` per table.
* PostgreSQL: a scratch schema (``CREATE TABLE … (LIKE … INCLUDING ALL)``: same indexes and
  constraints except foreign keys) in the same database, ``COPY`` per table, dropped after.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Span = tuple[int, int]  # (highest id before, highest id after): the rows in between


@dataclass(frozen=True)
class Floor:
    """Rows inserted, in how many seconds, for how many events."""

    rows: int
    seconds: float
    events: int
    tables: dict[str, int]
    foreign_keys: bool = False

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    @property
    def rows_per_event(self) -> float:
        return self.rows / max(1, self.events)

    @property
    def events_per_second(self) -> float:
        return self.rows_per_second / self.rows_per_event


def high_water(connection: Any) -> dict[str, int]:
    """Each table's highest ``id``, through Django's connection: the tables of models keyed by
    a counter named ``id`` (a UUID key has no order to grow along, and PostgreSQL has no
    ``MAX(uuid)``)."""
    from django.apps import apps
    from django.db import models

    counted = (models.AutoField, models.BigAutoField, models.SmallAutoField)
    tables = sorted(
        {
            m._meta.db_table
            for m in apps.get_models(include_auto_created=True)
            if isinstance(m._meta.pk, counted) and m._meta.pk.column == "id" and m._meta.managed
        }
    )
    marks: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
            marks[table] = int(cursor.fetchone()[0] or 0)
    return marks


def grown(before: dict[str, int], after: dict[str, int]) -> dict[str, Span]:
    """The tables whose highest id moved, with the span of new ids."""
    return {t: (before.get(t, 0), hi) for t, hi in after.items() if hi > before.get(t, 0)}


def _slices(rows: list[Any], parts: int) -> Iterable[list[Any]]:
    for part in range(parts):
        yield rows[part * len(rows) // parts : (part + 1) * len(rows) // parts]


def _scratch_ddl(source: sqlite3.Connection, tables: Iterable[str]) -> list[str]:
    """CREATE TABLE and CREATE INDEX statements of ``tables``, foreign keys to others cut."""
    names = set(tables)
    marks = ",".join("?" * len(names))
    found = source.execute(
        f"SELECT type, tbl_name, sql FROM sqlite_master WHERE tbl_name IN ({marks})"
        " AND sql IS NOT NULL ORDER BY type DESC",  # tables before indexes
        sorted(names),
    ).fetchall()

    def keep_local(match: re.Match[str]) -> str:
        return match.group(0) if match.group(1) in names else ""

    reference = re.compile(r'REFERENCES "(\w+)" \("\w+"\)(?: DEFERRABLE INITIALLY DEFERRED)?')
    return [reference.sub(keep_local, sql) if kind == "table" else sql for kind, _, sql in found]


def sqlite_floor(database: str, spans: dict[str, Span], events: int, batch: int) -> Floor:
    """Insert the rows of ``spans`` again into a scratch file, one commit per ``batch`` events."""
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    rows = {
        t: source.execute(
            f'SELECT * FROM "{t}" WHERE id > ? AND id <= ? ORDER BY id', (lo, hi)
        ).fetchall()
        for t, (lo, hi) in spans.items()
    }
    rows = {t: r for t, r in rows.items() if r}
    ddl = _scratch_ddl(source, rows)
    source.close()
    parts = max(1, -(-events // batch))
    try:
        seconds, foreign_keys = _timed_inserts(ddl, rows, parts, foreign_keys=True), True
    except sqlite3.IntegrityError:
        # A row whose parent is in the base, not in the copy, or in a later slice.
        seconds, foreign_keys = _timed_inserts(ddl, rows, parts, foreign_keys=False), False
    counts = {t: len(r) for t, r in rows.items()}
    return Floor(sum(counts.values()), seconds, events, counts, foreign_keys)


def _timed_inserts(
    ddl: list[str], rows: dict[str, list[Any]], parts: int, foreign_keys: bool
) -> float:
    """Seconds to insert ``rows`` in ``parts`` transactions into a fresh scratch file."""
    with tempfile.TemporaryDirectory(prefix="ingest-floor-") as tmp:
        db = sqlite3.connect(Path(tmp) / "floor.sqlite3", isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "cache_size=-65536"):
            db.execute(f"PRAGMA {pragma}")
        db.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        for statement in ddl:
            db.execute(statement)
        inserts = {
            t: f'INSERT INTO "{t}" VALUES ({",".join("?" * len(r[0]))})' for t, r in rows.items()
        }
        chunks = {t: list(_slices(r, parts)) for t, r in rows.items()}
        try:
            start = time.perf_counter()
            for part in range(parts):
                db.execute("BEGIN IMMEDIATE")
                for table, insert in inserts.items():
                    db.executemany(insert, chunks[table][part])
                db.execute("COMMIT")
            return time.perf_counter() - start
        finally:
            db.close()


def postgres_floor(connection: Any, spans: dict[str, Span], events: int, batch: int) -> Floor:
    """COPY the rows of ``spans`` into a scratch schema, one transaction per ``batch`` events."""
    connection.ensure_connection()
    raw = connection.connection
    schema = f"ingest_floor_{os.getpid()}"
    lines: dict[str, list[bytes]] = {}
    with raw.cursor() as cursor:
        for table, (lo, hi) in spans.items():
            data = bytearray()
            query = f'COPY (SELECT * FROM "{table}" WHERE id > {lo} AND id <= {hi}) TO STDOUT'
            with cursor.copy(query) as copy:
                for chunk in copy:
                    data += chunk
            lines[table] = bytes(data).splitlines(keepends=True)
    parts = max(1, -(-events // batch))
    try:
        with raw.transaction(), raw.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {schema}")
            for table in spans:
                cursor.execute(f'CREATE TABLE {schema}."{table}" (LIKE "{table}" INCLUDING ALL)')
        chunks = {t: list(_slices(rows, parts)) for t, rows in lines.items()}
        start = time.perf_counter()
        for part in range(parts):
            with raw.transaction(), raw.cursor() as cursor:
                for table in spans:
                    with cursor.copy(f'COPY {schema}."{table}" FROM STDIN') as copy:
                        copy.write(b"".join(chunks[table][part]))
        seconds = time.perf_counter() - start
    finally:
        with raw.transaction(), raw.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    counts = {t: len(rows) for t, rows in lines.items()}
    return Floor(sum(counts.values()), seconds, events, counts)
