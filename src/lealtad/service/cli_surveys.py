"""``lealtad service surveys …``: the root-cause report (table or CSV) and sending what is due
now (the dispatcher's tick does it before every pass; this is for a shell or a cron)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(
    help="Satisfaction surveys: report, send due.", no_args_is_help=True, cls=RefusalsShown
)


@app.command("report")
def report_command(
    out: Annotated[Path | None, typer.Option("--out", help="Write the CSV here instead")] = None,
) -> None:
    """Answers by category, subtype and product, the unhappiest first."""
    django_ready()
    from rich.table import Table

    from lealtad.core.console import console
    from lealtad.service.selectors import surveys as reads

    rows = reads.root_causes()
    if out is not None:
        out.write_text(reads.root_causes_csv(rows), encoding="utf-8")
        typer.echo(f"{len(rows)} rows written to {out}")
        return
    table = Table("category", "subtype", "product", "answers", "unhappy", "CSAT", "NPS")
    for r in rows:
        table.add_row(
            r.category,
            r.subtype,
            r.product_sku,
            str(r.answered),
            str(r.unhappy),
            "" if r.csat_avg is None else f"{r.csat_avg:.2f}",
            "" if r.nps is None else f"{r.nps:.1f}",
        )
    console.print(table if rows else "no answers yet")


@app.command("send-due")
def send_due_command() -> None:
    """Mail the surveys due now and put the unanswered ones due a call on the dialer's list."""
    django_ready()
    from lealtad.service.services import surveys

    mailed = 0
    while sent := surveys.send_due_emails():
        mailed += sent
    listed = surveys.list_due_calls()
    typer.echo(f"{mailed} mailed, {listed} put on the call list")
