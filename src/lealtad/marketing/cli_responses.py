"""``lealtad marketing bounces …`` and ``lealtad marketing results …``: read bounce and
complaint reports (DSN, ARF) from .eml files or an IMAP mailbox, and print a campaign's
results with its lift over control."""

from __future__ import annotations

import contextlib
import imaplib
import os
from pathlib import Path
from typing import Annotated

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

bounces_app = typer.Typer(
    help="Bounces and complaints: read reports from files or a mailbox.",
    no_args_is_help=True,
    cls=RefusalsShown,
)
results_app = typer.Typer(help="Campaign results.", no_args_is_help=True, cls=RefusalsShown)
PASSWORD_ENV = "LEALTAD_BOUNCE_IMAP_PASSWORD"


def _apply(mails: list[tuple[str, bytes]], source: str) -> None:
    """Parse every mail, record the reports in one batch, say what became of each."""
    from lealtad.core.console import console, progress
    from lealtad.marketing.services import bounces
    from lealtad.marketing_engine.mail_reports import NotAReport, parse

    rows = []
    skipped = 0
    with progress() as bar:
        task = bar.add_task("reading reports", total=len(mails))
        for name, raw in mails:
            try:
                rows += [bounces.from_report(r, source) for r in parse(raw)]
            except NotAReport as why:
                skipped += 1
                console.print(f"{name}: not a report ({why})")
            bar.advance(task)
    outcome = bounces.record_bounces(rows) if rows else bounces.BounceOutcome(0, 0, 0)
    typer.echo(
        f"{outcome.recorded} recorded, {outcome.repeated} already known, "
        f"{outcome.suppressed} suppressed, {skipped} not reports"
    )


@bounces_app.command("read")
def read_command(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, metavar="FILE.eml")],
) -> None:
    """Read delivery status notifications and feedback reports saved as .eml files."""
    django_ready()
    _apply([(str(f), f.read_bytes()) for f in files], "file")


@bounces_app.command("fetch")
def fetch_command(
    host: str = typer.Option(..., "--host"),
    user: str = typer.Option(..., "--user"),
    port: int = typer.Option(993, "--port", min=1, max=65535),
    ssl: bool = typer.Option(True, "--ssl/--no-ssl"),
    folder: str = typer.Option("INBOX", "--folder"),
    timeout: float = typer.Option(30.0, "--timeout", min=1),
) -> None:
    """Read every report in an IMAP folder (read-only: nothing is flagged or deleted; a
    report read before is recognised by its id). The password is taken from
    LEALTAD_BOUNCE_IMAP_PASSWORD, never from the command line."""
    django_ready()
    password = os.environ.get(PASSWORD_ENV, "")
    if not password:
        raise typer.BadParameter(f"set {PASSWORD_ENV}", param_hint="password")
    _apply(_fetch(host, port, ssl, user, password, folder, timeout), "imap")


def _fetch(
    host: str, port: int, ssl: bool, user: str, password: str, folder: str, timeout: float
) -> list[tuple[str, bytes]]:
    try:
        client: imaplib.IMAP4 = (
            imaplib.IMAP4_SSL(host, port, timeout=timeout)
            if ssl
            else imaplib.IMAP4(host, port, timeout=timeout)
        )
    except OSError as exc:
        raise typer.BadParameter(f"cannot reach {host}:{port} ({exc})", param_hint="host") from exc
    try:
        client.login(user, password)
        kind, _data = client.select('"' + folder.replace('"', '\\"') + '"', readonly=True)
        if kind != "OK":
            raise typer.BadParameter(f"there is no folder {folder}", param_hint="folder")
        _kind, found = client.uid("SEARCH", "ALL")
        mails = []
        for uid in (found[0] or b"").split():
            _kind, parts = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if raw is not None:
                mails.append((f"{folder}/{uid.decode()}", bytes(raw)))
        return mails
    except imaplib.IMAP4.error as exc:
        raise typer.BadParameter(f"the IMAP server said: {exc}", param_hint="user") from exc
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


@results_app.command("show")
def show_command(campaign_id: int = typer.Argument(..., metavar="ID")) -> None:
    """A campaign's results: sent, delivered, clicks, conversions, revenue, ROI and lift."""
    django_ready()
    from lealtad.core.console import console
    from lealtad.marketing.selectors import results

    found = results.results(campaign_id)
    if found is None:
        raise typer.BadParameter(f"there is no campaign {campaign_id}", param_hint="ID")
    for name, value in results.csv_rows(found):
        console.print(f"{name:<36} {'' if value is None else value}")
    if found.conversion.note:
        console.print(f"lift: {found.conversion.note}")
