"""``lealtad sales …``: leads and pipelines from a shell: import a file of leads, list,
qualify, disqualify and convert them; list pipelines (and make the standard one); move an
opportunity."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready
from lealtad.sales.cli_acquisition import app as spend_app
from lealtad.sales.cli_activities import app as activities_app
from lealtad.sales.cli_commissions import app as commissions_app
from lealtad.sales.cli_opportunity_lines import app as lines_app
from lealtad.sales.cli_quotes import app as quotes_app
from lealtad.sales.cli_scoring import app as scoring_app
from lealtad.sales.cli_telesales import app as telesales_app

app = typer.Typer(help="Sales.", no_args_is_help=True, cls=RefusalsShown)
leads_app = typer.Typer(help="Leads.", no_args_is_help=True, cls=RefusalsShown)
app.add_typer(leads_app, name="leads")
app.add_typer(commissions_app, name="commissions")
app.add_typer(quotes_app, name="quotes")
app.add_typer(scoring_app, name="scoring")
app.add_typer(telesales_app, name="telesales")
app.add_typer(spend_app, name="spend")
app.add_typer(lines_app, name="lines")
app.add_typer(activities_app, name="activities")

AsUser = Annotated[str, typer.Option("--as", help="Acting user")]


def _actor(username: str):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    from lealtad.core.audit import Actor

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        typer.echo(f"--as: no user {username!r}", err=True)
        raise typer.Exit(2)
    return Actor.for_user(user, channel="cli")


@leads_app.command("import")
def import_command(
    file: Path,
    team: Annotated[str, typer.Option(help="The sales team's code (else its rules choose)")] = "",
    dry_run: Annotated[bool, typer.Option(help="Only check the file")] = False,
    as_user: AsUser = "admin",
) -> None:
    """Import leads from CSV; any bad row imports nothing and every bad row is listed. Rows
    imported before are not imported twice."""
    django_ready()
    from lealtad.core import csv_rows
    from lealtad.core.console import console, progress
    from lealtad.sales.services import lead_import

    actor = _actor(as_user)
    try:
        rows = csv_rows.read_csv(file.read_bytes())
    except csv_rows.UnreadableFile as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(1) from exc
    with progress() as bar:
        task = bar.add_task("importing", total=len(rows))
        report = lead_import.import_leads(
            rows, actor, team=team, dry_run=dry_run, progress=lambda n: bar.advance(task, n)
        )
    for problem in report.problems:
        typer.echo(str(problem), err=True)
    console.print(report.summary())
    if report.problems:
        raise typer.Exit(1)


@leads_app.command("list")
def list_command(
    status: Annotated[str, typer.Option(help="new, working, qualified, converted …")] = "",
    limit: int = 50,
) -> None:
    """The latest leads: id, status, name, e-mail, owner, linked customer."""
    django_ready()
    from lealtad.core.console import console
    from lealtad.sales import selectors

    for lead in selectors.leads(status=status, limit=limit):
        owner = lead.owner.get_username() if lead.owner else "-"
        customer = f"#{lead.customer_id}" if lead.customer_id else "-"
        console.print(
            f"{lead.pk}\t{lead.status}\t{lead}\t{lead.email or lead.phone}\t{owner}\t{customer}"
        )


@leads_app.command("qualify")
def qualify_command(lead_id: int, as_user: AsUser = "admin") -> None:
    """Mark a lead qualified."""
    django_ready()
    from lealtad.sales.services import conversion

    conversion.qualify([lead_id], _actor(as_user))
    typer.echo(f"lead {lead_id} qualified")


@leads_app.command("disqualify")
def disqualify_command(
    lead_id: int,
    reason: Annotated[str, typer.Option(help="Why (1 to 200 characters)")],
    as_user: AsUser = "admin",
) -> None:
    """Mark a lead disqualified, with the reason."""
    django_ready()
    from lealtad.sales.services import conversion

    conversion.disqualify([lead_id], reason, _actor(as_user))
    typer.echo(f"lead {lead_id} disqualified")


@leads_app.command("convert")
def convert_command(
    lead_id: int,
    pipeline: Annotated[str, typer.Option(help="The pipeline's code (else the default)")] = "",
    name: Annotated[str, typer.Option(help="The opportunity's name")] = "",
    amount: Annotated[str, typer.Option(help="Expected amount, e.g. 1200.50")] = "0",
    close_date: Annotated[str, typer.Option(help="Expected close, YYYY-MM-DD")] = "",
    as_user: AsUser = "admin",
) -> None:
    """Convert a lead into its customer and an opportunity, in one step (once only)."""
    django_ready()
    from lealtad.sales.services import conversion

    try:
        value = Decimal(amount)
        closing = date.fromisoformat(close_date) if close_date else None
    except (InvalidOperation, ValueError) as exc:
        typer.echo(f"--amount or --close-date: {exc}", err=True)
        raise typer.Exit(2) from exc
    wanted = conversion.Conversion(lead_id, pipeline, name, value, closing)
    made = conversion.convert([wanted], _actor(as_user))[0]
    typer.echo(
        f"lead {lead_id} converted: customer #{made.customer_id}, opportunity {made.number} "
        f"in {made.pipeline.code} / {made.stage.name}"
    )


@app.command("pipelines")
def pipelines_command(
    standard: Annotated[
        bool, typer.Option(help="Make the standard pipeline (ventas) if it is missing")
    ] = False,
) -> None:
    """The pipelines and their stages (probability, kind); the default one is starred."""
    django_ready()
    from lealtad.core.console import console
    from lealtad.sales import selectors
    from lealtad.sales.services import pipelines

    if standard:
        pipelines.standard_pipeline()
    found = selectors.pipelines()
    if not found:
        console.print("no pipelines (make the standard one with --standard)")
    for pipeline in found:
        star = " *" if pipeline.is_default else ""
        console.print(f"{pipeline.code}{star}\t{pipeline.name}\t{pipeline.currency}")
        for stage in pipeline.stages.all():
            console.print(f"  {stage.order}. {stage.name}\t{stage.probability}%\t{stage.kind}")


@app.command("move")
def move_command(
    number: Annotated[str, typer.Argument(help="The opportunity's number (OP-000123)")],
    stage: Annotated[str, typer.Argument(help="The stage's name in its pipeline")],
    reason: Annotated[str, typer.Option(help="Why it was won or lost")] = "",
    as_user: AsUser = "admin",
) -> None:
    """Move an opportunity to another stage (a won or lost one stays where it is)."""
    django_ready()
    from lealtad.sales import selectors
    from lealtad.sales.services import opportunities

    found = selectors.opportunity_by_number(number)
    target = selectors.stage_named(found.pipeline, stage)
    opportunities.move([opportunities.Move(found.pk, target.pk, reason)], _actor(as_user))
    typer.echo(f"{found.number} now in {target.name}")
