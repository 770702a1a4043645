"""Lean writes for the paths every context shares, and a queue for SQLite's one writer.

An order, an ingested event or a timeline step each write a handful of single rows (the
business row, its audit entry, its outbox messages) while holding the database's write slot.
Through the ORM's ``save``/``create`` (signals, a compiler per statement, a savepoint for
``get_or_create``) each row cost several times its INSERT; :func:`insert_new` writes them
with the statement alone, and :func:`writer_turn` keeps SQLite writers from sleeping in its
busy handler while the slot is free.
"""

from __future__ import annotations

import functools
import operator
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, tzinfo
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.base import ModelState
from django.utils.dateparse import parse_datetime

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]

M = TypeVar("M", bound=models.Model)

_INSERTS: dict[tuple[type[models.Model], str, int, int], str] = {}
_PLANS: dict[type[models.Model], _Plan] = {}

MAX_KEY = 2**63 - 1  # the largest key both databases store; a larger one in a URL names no row


def storable_keys(ids: Iterable[int]) -> list[int]:
    """The ids a query may carry: SQLite's driver raises on an integer beyond 64 bits (a 500
    for a mistyped URL), so those are dropped here and the caller answers not found."""
    return sorted({i for i in ids if 0 < i <= MAX_KEY})


ROWS_PER_INSERT = 100  # a bound on the statements cached, far below SQLite's variable limit

# Fields whose value goes to the driver as the object holds it: ``get_db_prep_save`` of these
# returns its input for every value a service puts there (text, numbers, booleans, None).
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.AutoField,
    models.BigAutoField,
)


class _Plan:
    """How one model's rows become INSERT parameters on one database: which fields, which of
    them need the backend's adaptation (dates, JSON, decimals…) and which fill themselves in
    (``auto_now``). Worked out once, so a row costs a tuple, not a method call per field."""

    def __init__(self, model: type[models.Model]) -> None:
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.attnames = [f.attname for f in self.fields]
        self.values_of = operator.attrgetter(*self.attnames)
        self.adapted = [
            (i, f, _moment(f), type(f) is models.JSONField)
            for i, f in enumerate(self.fields)
            if not _plain(f) or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]

    def params(self, obj: models.Model, db: BaseDatabaseWrapper) -> list[Any]:
        found = self.values_of(obj)
        values = list(found) if len(self.attnames) > 1 else [found]
        sqlite = db.vendor == "sqlite"
        for i, field, moment, json in self.adapted:
            value = values[i]
            if moment and (value is None or (type(value) is datetime and value.tzinfo is not None)):
                # An aware moment (or none) of a plain date-time field: what the field and
                # the backend would make of it, without their three calls and checks (a
                # ledger row has two, and they cost as much as the rest of its row).
                if sqlite and value is not None:
                    value = str(value.astimezone(db.timezone).replace(tzinfo=None))
                values[i] = value
                continue
            if json and type(value) in (dict, list):
                values[i] = db.ops.adapt_json_value(value, cast(Any, field).encoder)
                continue
            values[i] = field.get_db_prep_save(field.pre_save(obj, True), db)
        return values


def _moment(field: models.Field) -> bool:
    """A plain ``DateTimeField`` its row sets itself (not ``auto_now``, no subclass)."""
    return type(field) is models.DateTimeField and not (field.auto_now or field.auto_now_add)


def _plain(field: models.Field) -> bool:
    if isinstance(field, models.ForeignKey):
        return isinstance(field.target_field, (models.AutoField, models.BigAutoField))
    return isinstance(field, _PLAIN)


_DEFAULTS: dict[type[models.Model], tuple[dict[str, Any], list[tuple[str, Any]]]] = {}


def new_row(model: type[M], **values: Any) -> M:
    """An unsaved row of ``model`` for :func:`insert_new`, by attribute name (``customer_id``,
    not ``customer``), with the fields' defaults for the rest.

    ``Model.__init__`` walks every field and descriptor for each instance: on the ingest path,
    building the sixteen rows an event writes cost more than inserting them. A row built here
    is the same object, with the same ``_state``, as one built by ``Model(**values)``.
    """
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = _defaults(model)
    fixed, computed = defaults
    row = model.__new__(model)
    state = row.__dict__
    state.update(fixed)
    for name, make in computed:
        state[name] = make()
    state.update(values)
    state["_state"] = ModelState()
    return row


