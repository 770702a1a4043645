"""``lealtad connectors …``: list connectors, process their folders, replay what failed."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(help="Connectors to external systems.", no_args_is_help=True, cls=RefusalsShown)
console = Console(stderr=True)


def _connector(name: str):  # type: ignore[no-untyped-def]
    from lealtad.channels.connectors import registry

    found = registry.get(name)
    if found is None:
        known = ", ".join(sorted(registry.all_connectors())) or "none"
        console.print(f"[red]no connector named {name!r}[/red] (known: {known})")
        for problem in registry.problems():
            console.print(f"[yellow]{problem}[/yellow]")
        raise typer.Exit(2)
    return found


@app.command("list")
def list_() -> None:
    """Connectors found in LEALTAD_CONNECTORS_DIR, their streams and open rejects."""
    django_ready()
    from lealtad.channels.connectors import registry, subscribers
    from lealtad.channels.models import Reject

    subscribers.sync()
    table = Table("name", "system", "inbound", "outbound", "open rejects")
    for c in registry.all_connectors().values():
        table.add_row(
            c.name,
            c.system,
            ", ".join(f"{s.name} ({s.kind} → {s.event_type})" for s in c.inbound),
            ", ".join(f"{o.name} ({o.kind}: {', '.join(o.event_types)})" for o in c.outbound),
            str(Reject.objects.filter(connector=c.name, status=Reject.Status.OPEN).count()),
        )
    Console().print(table)
    for problem in registry.problems():
        console.print(f"[yellow]not loaded: {problem}[/yellow]")
    console.print(f"from {registry.connectors_dir()}")


@app.command()
def run(
    name: str,
    progress: Annotated[
        bool, typer.Option(help="Show a progress bar per file (on the terminal's stderr)")
    ] = True,
) -> None:
    """Process the files waiting in NAME's inbound folders, once."""
    django_ready()
    from lealtad.channels.connectors import inbound_files, subscribers

    subscribers.sync()
    connector = _connector(name)
    if progress:
        with _bars() as bars:
            reports = inbound_files.run(connector, on_progress=_follow(bars))
    else:
        reports = inbound_files.run(connector)
    for report in reports:
        typer.echo(report.summary())
    if not reports:
        typer.echo(f"{name}: no files waiting")
    if any(r.failed for r in reports):
        raise typer.Exit(1)


def _bars() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rejected]} rejected"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _follow(bars: Progress):  # type: ignore[no-untyped-def]
    """An ``on_progress`` callback that keeps one bar per file up to date."""
    tasks: dict[tuple[str, str], TaskID] = {}

    def update(report) -> None:  # type: ignore[no-untyped-def]
        key = (report.stream, report.file)
        done = report.resumed_at + report.records
        if key not in tasks:
            tasks[key] = bars.add_task(
                f"{report.stream} {report.file}", total=report.expected or None, rejected=0
            )
        bars.update(tasks[key], completed=done, rejected=report.rejected)

    return update


@app.command()
def watch(
    interval: Annotated[float, typer.Option(help="Seconds between passes")] = 5.0,
) -> None:
    """Process every connector's folders, again and again (a worker process)."""
    django_ready()
    from django.db import close_old_connections

    from lealtad.channels.connectors import inbound_files, registry, subscribers

    while True:
        close_old_connections()
        subscribers.sync()
        for connector in registry.all_connectors().values():
            for report in inbound_files.run(connector):
                typer.echo(report.summary())
        time.sleep(interval)


@app.command()
def replay(
    name: str,
    dead_letters: Annotated[
        bool, typer.Option(help="Also replay the dead deliveries of its subscriptions")
    ] = True,
) -> None:
    """Try NAME's open rejects again (after fixing its mapping) and replay its dead letters."""
    django_ready()
    from lealtad.channels.connectors import inbound_replay, subscribers
    from lealtad.channels.models import Subscription
    from lealtad.core import dispatcher
    from lealtad.core.models import Delivery

    subscribers.sync()
    report = inbound_replay.replay_rejects(_connector(name))
    typer.echo(
        f"{name}: {report.resolved} rejects applied, {report.still_rejected} still rejected, "
        f"{report.files_requeued} files back in their folder"
    )
    if dead_letters:
        names = [s.hub_name for s in Subscription.objects.filter(connector=name)]
        dead = Delivery.objects.filter(subscriber__in=names, status=Delivery.Status.DEAD)
        ids = list(dead.values_list("pk", flat=True))
        for delivery_id in ids:
            dispatcher.default_dispatcher().replay(delivery_id)
        typer.echo(f"{name}: {len(ids)} dead letters back in line")


@app.command()
def check(path: str) -> None:
    """Check a connector file without installing it."""
    from pathlib import Path

    from lealtad.channels.connectors.spec import load_connector

    # A file that cannot be used raises ConnectorError: the group shows every problem (exit 1).
    connector = load_connector(Path(path).read_text(encoding="utf-8"), path)
    typer.echo(
        f"{connector.name}: {len(connector.inbound)} inbound, {len(connector.outbound)} outbound"
    )
