"""``lealtad sales telesales …``: call lists for the contact center's dialer from a
marketing segment or from open leads, and the lists with their outcomes."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(help="Telesales call lists.", no_args_is_help=True, cls=RefusalsShown)

Name = Annotated[str, typer.Option("--name", help="The list's name (the dialer's too)")]
Queue = Annotated[str, typer.Option("--queue", help="The contact center queue that calls")]
Mode = Annotated[str, typer.Option(help="preview, progressive or predictive")]
Purpose = Annotated[str, typer.Option(help="The consent purpose calls are checked against")]
Limit = Annotated[int | None, typer.Option(help="At most this many customers")]
AsUser = Annotated[str, typer.Option("--as", help="Acting user")]


def _actor(username: str):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    from lealtad.core.audit import Actor

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        typer.echo(f"--as: no user {username!r}", err=True)
        raise typer.Exit(2)
    return Actor.for_user(user, channel="cli")


@app.command("list-from-segment")
def from_segment_command(
    segment_id: int,
    name: Name,
    queue: Queue,
    mode: Mode = "preview",
    purpose: Purpose = "marketing",
    limit: Limit = None,
    as_user: AsUser = "admin",
) -> None:
    """Hand the segment's members who may be called to the dialer as a list."""
    django_ready()
    from lealtad.sales.services import telesales

    setup = telesales.ListSettings(name, queue, mode, purpose, limit)
    report = telesales.list_from_segment(segment_id, setup, _actor(as_user))
    typer.echo(json.dumps(report.as_dict()))


@app.command("list-from-leads")
def from_leads_command(
    name: Name,
    queue: Queue,
    min_score: Annotated[int | None, typer.Option(help="Only leads scored this or more")] = None,
    mode: Mode = "preview",
    purpose: Purpose = "marketing",
    limit: Limit = None,
    as_user: AsUser = "admin",
) -> None:
    """Hand the open leads (best scores first) who may be called to the dialer as a list."""
    django_ready()
    from lealtad.sales.services import telesales

    setup = telesales.ListSettings(name, queue, mode, purpose, limit)
    report = telesales.list_from_leads(setup, _actor(as_user), min_score=min_score)
    typer.echo(json.dumps(report.as_dict()))


@app.command("lists")
def lists_command() -> None:
    """The telesales lists, newest first, with who was left out and the outcomes so far."""
    django_ready()
    from lealtad.sales.services import telesales

    for found in telesales.lists():
        row = {
            "name": found.name,
            "source": found.source,
            "queue": found.queue,
            "skipped": found.skipped,
            "outcomes": telesales.outcome_counts(found),
        }
        typer.echo(json.dumps(row))