def _defaults(model: type[models.Model]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    fixed: dict[str, Any] = {}
    computed: list[tuple[str, Any]] = []
    for f in model._meta.concrete_fields:
        if f.has_default() and callable(f.default):
            computed.append((f.attname, f.default))
        else:
            fixed[f.attname] = f.get_default()
    return fixed, computed


def insert_new(rows: Sequence[models.Model]) -> None:
    """INSERT new rows of one model, up to :data:`ROWS_PER_INSERT` a statement; their ids are
    set (or kept, when :func:`reserve_ids` gave them). The one way every context inserts.

    Values are prepared as the ORM prepares them (``pre_save`` fills ``auto_now`` dates, then
    ``get_db_prep_save``), so the row is the one ``save`` would write; no model signal is sent,
    as with ``bulk_create``, and none is connected to the models written this way.
    """
    if not rows:
        return
    model = type(rows[0])
    db = connections[DEFAULT_DB_ALIAS]  # the thread's own: ``connection`` resolves per use
    plan = _PLANS.get(model)
    if plan is None:
        plan = _PLANS[model] = _Plan(model)
    with_ids = rows[0].pk is not None
    fields = [model._meta.pk, *plan.fields] if with_ids else plan.fields
    for start in range(0, len(rows), ROWS_PER_INSERT):
        part = rows[start : start + ROWS_PER_INSERT]
        params: list[Any] = []
        for obj in part:
            if with_ids:
                params.append(obj.pk)
            params.extend(plan.params(obj, db))
        sql = _insert_sql(db, model, fields, len(part))
        ids = [found[0] for found in _returning(db, sql, params)]
        for obj, pk in zip(part, ids, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = db.alias


def update_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    key: str = "id",
) -> None:
    """``UPDATE … SET columns WHERE key = …`` once per row (the values of ``columns``, then
    the key's), in one ``executemany``: the one way a set-based write changes many rows by
    key. Values are prepared as the ORM prepares them, the way chosen once per column (a
    batch repeats the same few stamps thousands of times: adapted once each)."""
    if not rows:
        return
    fields: list[Any] = [model._meta.get_field(name) for name in columns]
    where: Any = model._meta.get_field(key)
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(model._meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(where.column),
    )
    with db.cursor() as cursor:
        cursor.executemany(sql, _prepared(db, [*fields, where], rows))


def upsert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    key: Sequence[str],
    update: Sequence[str] | None = None,
    when: str = "",
) -> None:
    """INSERT ``rows``; where a row's ``key`` is already stored, set its ``update`` columns
    (all but the key's, unless named) from the row offered instead, and only ``when`` that
    SQL condition holds (``excluded`` is the row offered, ``{table}`` the stored one): a
    report older than the kept one changes nothing. In one ``executemany``, values prepared
    as in :func:`update_rows`. The one way a context writes rows that may exist already."""
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    fields: list[Any] = [model._meta.get_field(name) for name in columns]
    table = quote(model._meta.db_table)
    keyed = [_column(model, name) for name in key]
    changed = (
        [_column(model, name) for name in update]
        if update is not None
        else [f.column for f in fields if f.column not in keyed]
    )
    condition = f" WHERE {when.format(table=table)}" if when else ""
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in keyed)}) DO UPDATE SET "
        f"{', '.join(f'{quote(c)} = excluded.{quote(c)}' for c in changed)}{condition}"
    )
    with db.cursor() as cursor:
        cursor.executemany(sql, _prepared(db, fields, rows))


def _column(model: type[models.Model], name: str) -> str:
    field: Any = model._meta.get_field(name)
    return field.column


