"""Transactional tests end with Django's ``flush``, which on PostgreSQL is one ``TRUNCATE`` of
every table: 181 new files, 0.4-0.6 s a test, and 450 such tests (the schema test alone is
324). Here only the tables the test filled are emptied, with ``DELETE`` (Django's foreign keys
are deferred to the commit, so any order holds), which is what the flush leaves behind too.
The content types and permissions the migrations made are kept: flush's post_migrate would
only write them again. SQLite's flush is already a ``DELETE`` per table (10 ms) and is left as
Django does it, as is a flush that also resets sequences.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

KEPT = {"django_content_type", "auth_permission", "django_migrations"}

_django_sql_flush = flush.sql_flush


def _filled(connection: Any, tables: list[str]) -> list[str]:
    quote = connection.ops.quote_name
    probes = " UNION ALL ".join(
        f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(table)})" for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(probes, tables)
        return [row[0] for row in cursor.fetchall()]


def _sql_flush(style: Any, connection: Any, reset_sequences: bool = True, **options: Any) -> Any:
    if connection.vendor != "postgresql" or reset_sequences:
        return _django_sql_flush(style, connection, reset_sequences=reset_sequences, **options)
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    filled = _filled(connection, [t for t in tables if t not in KEPT])
    quote = connection.ops.quote_name
    return ["SET CONSTRAINTS ALL DEFERRED", *(f"DELETE FROM {quote(t)}" for t in filled)]


def install() -> None:
    flush.sql_flush = _sql_flush
