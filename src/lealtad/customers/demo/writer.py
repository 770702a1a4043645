"""Demo rows into the database fast: raw ``executemany`` INSERTs on SQLite, ``COPY`` on
PostgreSQL, one transaction per chunk (the ORM per row would take hours for a million)."""

from __future__ import annotations

from typing import Any

from lealtad.customers.demo.tables import TABLE_COLUMNS, TABLE_ORDER


class BulkWriter:
    """Raw bulk INSERTs (executemany) on SQLite; COPY on PostgreSQL."""

    def __init__(self) -> None:
        from django.apps import apps
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.sql: dict[str, str] = {}
        self.copy_sql: dict[str, str] = {}
        quote = connection.ops.quote_name
        for name, fields in TABLE_COLUMNS.items():
            model = apps.get_model("customers", name)
            table = quote(model._meta.db_table)
            columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
            marks = ", ".join(["%s" if self.vendor == "postgresql" else "?"] * len(fields))
            conflict = " ON CONFLICT DO NOTHING" if name == "Identifier" else ""
            self.sql[name] = f"INSERT INTO {table} ({columns}) VALUES ({marks}){conflict}"
            self.copy_sql[name] = f"COPY {table} ({columns}) FROM STDIN"
            if name == "Identifier":
                self.identifier_table, self.identifier_columns = table, columns

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

        with transaction.atomic():
            self.connection.ensure_connection()
            raw = self.connection.connection
            if self.vendor == "postgresql":
                self._copy(raw, rows)
                return
            cursor = raw.cursor()
            try:
                for name in TABLE_ORDER:
                    if rows[name]:
                        cursor.executemany(self.sql[name], rows[name])
            finally:
                cursor.close()

    def _copy(self, raw: Any, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        with raw.cursor() as cursor:
            for name in TABLE_ORDER:
                if not rows[name]:
                    continue
                if name == "Identifier":
                    # COPY cannot skip a taken key: stage, then INSERT … ON CONFLICT DO NOTHING.
                    cursor.execute(
                        "CREATE TEMP TABLE IF NOT EXISTS lealtad_demo_identifier AS "
                        f"SELECT {self.identifier_columns} FROM {self.identifier_table} "
                        "WITH NO DATA"
                    )
                    cursor.execute("TRUNCATE lealtad_demo_identifier")
                    with cursor.copy(
                        f"COPY lealtad_demo_identifier ({self.identifier_columns}) FROM STDIN"
                    ) as copy:
                        for row in rows[name]:
                            copy.write_row(row)
                    cursor.execute(
                        f"INSERT INTO {self.identifier_table} ({self.identifier_columns}) "
                        f"SELECT {self.identifier_columns} FROM lealtad_demo_identifier "
                        "ON CONFLICT DO NOTHING"
                    )
                    continue
                with cursor.copy(self.copy_sql[name]) as copy:
                    for row in rows[name]:
                        copy.write_row(row)
