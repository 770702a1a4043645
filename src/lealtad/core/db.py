"""Lean writes for the paths every context shares, and a queue for SQLite's one writer.

An order, an ingested event or a timeline step each write a handful of single rows (the
business row, its audit entry, its outbox messages) while holding the database's write slot.
Through the ORM's ``save``/``create`` (signals, a compiler per statement, a savepoint for
``get_or_create``) each row cost several times its INSERT; :func:`insert_new` writes them
with the statement alone, and :func:`writer_turn` keeps SQLite writers from sleeping in its
busy handler while the slot is free.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]

_INSERTS: dict[tuple[type[models.Model], str, int], str] = {}
_FIELDS: dict[type[models.Model], list[models.Field]] = {}


ROWS_PER_INSERT = 100  # a bound on the statements cached, far below SQLite's variable limit


def insert_new(rows: Sequence[models.Model]) -> None:
    """INSERT new rows of one model, up to :data:`ROWS_PER_INSERT` a statement; their ids are
    set. For a context's own rows, and the audit entries and outbox messages core writes.

    Values are prepared as the ORM prepares them (``pre_save`` fills ``auto_now`` dates, then
    ``get_db_prep_save``), so the row is the one ``save`` would write; no model signal is sent,
    as with ``bulk_create``, and none is connected to the models written this way.
    """
    if not rows:
        return
    model = type(rows[0])
    fields = _FIELDS.get(model)
    if fields is None:
        fields = _FIELDS[model] = [f for f in model._meta.concrete_fields if not f.primary_key]
    db = connections[DEFAULT_DB_ALIAS]  # the thread's own: ``connection`` resolves per use
    for start in range(0, len(rows), ROWS_PER_INSERT):
        part = rows[start : start + ROWS_PER_INSERT]
        params = [f.get_db_prep_save(f.pre_save(obj, True), db) for obj in part for f in fields]
        ids = [
            found[0] for found in _returning(db, _insert_sql(db, model, fields, len(part)), params)
        ]
        for obj, pk in zip(part, ids, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = db.alias


def _returning(db: BaseDatabaseWrapper, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run an INSERT … RETURNING and give its rows.

    On SQLite, straight on the driver's connection when nobody watches the queries (no
    ``CaptureQueriesContext``, debug cursor or execute wrapper): Django's cursor layers and
    its placeholder rewriting cost 30 of the 70 µs an outbox row took, inside the writer's
    slot. Errors are Django's all the same (``IntegrityError`` for a repeated key).
    """
    if db.vendor == "sqlite" and not db.queries_logged and not db.execute_wrappers:
        db.ensure_connection()
        with db.wrap_database_errors:
            return db.connection.execute(_QMARK.get(sql) or _qmark(sql), params).fetchall()
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_QMARK: dict[str, str] = {}


def _qmark(sql: str) -> str:
    """The statement with SQLite's own placeholders (ours has no literal ``%``)."""
    _QMARK[sql] = sql.replace("%s", "?")
    return _QMARK[sql]


def _insert_sql(
    db: BaseDatabaseWrapper, model: type[models.Model], fields: list[models.Field], count: int
) -> str:
    key = (model, db.vendor, count)
    sql = _INSERTS.get(key)
    if sql is None:
        quote = db.ops.quote_name
        row = f"({', '.join(['%s'] * len(fields))})"
        sql = _INSERTS[key] = (
            f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES {', '.join([row] * count)} RETURNING {quote(model._meta.pk.column)}"
        )
    return sql


_turn = threading.Lock()
_turn_files: dict[tuple[int, str], int] = {}


@contextmanager
def writer_turn() -> Iterator[None]:
    """On SQLite, wait for the one writer's slot in a queue instead of in SQLite's busy handler.

    A writer that finds the database locked sleeps 1, 2, 5, 10, 15, 20, 25 ms … between tries,
    so with a dozen request threads writing the database sat idle between one commit and the
    next sleeper's wake-up. Here the threads of a process take turns on a lock, and processes
    on an advisory lock on a file beside the database: both hand the slot to the next writer
    the moment the last one is done. Writers that do not take a turn still get theirs through
    the busy handler. PostgreSQL (row locks) and a transaction already open (which may hold the
    slot) take no turn. Take it around a short write transaction only: whoever holds the turn
    blocks every other writer of the process.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with _turn:
        fd = _turn_file(str(connection.settings_dict["NAME"]))
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)


def _turn_file(database: str) -> int | None:
    """This process's descriptor of the lock file (a forked child opens its own: a lock
    belongs to the open file, which parent and child would otherwise share)."""
    if fcntl is None or database.startswith(":memory:") or "mode=memory" in database:
        return None
    key = (os.getpid(), database)
    fd = _turn_files.get(key)
    if fd is None:
        fd = _turn_files[key] = os.open(f"{database}-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
    return fd
