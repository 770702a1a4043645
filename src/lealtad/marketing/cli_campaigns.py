"""``lealtad marketing campaigns …`` and ``lealtad marketing suppressions …``: list campaigns,
send one with a progress bar (resuming a send that crashed), pause and resume it, and import
a suppression list from a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(
    help="Campaigns: list, send, pause, resume.", no_args_is_help=True, cls=RefusalsShown
)
suppressions_app = typer.Typer(
    help="Suppression lists: import.", no_args_is_help=True, cls=RefusalsShown
)


@app.command("list")
def list_command(status: str = typer.Option("", "--status")) -> None:
    """Campaigns, newest first, with their progress."""
    django_ready()
    from rich.table import Table

    from lealtad.core.console import console
    from lealtad.marketing.selectors import campaigns as read

    table = Table("id", "name", "status", "channels", "messages", "done %")
    rows = read.listing(status)
    for c in rows:
        state = read.progress(c.pk)
        table.add_row(
            str(c.pk),
            c.name,
            c.status,
            ", ".join(c.channels),
            str(state["total"]),
            str(state["percent"]),
        )
    console.print(table if rows else "no campaigns")


@app.command("send")
def send_command(
    campaign_id: int = typer.Argument(..., metavar="ID"),
    chunk: int = typer.Option(500, "--chunk", min=1, max=10_000),
    launch: bool = typer.Option(False, "--launch", help="Launch a draft first"),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Sender processes (about one per core)"
    ),
) -> None:
    """Send what is due of a running campaign with one or several sender processes; after a
    crash, run it again to resume."""
    django_ready()
    from lealtad.core.audit import Actor
    from lealtad.core.console import console, progress
    from lealtad.marketing.selectors import campaigns as read
    from lealtad.marketing.services import send_job, sending

    if launch:
        sending.steer(campaign_id, "launch", Actor.system("cli"))
    with progress() as bar:
        task = bar.add_task(f"campaign {campaign_id}", total=read.progress(campaign_id)["total"])

        def shown(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = send_job.run_many(campaign_id, workers, chunk=chunk, on_chunk=shown)
        shown(read.progress(campaign_id)["done"], read.progress(campaign_id)["total"])
    if report.recovered:
        console.print(f"recovered after a crash: {report.recovered}")
    console.print(f"{report.chunks} chunks: {dict(sorted(report.counts.items()))}")
    console.print("done" if report.finished else f"stopped: {report.stopped or 'messages wait'}")


@app.command("pause")
def pause_command(campaign_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Pause: the sender stops after the chunk it is handing over."""
    _move(campaign_id, "pause")


@app.command("resume")
def resume_command(campaign_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Resume a paused campaign (the background job or ``send`` carries on)."""
    _move(campaign_id, "resume")


def _move(campaign_id: int, action: str) -> None:
    django_ready()
    from lealtad.core.audit import Actor
    from lealtad.core.console import console
    from lealtad.marketing.services import sending

    campaign = sending.steer(campaign_id, action, Actor.system("cli"))
    console.print(f"campaign {campaign.pk}: {campaign.status}")


@suppressions_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Suppress every address of a CSV (header: channel,address[,reason][,customer_id])."""
    django_ready()
    from lealtad.core.console import console
    from lealtad.marketing.services import suppressions

    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise typer.BadParameter("the file is not UTF-8 text", param_hint="FILE") from None
    rows = suppressions.parse_csv(text, source=f"import:{file.name}")
    added = suppressions.suppress(rows, indexed=True)
    console.print(f"{added} new suppressions ({len(rows) - added} already there)")
