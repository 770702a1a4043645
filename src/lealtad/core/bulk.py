"""Fast multi-row inserts for the ingestion hot path.

``bulk_create`` prepares every value of every row through its field, which costs more than
the insert itself at thousands of rows a second. Here each column's preparation is chosen once
per batch (JSON and datetimes need the backend's adaptation; text and numbers go as they are)
and the rows go to ``executemany`` in one statement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

Prepare = Callable[[Any], Any]


def _preparer(field: models.Field) -> Prepare | None:
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    return None


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order, by field name) into ``model``'s table."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    preparers = [_preparer(f) for f in fields]  # type: ignore[arg-type]
    if any(preparers):
        rows = [
            tuple(p(v) if p else v for p, v in zip(preparers, row, strict=True)) for row in rows
        ]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(str(f.column)) for f in fields),  # type: ignore[union-attr]
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
