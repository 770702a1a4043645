"""Statements that take a batch's columns (ten thousand keys, ids, counts) as PostgreSQL arrays.

Django binds parameters on the client (psycopg's ``ClientCursor``): every array is written out
as SQL text, element by element in Python — 40 ms for 10,000 keys or datetimes, more than the
statement takes to run, and a stock file's batch sends eight such columns. Here the
parameters are bound by the server and sent in binary (``%b`` placeholders): 2 to 5 ms.

Same connection and transaction as the ORM's; errors come out as Django's; statements are
not prepared (a connection pooler may hand the next one to another session). They do not go
through Django's cursor wrappers, so ``connection.queries`` does not list them. PostgreSQL only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import connection


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``sql``, whose ``%b`` placeholders take ``params`` (lists become arrays)."""
    return _run(sql, params, rows=True)


def execute(sql: str, params: Sequence[Any]) -> None:
    _run(sql, params, rows=False)


def _run(sql: str, params: Sequence[Any], *, rows: bool) -> list[tuple[Any, ...]]:
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=False)
        return cursor.fetchall() if rows else []
