"""``lealtad service mail …``: the mailboxes, the SMTP/LMTP listener, IMAP polling and the
spool from a shell."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import typer

from lealtad.core.cli_errors import RefusalsShown
from lealtad.core.cli_setup import django_ready

app = typer.Typer(
    help="Service desk mail: mailboxes, listener, polling.", no_args_is_help=True, cls=RefusalsShown
)


@app.command("mailbox")
def mailbox_command(
    address: str = typer.Argument(..., help="The address customers write to"),
    group: str = typer.Option("", "--group", help="Support group new cases go to"),
    category: str = typer.Option("other", "--category", help="Category of new cases"),
    allow_new_customers: bool = typer.Option(
        False, "--allow-new-customers", help="An unknown sender becomes a customer"
    ),
    imap_host: str = typer.Option("", "--imap-host", help="Poll this IMAP server"),
    imap_port: int = typer.Option(993, "--imap-port"),
    imap_plain: bool = typer.Option(False, "--imap-plain", help="No TLS (a local server)"),
    imap_user: str = typer.Option("", "--imap-user"),
    folder: str = typer.Option("INBOX", "--folder"),
    poll_seconds: int = typer.Option(60, "--poll-seconds"),
) -> None:
    """Create a mailbox or change it; the IMAP password is read from LEALTAD_IMAP_PASSWORD
    or asked for (never a command-line argument, which ``ps`` shows)."""
    django_ready()
    from lealtad.service.services import mailbox

    password = os.environ.get("LEALTAD_IMAP_PASSWORD", "")
    if imap_host and not password:
        password = typer.prompt(
            "IMAP password (empty keeps the stored one)", default="", hide_input=True
        )
    box = mailbox.save_mailbox(
        mailbox.MailboxSettings(
            address=address,
            group=group,
            category=category,
            allow_new_customers=allow_new_customers,
            imap_host=imap_host,
            imap_port=imap_port,
            imap_ssl=not imap_plain,
            imap_user=imap_user,
            imap_password=password,
            folder=folder,
            poll_seconds=poll_seconds,
        )
    )
    typer.echo(f"mailbox {box.address} (#{box.pk}) saved")


@app.command("list")
def list_command() -> None:
    """The mailboxes, how far each was read, and the spool's backlog."""
    django_ready()
    from lealtad.service.models import Mailbox
    from lealtad.service.services import inbound

    for box in Mailbox.objects.all():
        where = (
            f"imap {box.imap_user}@{box.imap_host}:{box.imap_port}/{box.folder}"
            if box.imap_host
            else "listener only"
        )
        typer.echo(f"{box.address}\t{box.category}\t{where}\tlast uid {box.last_uid}")
    typer.echo(f"spooled, not yet applied: {len(inbound.pending())}")


@app.command("poll")
def poll_command(
    address: str = typer.Argument("", help="One mailbox (default: every mailbox due)"),
) -> None:
    """Fetch new mail by IMAP now and apply it."""
    django_ready()
    from lealtad.service.services import inbound, mailbox

    if address:
        fetched = mailbox.poll(mailbox.mailbox_for(address))
        inbound.drain()
    else:
        fetched = mailbox.poll_due_mailboxes()
    typer.echo(f"fetched {fetched} mails")


@app.command("apply")
def apply_command(
    follow: bool = typer.Option(False, "--follow", help="Keep applying as mail is spooled"),
) -> None:
    """Apply the spooled mail (what a killed listener left, or a separate worker)."""
    django_ready()
    from lealtad.service.services import inbound

    while True:
        done = inbound.drain()
        if done:
            typer.echo(", ".join(f"{k} {v}" for k, v in sorted(done.items())))
        if not follow:
            return
        time.sleep(0.2)


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(2525, "--port"),
    lmtp: bool = typer.Option(False, "--lmtp", help="Speak LMTP (behind Postfix) instead of SMTP"),
) -> None:
    """Listen for mail (SMTP or LMTP), spool it before answering, apply it as it comes."""
    django_ready()
    from lealtad.service import mail_server

    applier = mail_server.Applier()
    applier.start()
    server = mail_server.listener(host, port, lmtp=lmtp, applier=applier)
    server.start()
    typer.echo(f"{'LMTP' if lmtp else 'SMTP'} listening on {host}:{port}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.stop()
    applier.stop()
