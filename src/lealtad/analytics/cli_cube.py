"""``lealtad analytics facts-export`` and ``lealtad analytics cube``: the cube from a shell.

Registered on the analytics command group by :func:`register` (called from ``cli.py``)."""

from __future__ import annotations

import json
import sys

import typer

from lealtad.core.cli_setup import django_ready

TABLE_OPTION = typer.Option([], "--table", help="Only these tables (repeatable)")
FILTER_OPTION = typer.Option([], "--filter", help="store:S01,S02 (repeatable)")


def register(app: typer.Typer) -> None:
    app.command("facts-export")(facts_export)
    app.command("facts-compact")(facts_compact)
    app.command("cube")(cube_command)


def facts_export(
    table: list[str] = TABLE_OPTION,
) -> None:
    """Export the cube's facts afresh to Parquet (orders, lines, returns, contacts,
    customers) under LEALTAD_HOME/analytics/facts, with a progress bar."""
    django_ready()
    from lealtad.analytics.services import facts
    from lealtad.core.console import progress
    from lealtad.olap.schema import TABLES

    unknown = sorted(set(table) - set(TABLES))
    if unknown:
        typer.echo(f"unknown table(s): {', '.join(unknown)} (one of {', '.join(TABLES)})", err=True)
        raise typer.Exit(2)
    with progress() as bar:
        tasks: dict[str, object] = {}

        def echo(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=max(total, 1))
            bar.update(tasks[step], completed=done, total=max(total, 1))  # type: ignore[arg-type]

        written = facts.export_all(progress=echo, tables=tuple(table) or TABLES)
    for name, rows in written.items():
        typer.echo(f"{name}: {rows} rows")


def facts_compact() -> None:
    """Fold the incremental feed's delta files into the base snapshots."""
    django_ready()
    from lealtad.analytics.services import facts

    for name, rows in facts.compact_all().items():
        typer.echo(f"{name}: {rows} rows after compaction")


def cube_command(
    measures: str = typer.Argument(..., help="revenue,margin,orders,customers,units,…"),
    rows: str = typer.Option("", "--rows", help="channel,date:month"),
    columns: str = typer.Option("", "--columns", help="Column dimensions"),
    filter: list[str] = FILTER_OPTION,
    date_from: str = typer.Option("", "--from", help="YYYY-MM-DD"),
    date_to: str = typer.Option("", "--to", help="YYYY-MM-DD"),
    output: str = typer.Option("table", "--format", help="table, json or csv"),
    user: str = typer.Option("", "--as", help="Apply this user's data scope"),
) -> None:
    """Ask the cube a question (as a user, their data scope applies)."""
    django_ready()
    from django.contrib.auth import get_user_model

    from lealtad.analytics import cube_files
    from lealtad.analytics.selectors import cube
    from lealtad.analytics.selectors.scope import scope_for
    from lealtad.olap.query import EVERYTHING

    scope = EVERYTHING
    if user:
        found = get_user_model().objects.filter(username=user).first()
        if found is None:
            typer.echo(f"no user {user}", err=True)
            raise typer.Exit(2)
        scope = scope_for(found)
    result = cube.query(scope, cube.parse(measures, rows, columns, filter, date_from, date_to))
    if output == "json":
        typer.echo(json.dumps(result.to_json(), default=str, ensure_ascii=False, indent=2))
        return
    if output == "csv":
        sys.stdout.write(cube_files.to_csv(result))
        return
    _table(result)


def _table(result: object) -> None:
    from rich.console import Console
    from rich.table import Table

    header, _, rows = result.pivot()  # type: ignore[attr-defined]
    table = Table(*header)
    for row in rows:
        table.add_row(
            *("" if v is None else f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row)
        )
    Console().print(table)
