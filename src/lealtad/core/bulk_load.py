"""Loads of a million rows at the rate the database takes them: demo data, and staged rows
a batch job then merges with one set-based statement. Beside :mod:`lealtad.core.db`, whose
writes are a batch's few hundred rows through the statement alone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper


def stage_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> str:
    """Load plain rows into a temporary table shaped like ``model``'s ``columns`` and give its
    quoted name, for a batch job that then merges them with one set-based statement (a
    million standings, an upsert and a join against the old values, not a million
    statements). SQLite takes the rows through ``executemany``, PostgreSQL through COPY.
    Values go to the driver as they are (text, numbers, ISO dates, JSON text, None).
    Drop it with :func:`drop_stage` in the same transaction."""
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    name = quote(f"stage_{model._meta.db_table}")
    listed = ", ".join(quote(c) for c in columns)
    with db.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {name} AS SELECT {listed} "
            f"FROM {quote(model._meta.db_table)} WHERE 1 = 0"
        )
        load_rows(name, list(columns), rows)
        if db.vendor == "postgresql":
            cursor.execute(f"ANALYZE {name}")  # a temporary table has no statistics: plans
            # joining it to a million rows would guess its size wrong
    return name


def load_rows(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], skip_taken: bool = False
) -> None:
    """Plain rows into ``table``'s ``columns`` (names as they are, or quoted) at the rate the
    database takes them, for loads of a million rows (demo data, staged standings): COPY on
    PostgreSQL, the driver's own ``executemany`` on SQLite (Django's wrapper per row would
    double the time). ``skip_taken`` leaves out the rows whose unique key is already stored;
    COPY cannot, so on PostgreSQL they pass through a temporary copy of the table first.
    Values go to the driver as they are; the caller's transaction holds the rows."""
    db = connections[DEFAULT_DB_ALIAS]
    db.ensure_connection()
    with db.wrap_database_errors:  # the driver's errors as Django's (IntegrityError…)
        _load_rows(db, table, columns, rows, skip_taken)


def _load_rows(
    db: BaseDatabaseWrapper,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    skip_taken: bool,
) -> None:
    quote = db.ops.quote_name
    target, listed = quote(table), ", ".join(quote(c) for c in columns)
    if db.vendor != "postgresql":
        marks = ", ".join(["?"] * len(columns))
        conflict = " ON CONFLICT DO NOTHING" if skip_taken else ""
        raw = db.connection.cursor()
        try:
            raw.executemany(f"INSERT INTO {target} ({listed}) VALUES ({marks}){conflict}", rows)
        finally:
            raw.close()
        return
    with db.connection.cursor() as cursor:
        bare = table.strip('"')
        into = quote(f"load_{bare}") if skip_taken else target
        if skip_taken:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {into} AS "
                f"SELECT {listed} FROM {target} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {into}")
        with cursor.copy(f"COPY {into} ({listed}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if skip_taken:
            cursor.execute(
                f"INSERT INTO {target} ({listed}) SELECT {listed} FROM {into} "
                "ON CONFLICT DO NOTHING"
            )


def drop_stage(name: str) -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
