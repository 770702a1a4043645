"""``lealtad service cases …``: list, open, show and resolve cases from a shell, and run the
SLA job once (the dispatcher runs it every minute)."""

from __future__ import annotations

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(help="Cases: list, open, show, resolve.", no_args_is_help=True, cls=RefusalsShown)


def _case_id(ref: str) -> int:
    from lealtad.service.selectors import cases as reads

    if ref.isdigit():
        return int(ref)
    found = reads.by_number(ref.upper())
    if found is None:
        raise typer.BadParameter(f"there is no case {ref}", param_hint="CASE")
    return found.pk


@app.command("list")
def list_command(
    status: str = typer.Option("", "--status"),
    category: str = typer.Option("", "--category"),
    group: str = typer.Option("", "--group"),
    breached: bool = typer.Option(False, "--breached"),
    soon: bool = typer.Option(False, "--soon", help="Breach within the hour"),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
) -> None:
    """Open cases (or those in --status), most urgent first."""
    django_ready()
    from rich.table import Table

    from lealtad.core.console import console
    from lealtad.service.selectors import cases as reads

    f = reads.QueueFilter(status, category, group, None, soon, breached, limit=limit)
    table = Table("number", "subject", "status", "group", "resolution due", "breached")
    rows = list(reads.queue(f))
    for c in rows:
        due = c.resolution_due.isoformat(timespec="minutes") if c.resolution_due else ""
        table.add_row(
            c.number, c.subject, c.status, str(c.group or ""), due, "yes" * c.sla_breached
        )
    console.print(table if rows else "no cases")


@app.command("open")
def open_command(
    subject: str = typer.Argument(...),
    category: str = typer.Option(..., "--category"),
    customer: int = typer.Option(None, "--customer", help="Customer id"),
    description: str = typer.Option("", "--description"),
    priority: int = typer.Option(2, "--priority", min=1, max=4),
    group: str = typer.Option("", "--group"),
) -> None:
    django_ready()
    from lealtad.core.audit import Actor
    from lealtad.core.console import console
    from lealtad.service.services import cases

    new = cases.NewCase(
        subject=subject,
        category=category,
        customer_id=customer,
        description=description,
        priority=priority,
        group=group,
        channel="cli",
    )
    case = cases.open_case(new, Actor.system("cli"))
    console.print(f"{case.number} opened; first response due {case.first_response_due}")


@app.command("import")
def import_command(
    path: str = typer.Argument(..., help="CSV file (see docs/service.md, Importing cases)"),
    source: str = typer.Option("import", "--source", help="Where the cases come from"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only check the file"),
) -> None:
    """Import cases from CSV: all rows or none; a repeated import opens nothing twice."""
    django_ready()
    from lealtad.core import csv_rows
    from lealtad.core.audit import Actor
    from lealtad.core.console import console, progress
    from lealtad.service.services import case_import

    with open(path, "rb") as stream:
        try:
            rows = csv_rows.read_csv(stream)
        except csv_rows.UnreadableFile as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    with progress() as bar:
        task = bar.add_task("importing cases", total=len(rows))
        report = case_import.import_cases(
            rows,
            source=source,
            actor=Actor.system("cli"),
            dry_run=dry_run,
            progress=lambda done: bar.advance(task, done),
        )
    for warning in report.warnings:
        console.print(f"[yellow]{warning}[/yellow]")
    for problem in report.problems:
        console.print(f"[red]{problem}[/red]")
    if not report.ok:
        raise typer.Exit(1)
    verb = "would open" if dry_run else "opened"
    console.print(
        f"{report.rows} rows: {verb} {report.opened or report.rows - report.already}, "
        f"{report.already} already imported, {report.triage} for triage"
    )


@app.command("show")
def show_command(case: str = typer.Argument(..., help="CASO-000123 or the id")) -> None:
    """The case, its SLA clock and its thread."""
    django_ready()
    from lealtad.core.console import console
    from lealtad.service.selectors import cases as reads

    found = reads.case(_case_id(case))
    if found is None:
        raise typer.BadParameter(f"there is no case {case}", param_hint="CASE")
    console.print(f"{found.number} {found.subject} [{found.status}] {found.group or ''}")
    for t in reads.clock_of(found)["targets"]:
        left = "" if t["remaining"] is None else f"{t['remaining'] / 60:.0f} business min left"
        state = "met" if t["met_at"] else "breached" if t["breached"] else "paused" * t["paused"]
        console.print(f"  {t['target']}: due {t['due'] or '-'} {left} {state}")
    for line in reads.thread(found.pk):
        where = "public" if line.public else "internal"
        console.print(f"{line.at:%Y-%m-%d %H:%M} {line.kind} ({where}) {line.author}: {line.body}")


@app.command("resolve")
def resolve_command(
    case: str = typer.Argument(...),
    outcome: str = typer.Option("resolved", "--outcome"),
    note: str = typer.Option("", "--note"),
) -> None:
    django_ready()
    from lealtad.core.audit import Actor
    from lealtad.core.console import console
    from lealtad.service.services import cases

    done = cases.resolve(_case_id(case), Actor.system("cli"), outcome, note)
    console.print(f"{done.number} resolved ({done.outcome})")


@app.command("sla-run")
def sla_run_command() -> None:
    """Run the SLA job once now: warnings, breaches, escalations."""
    django_ready()
    from lealtad.core.console import console
    from lealtad.service.services import sla_job

    report = sla_job.run()
    console.print(
        f"{report.open_cases} open cases; {len(report.warnings)} warnings, "
        f"{len(report.breaches)} breaches, {len(report.escalated)} escalated"
    )


@app.command("demo")
def demo_command() -> None:
    """Load demo groups, calendars (EC, CO), two SLA policies and cases (idempotent)."""
    django_ready()
    from lealtad.service import demo

    done = demo.load()
    typer.echo(f"{done['groups']} groups; {done['cases']} cases opened")
