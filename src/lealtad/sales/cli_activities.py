"""``lealtad sales activities …``: log calls, meetings, tasks and e-mails from a shell (one
from options, or many from a CSV or JSON file, through the activities service: on the
customer's timeline and announced like any other), and list them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready
from lealtad.sales.cli_actor import AsUser, actor_for

app = typer.Typer(help="Activities.", no_args_is_help=True, cls=RefusalsShown)

Id = Annotated[int | None, typer.Option(min=1)]


def _file_rows(file: Path) -> tuple[list[dict[str, Any]], int]:
    """The file's rows and the line the first row is on (a JSON list: 0, items counted)."""
    from lealtad.core import csv_rows

    try:
        raw = file.read_bytes()
    except OSError as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    if file.suffix.lower() == ".json":
        try:
            rows = json.loads(raw.decode("utf-8"))
        except ValueError as exc:
            typer.echo(f"{file}: not JSON ({exc})", err=True)
            raise typer.Exit(1) from exc
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            typer.echo(f"{file}: a JSON list of activities", err=True)
            raise typer.Exit(1)
        return rows, 0
    try:
        return list(csv_rows.read_csv(raw)), 2  # the header is line 1
    except csv_rows.UnreadableFile as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(1) from exc


def _where(row: int, first_line: int) -> str:
    return f"line {row + first_line}" if first_line else f"rows[{row}]"


def _log(rows: list[dict[str, Any]], first_line: int, as_user: str, owner: str) -> None:
    from lealtad.core.errors import DomainError
    from lealtad.sales.activity_rows import read_rows
    from lealtad.sales.services.activities import log_activities

    actor = actor_for(as_user)
    owner_id = actor_for(owner, "--owner").user_id if owner else None
    batch, problems = read_rows(rows, owner_id)
    for p in problems:
        typer.echo(f"{_where(p.row, first_line)}, {p.column}: {p.message}", err=True)
    if problems:
        raise typer.Exit(1)
    try:
        made = log_activities(batch, actor)
    except DomainError as refused:
        if not first_line:
            raise
        row, column = "0", refused.field
        if refused.field.startswith("rows["):
            row, _dot, column = refused.field[5:].partition("].")
        typer.echo(f"line {int(row) + first_line}, {column}: {refused.message}", err=True)
        raise typer.Exit(1) from refused
    for activity in made:
        typer.echo(f"{activity.pk}\t{activity.kind}\t{activity.subject}")


@app.command("log")
def log_command(
    kind: Annotated[str, typer.Option(help="call, meeting, task or email")] = "",
    subject: Annotated[str, typer.Option(help="What it is about")] = "",
    notes: str = "",
    lead: Id = None,
    opportunity: Id = None,
    customer: Id = None,
    starts_at: Annotated[str, typer.Option(help="ISO 8601; local time without an offset")] = "",
    ends_at: str = "",
    due: str = "",
    done: Annotated[bool, typer.Option(help="It happened already")] = False,
    time_category: Annotated[str, typer.Option(help="sales_call, customer_visit …")] = "",
    key: Annotated[str, typer.Option(help="Sent again with it, nothing is logged twice")] = "",
    file: Annotated[
        Path | None, typer.Option(help="A CSV (with a header) or JSON list of activities")
    ] = None,
    owner: Annotated[str, typer.Option(help="Whose activities (else the acting user)")] = "",
    as_user: AsUser = "admin",
) -> None:
    """Log one activity from the options, or every activity of a file; one bad row logs
    nothing and is named by its line."""
    django_ready()
    if file is not None:
        rows, first_line = _file_rows(file)
        _log(rows, first_line, as_user, owner)
        return
    row = {
        "kind": kind,
        "subject": subject,
        "notes": notes,
        "lead_id": lead,
        "opportunity_id": opportunity,
        "customer_id": customer,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "due": due,
        "done": "yes" if done else "no",
        "time_category": time_category,
        "key": key,
    }
    _log([row], 0, as_user, owner)


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo(f"{name}: a day is written YYYY-MM-DD, not {text!r}", err=True)
        raise typer.Exit(2) from None


@app.command("list")
def list_command(
    customer: Id = None,
    owner: Annotated[str, typer.Option(help="A seller's username")] = "",
    lead: Id = None,
    opportunity: Id = None,
    first_day: Annotated[str, typer.Option("--from", help="First local day, YYYY-MM-DD")] = "",
    last_day: Annotated[str, typer.Option("--to", help="Last local day, YYYY-MM-DD")] = "",
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """Activities, newest first: id, kind, when (local), done or not, owner, subject."""
    django_ready()
    from django.utils import timezone

    from lealtad.core.console import console
    from lealtad.sales.selectors_activities import activities

    rows = activities(
        customer_id=customer,
        owner_id=actor_for(owner, "--owner").user_id if owner else None,
        lead_id=lead,
        opportunity_id=opportunity,
        first_day=_day(first_day, "--from"),
        last_day=_day(last_day, "--to"),
        limit=limit,
    )
    if not rows:
        console.print("no activities")
    for a in rows:
        moment = a.starts_at or a.due or a.done_at or a.created_at
        when = timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")
        state = "done" if a.done_at else "open"
        who = a.owner.get_username() if a.owner else "-"
        console.print(f"{a.pk}\t{a.kind}\t{when}\t{state}\t{who}\t{a.subject}", markup=False)