def _prepared(
    db: BaseDatabaseWrapper, fields: Sequence[Any], rows: Sequence[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """The rows' values as the driver takes them, column by column (``None`` for a field:
    the value goes as it is)."""
    values = [list(column) for column in zip(*rows, strict=True)]
    for n, f in enumerate(fields):
        prepare = None if f is None else _preparer(db, f)
        if prepare is not None:
            values[n] = [None if v is None else prepare(v) for v in values[n]]
    return list(zip(*values, strict=True))


def _preparer(db: BaseDatabaseWrapper, field: models.Field) -> Any:
    """Text, numbers and booleans go as they are; JSON and dates need the backend's form."""
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, db)
    if isinstance(field, models.DateTimeField):
        return functools.lru_cache(maxsize=4096)(db.ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return db.ops.adapt_datefield_value
    return None


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys of ``model`` no other insert will take, for rows a batch builds
    before it writes them: the rows that point at them (a customer's phones, the audit entry
    naming a phone) are built in the same pass, and every table is then written with one
    INSERT per hundred rows. Call it inside the write transaction.

    SQLite: the table's AUTOINCREMENT counter is moved past the range (the transaction holds
    the one write slot, so nobody else reads it meanwhile). PostgreSQL: the column's sequence.
    """
    if model._meta.label == "core.OutboxMessage":
        # The stream relay (core/streams/horizon.py) may publish past an id taken ahead of
        # its INSERT and never see the row: outbox ids come from the INSERT itself.
        raise ValueError("outbox ids are taken by publish_many's INSERT, never reserved")
    if count <= 0:
        return []
    db = connections[DEFAULT_DB_ALIAS]
    table, column = model._meta.db_table, model._meta.pk.column
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [db.ops.quote_name(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "UPDATE sqlite_sequence SET seq = seq + %s WHERE name = %s RETURNING seq",
            [count, table],
        )
        found = cursor.fetchone()
        if found is None:  # nothing was ever inserted: the counter starts at the table's max
            cursor.execute(f"SELECT coalesce(max({column}), 0) FROM {db.ops.quote_name(table)}")
            last = cursor.fetchone()[0] + count
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last])
        else:
            last = found[0]
    return list(range(last - count + 1, last + 1))


def stored_moment(value: Any, zone: tzinfo | None = None) -> datetime | None:
    """A date-time column as :func:`rows_of` gives it (PostgreSQL: aware; SQLite: naive, or
    text, in the connection's zone), as the ORM would read it: aware. A loop over many rows
    passes ``connection.timezone`` as ``zone``, looked up once (a lookup per value cost as
    much as the rest)."""
    if value is None:
        return None
    found = value if isinstance(value, datetime) else parse_datetime(value)
    if found is not None and found.tzinfo is None:
        found = found.replace(tzinfo=zone or connection.timezone)
    return found


def rows_of(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run one statement that gives rows (a SELECT, or a write with RETURNING) by its text
    and give them as the driver returns them, the way :func:`insert_new` runs its INSERTs:
    for a batch's set-based statements (a key lookup, a balance update, deliveries), whose
    long parameter lists cost more in Django's cursor and psycopg's client-side binding
    than in the database. Placeholders are ``%s``; the text has no other ``%``."""
    return _returning(connections[DEFAULT_DB_ALIAS], sql, list(params))


def _returning(db: BaseDatabaseWrapper, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run an INSERT … RETURNING (or any statement giving rows) and give its rows.

    On SQLite, straight on the driver's connection when nobody watches the queries (no
    ``CaptureQueriesContext``, debug cursor or execute wrapper): Django's cursor layers and
    its placeholder rewriting cost 30 of the 70 µs an outbox row took, inside the writer's
    slot. Errors are Django's all the same (``IntegrityError`` for a repeated key).

    On PostgreSQL, likewise, with the parameters bound by the server (``$1``…): psycopg's
    client-side binding re-parses every statement longer than its 4 kB cache, and a hundred
    rows of a wide table spent more time there than in the server's INSERT.
    """
    unwatched = not db.queries_logged and not db.execute_wrappers
    if db.vendor == "sqlite" and unwatched:
        db.ensure_connection()
        with db.wrap_database_errors:
            return db.connection.execute(_QMARK.get(sql) or _qmark(sql), params).fetchall()
    if db.vendor == "postgresql" and unwatched:
        import psycopg

        db.ensure_connection()
        with db.wrap_database_errors, psycopg.RawCursor(db.connection) as cursor:
            cursor.execute(_DOLLAR.get(sql) or _dollar(sql), params)
            return cursor.fetchall()
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_QMARK: dict[str, str] = {}
_DOLLAR: dict[str, str] = {}


def _dollar(sql: str) -> str:
    """The statement with PostgreSQL's numbered placeholders (ours has no literal ``%``)."""
    parts = sql.split("%s")
    _DOLLAR[sql] = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))
    return _DOLLAR[sql]


def _qmark(sql: str) -> str:
    """The statement with SQLite's own placeholders (ours has no literal ``%``)."""
    _QMARK[sql] = sql.replace("%s", "?")
    return _QMARK[sql]


def _insert_sql(
    db: BaseDatabaseWrapper, model: type[models.Model], fields: list[models.Field], count: int
) -> str:
    key = (model, db.vendor, count, len(fields))
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
