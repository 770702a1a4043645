"""Demo rows into the database fast: raw ``executemany`` INSERTs on SQLite, ``COPY`` on
PostgreSQL, one transaction per chunk (the ORM per row would take hours for a million)."""

from __future__ import annotations

from typing import Any

from lealtad.customers.demo.tables import TABLE_COLUMNS, TABLE_ORDER


class BulkWriter:
    """The demo chunks through ``core.bulk_load.load_rows`` (COPY on PostgreSQL, raw
    ``executemany`` on SQLite), with the database tuned for a load meanwhile."""

    def __init__(self) -> None:
        from django.apps import apps
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.tables: dict[str, tuple[str, list[str]]] = {}
        for name, fields in TABLE_COLUMNS.items():
            meta = apps.get_model("customers", name)._meta
            self.tables[name] = (meta.db_table, [meta.get_field(f).column for f in fields])

    def begin_load(self, customers: int) -> None:
        with self.connection.cursor() as cursor:
            if self.vendor == "sqlite":
                # Not durable while loading (a crash loses the demo data, nothing else): the
                # usual FULL is restored after. A bigger page cache for the random-key indexes.
                cursor.execute("PRAGMA synchronous=OFF")
                cache_kib = 1_048_576 if customers >= 200_000 else 262_144
                cursor.execute(f"PRAGMA cache_size=-{cache_kib}")
                cursor.execute("PRAGMA temp_store=MEMORY")
            elif self.vendor == "postgresql":
                cursor.execute("SET synchronous_commit = off")

    def end_load(self) -> None:
        with self.connection.cursor() as cursor:
            if self.vendor == "sqlite":
                cursor.execute("PRAGMA synchronous=FULL")
                cursor.execute("PRAGMA cache_size=-65536")
                cursor.execute("PRAGMA temp_store=DEFAULT")
                cursor.execute("PRAGMA optimize")
            elif self.vendor == "postgresql":
                cursor.execute("RESET synchronous_commit")
                from django.apps import apps
                from django.core.management.color import no_style

                models = [apps.get_model("customers", n) for n in ("Customer", "Household")]
                for statement in self.connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)
                cursor.execute("ANALYZE")

    def write(self, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        from django.db import transaction

        from lealtad.core.bulk_load import load_rows

        with transaction.atomic():
            for name in TABLE_ORDER:
                if rows[name]:
                    table, columns = self.tables[name]
                    # A generated cédula or e-mail may repeat one already stored: skipped.
                    load_rows(table, columns, rows[name], skip_taken=name == "Identifier")
