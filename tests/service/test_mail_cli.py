"""``lealtad service mail …``: mailboxes from a shell, and the listener as its own process —
a mail answered 250 survives the process being SIGKILLed at once."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from typer.testing import CliRunner

from lealtad.cli import app
from lealtad.service.models import InboundMail, Mailbox
from lealtad.service.services import inbound, mailbox
from tests.service.mail_fixtures import (  # noqa: F401
    DESK,
    customer,
    desk_mailbox,
    free_port,
    mail,
    mail_home_fixture,
)

runner = CliRunner()


@pytest.mark.django_db
def test_a_mailbox_is_saved_from_the_shell_with_its_password_sealed(mail_home, monkeypatch):
    monkeypatch.setenv("LEALTAD_IMAP_PASSWORD", "clave-Secreta")
    result = runner.invoke(
        app,
        [
            "service",
            "mail",
            "mailbox",
            DESK,
            "--category",
            "complaint",
            "--imap-host",
            "imap.tienda.ec",
            "--imap-user",
            "desk",
            "--imap-plain",
            "--imap-port",
            "143",
        ],
    )
    assert result.exit_code == 0, result.output
    box = Mailbox.objects.get(address=DESK)
    assert (box.category, box.imap_port, box.imap_ssl) == ("complaint", 143, False)
    assert mailbox.unseal(box.imap_password) == "clave-Secreta"
    listed = runner.invoke(app, ["service", "mail", "list"])
    assert DESK in listed.output and "imap desk@imap.tienda.ec:143/INBOX" in listed.output
    bad = runner.invoke(app, ["service", "mail", "mailbox", DESK, "--category", "astrology"])
    assert bad.exit_code == 1 and "astrology" in bad.output


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_mail_answered_250_survives_the_listener_killed_at_once(mail_home):
    desk_mailbox()
    customer("ana@cliente.ec")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEALTAD_")}
    env.update(LEALTAD_HOME=str(mail_home), LEALTAD_DATABASE_URL=_database_url())
    cli = Path(sys.executable).parent / "lealtad"
    serve = [str(cli), "service", "mail", "serve", "--port", str(port)]
    listener = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=10)
                break
            except OSError:
                assert time.monotonic() < deadline, "the listener did not start"
                time.sleep(0.1)
        raws = [mail(message_id=f"s{n}@cliente.ec", subject=f"Pedido {n}") for n in range(20)]
        for raw in raws:
            client.sendmail("ana@cliente.ec", [DESK], raw)
        listener.send_signal(signal.SIGKILL)  # right after the last 250
        listener.wait()
        client.close()
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()
    inbound.drain()
    ids = set(InboundMail.objects.values_list("message_id", flat=True))
    assert ids == {f"s{n}@cliente.ec" for n in range(20)}
    assert InboundMail.objects.count() == 20 and inbound.pending() == []
