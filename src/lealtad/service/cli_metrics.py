"""``lealtad service metrics``: the service desk's figures of a period as tables, or one
report as CSV (``--csv fcr``), and ``lealtad service metrics charge`` to charge the
handling of cases resolved before handling was charged."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(
    help="Service desk metrics and reports (CSV).",
    invoke_without_command=True,
    cls=RefusalsShown,
)
REPORT_NAMES = "fcr, backlog, daily, sla, resolution, cost-per-case, cost-per-customer, "
REPORT_NAMES += "survey-root-causes"


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


def _print(name: str, header: list[str], rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from lealtad.core.console import console

    table = Table(*header, title=name)
    for row in rows:
        table.add_row(*(_text(row.get(column)) for column in header))
    console.print(table)


@app.callback()
def metrics_command(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD")] = "",
    until: Annotated[str, typer.Option("--to", help="Day after the last, YYYY-MM-DD")] = "",
    group: Annotated[str, typer.Option("--group", help="Support group name")] = "",
    channel: Annotated[str, typer.Option("--channel")] = "",
    category: Annotated[str, typer.Option("--category")] = "",
    csv: Annotated[str, typer.Option("--csv", help=f"One report as CSV: {REPORT_NAMES}")] = "",
    out: Annotated[Path | None, typer.Option("--out", help="Write the CSV here")] = None,
) -> None:
    """The figures of a period (the last 30 days unless told): first-contact resolution, SLA
    compliance, time to resolve, cost of support and the backlog."""
    if ctx.invoked_subcommand is not None:
        return
    django_ready()
    from lealtad.service.selectors import metrics, reports

    scope = metrics.scope_of(since, until, group, channel, category)
    if csv:
        text = reports.as_csv(csv, scope)
        if out is None:
            typer.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
            typer.echo(f"{csv} written to {out}")
        return
    for name in ("fcr", "sla", "resolution", "backlog"):
        header, rows = reports.table(name, scope)
        _print(name, header, rows)
    _print(
        "cost",
        ["group", "cases", "handling", "field", "total", "per_case"],
        metrics.cost_summary(scope),
    )


@app.command("charge")
def charge_command() -> None:
    """Charge the handling cost of resolved cases not charged yet (cases resolved before
    charging was in place, imported ones). Running it again charges nothing more."""
    django_ready()
    from lealtad.service.services import costing

    typer.echo(f"{costing.charge_resolved()} charged")
