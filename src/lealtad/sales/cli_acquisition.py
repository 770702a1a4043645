"""``lealtad sales spend …``: record what a lead source cost in a month, list the spend, and
print the cost per lead and per won customer per source."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready
from lealtad.sales.cli_actor import AsUser, actor_for

app = typer.Typer(
    help="Acquisition spend per lead source.", no_args_is_help=True, cls=RefusalsShown
)

Month = Annotated[str, typer.Argument(help="The month, YYYY-MM")]
Currency = Annotated[str, typer.Option(help="Three letters")]


def _month(text: str, name: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        typer.echo(f"{name}: a month is written YYYY-MM, not {text!r}", err=True)
        raise typer.Exit(2) from None


def _span(first: str, last: str) -> tuple[date, date]:
    from django.utils import timezone

    from lealtad.sales.selectors_acquisition import year_to

    end = _month(last, "--last") if last else timezone.localdate().replace(day=1)
    return (_month(first, "--first") if first else year_to(end)), end


@app.command("record")
def record_command(
    source: Annotated[str, typer.Argument(help="web_form, event, campaign, telemarketing …")],
    month: Month,
    amount: Annotated[str, typer.Argument(help="What it cost, e.g. 1250.00")],
    currency: Currency = "USD",
    note: Annotated[str, typer.Option(help="What the money bought")] = "",
    as_user: AsUser = "admin",
) -> None:
    """Record (or correct) one source's spend in a month."""
    django_ready()
    from lealtad.sales.services import acquisition

    spend = acquisition.Spend(source, _month(month, "MONTH"), amount, currency, note)
    row = acquisition.record_spend([spend], actor_for(as_user))[0]
    typer.echo(f"{row.source} {row.month:%Y-%m}: {row.amount} {row.currency}")


@app.command("list")
def list_command(
    first: Annotated[str, typer.Option(help="First month, YYYY-MM")] = "",
    last: Annotated[str, typer.Option(help="Last month, YYYY-MM (this one)")] = "",
    currency: Currency = "USD",
) -> None:
    """The spend recorded, newest month first (the last 12 months unless told)."""
    django_ready()
    from lealtad.core.console import console
    from lealtad.sales.selectors_acquisition import spend_rows

    rows = spend_rows(*_span(first, last), currency)
    if not rows:
        console.print("no spend recorded")
    for row in rows:
        console.print(f"{row.month:%Y-%m}\t{row.source}\t{row.amount} {row.currency}\t{row.note}")


@app.command("costs")
def costs_command(
    first: Annotated[str, typer.Option(help="First month, YYYY-MM")] = "",
    last: Annotated[str, typer.Option(help="Last month, YYYY-MM (this one)")] = "",
    currency: Currency = "USD",
) -> None:
    """Per source: spend, leads, won customers, cost per lead and per won customer."""
    django_ready()
    from rich.table import Table

    from lealtad.core.console import console
    from lealtad.sales.selectors_acquisition import acquisition_costs

    start, end = _span(first, last)
    table = Table(title=f"{start:%Y-%m} to {end:%Y-%m} ({currency.upper()})")
    for column in ("source", "spend", "leads", "won", "per lead", "per won"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for c in acquisition_costs(start, end, currency):
        table.add_row(
            c.source,
            str(c.spend),
            str(c.leads),
            str(c.won),
            str(c.cost_per_lead or "—"),
            str(c.cost_per_won or "—"),
        )
    console.print(table)
