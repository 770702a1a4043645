"""``lealtad sales scoring …``: score the open leads (with a progress bar) and print the
monthly Brier report of past scores against what became of the leads."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(help="Lead scoring.", no_args_is_help=True, cls=RefusalsShown)


@app.command("run")
def run_command(
    lead: Annotated[list[int], typer.Option("--lead", help="Only this lead (repeatable)")] = [],  # noqa: B006
) -> None:
    """Learn from the closed leads and score the open ones, a batch at a time (1-99 %, with
    the top factors kept on each lead)."""
    django_ready()
    from lealtad.core.console import console, progress
    from lealtad.sales.services import scoring

    scoring.forget_model()
    with progress() as bar:
        task = bar.add_task("scoring", total=len(lead) or scoring.open_lead_count())
        done = scoring.score_open_leads(lead or None, progress=lambda n: bar.advance(task, n))
    if done.method == "model":
        console.print(
            f"model learned from {done.history} closed leads ({done.converted} converted)"
        )
    else:
        console.print(f"stage weights ({done.reason}: {done.history} closed leads)")
    typer.echo(json.dumps(done.as_dict()))


@app.command("report")
def report_command(
    months: Annotated[int, typer.Option(min=1, max=60, help="Months back")] = 12,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False,
) -> None:
    """The Brier score per month of closing (0 is perfect; compare with the base rate's)."""
    django_ready()
    from rich.table import Table

    from lealtad.core.console import console
    from lealtad.sales.services import scoring

    rows = scoring.monthly_report(months)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row.as_dict()))
        return
    table = Table("month", "leads", "Brier", "converted", "mean score")
    for row in rows:
        d = row.as_dict()
        table.add_row(
            d["month"],
            str(d["count"]),
            f"{d['brier']:.4f}",
            f"{d['base_rate']:.0%}",
            f"{d['mean_predicted']:.0%}",
        )
    if not rows:
        console.print("no closed lead with a score yet")
    else:
        console.print(table)
