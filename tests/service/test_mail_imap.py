"""IMAP polling against a real Dovecot, the sealed password, and the spool under a worker
killed mid-way: every mail applied once, none lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.core.dispatcher import default_dispatcher
from lealtad.service.models import Case, CaseEntry, InboundMail, Mailbox
from lealtad.service.services import inbound, mailbox
from lealtad.service.services.mailbox import MailboxRefused
from tests.service.mail_fixtures import (  # noqa: F401
    customer,
    desk_mailbox,
    mail,
    mail_home_fixture,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _imap_box(server, password: str | None = None) -> Mailbox:
    return desk_mailbox(
        imap_host=server.host,
        imap_port=server.port,
        imap_ssl=False,
        imap_user=server.user,
        imap_password=password or server.password,
        poll_seconds=5,
    )


def test_the_password_is_stored_sealed_and_a_tampered_one_is_refused(mail_home):
    box = desk_mailbox(imap_host="imap.tienda.ec", imap_user="desk", imap_password="clave-Secreta")
    stored = Mailbox.objects.get(pk=box.pk).imap_password
    assert "clave-Secreta" not in stored
    assert mailbox.unseal(stored) == "clave-Secreta"
    with pytest.raises(MailboxRefused) as refused:
        mailbox.unseal(stored[:-2] + "xx")
    assert refused.value.field == "imap_password"
    # Saving again without a password keeps the stored one.
    desk_mailbox(imap_host="imap.tienda.ec", imap_user="desk")
    assert mailbox.unseal(Mailbox.objects.get(pk=box.pk).imap_password) == "clave-Secreta"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_password_comes_back_as_it_was_sealed(password):
    sealed = mailbox.seal(password)
    assert mailbox.unseal(sealed) == password
    if password:
        assert mailbox.seal(password) != sealed  # a fresh nonce every time
    if len(password) >= 6:
        assert password not in sealed


def test_bad_mailbox_settings_are_refused_and_write_nothing(mail_home):
    with pytest.raises(MailboxRefused) as refused:
        desk_mailbox(category="astrology")
    assert refused.value.field == "category"
    with pytest.raises(MailboxRefused) as refused:
        mailbox.save_mailbox(mailbox.MailboxSettings(address="no-es-correo"))
    assert refused.value.field == "address"
    assert not Mailbox.objects.exists()


def test_polling_reads_new_mail_by_uid_and_leaves_the_server_untouched(mail_home, dovecot):
    customer("ana@cliente.ec")
    box = _imap_box(dovecot)
    for n in range(3):
        dovecot.append(mail(message_id=f"i{n}@cliente.ec", subject=f"Pedido {n}"))
    assert mailbox.poll(box) == 3
    assert inbound.drain() == {"new_case": 3}
    assert Mailbox.objects.get(pk=box.pk).last_uid == 3
    assert mailbox.poll(box) == 0
    dovecot.append(mail(message_id="i3@cliente.ec", subject="Pedido 3"))
    assert mailbox.poll(box) == 1 and inbound.drain() == {"new_case": 1}
    assert set(InboundMail.objects.values_list("via", flat=True)) == {"imap"}
    client = dovecot.client()
    client.select("INBOX", readonly=True)
    assert len(client.uid("SEARCH", "ALL")[1][0].split()) == 4
    client.logout()


def test_the_dispatcher_tick_polls_a_mailbox_when_it_is_due(mail_home, dovecot):
    customer("ana@cliente.ec")
    _imap_box(dovecot)
    dovecot.append(mail(message_id="tick@cliente.ec"))
    mailbox._last_tick[0] = 0.0  # the tick looks at most once a second per process
    default_dispatcher().run_once()
    assert InboundMail.objects.get().decision == "new_case"
    dovecot.append(mail(message_id="tick2@cliente.ec"))
    mailbox._last_tick[0] = 0.0
    default_dispatcher().run_once()  # not due yet (every 5 s)
    assert InboundMail.objects.count() == 1


def test_a_wrong_imap_password_is_refused_naming_the_user(mail_home, dovecot):
    box = _imap_box(dovecot, password="wrong")
    with pytest.raises(MailboxRefused) as refused:
        mailbox.poll(box)
    assert refused.value.field == "imap_user"


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_a_worker_killed_mid_way_loses_no_mail_and_applies_none_twice(mail_home):
    box = desk_mailbox()
    first, answers = 120, 40
    for n in range(first):
        inbound.spool(mail(sender=f"p{n}@cliente.ec", message_id=f"k{n}@cliente.ec"), box)
    for n in range(answers):
        raw = mail(
            sender=f"p{n}@cliente.ec",
            subject="Re: No funciona mi router",
            message_id=f"r{n}@cliente.ec",
            headers={"In-Reply-To": f"<k{n}@cliente.ec>"},
        )
        inbound.spool(raw, box)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEALTAD_")}
    env.update(LEALTAD_HOME=str(mail_home), LEALTAD_DATABASE_URL=_database_url())
    cli = Path(sys.executable).parent / "lealtad"
    kills = 0
    for _round in range(3):
        before = InboundMail.objects.count()
        worker = subprocess.Popen(
            [str(cli), "service", "mail", "apply"], env=env, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 120
        while InboundMail.objects.count() < before + 25 and time.monotonic() < deadline:
            if worker.poll() is not None:
                break
            time.sleep(0.05)
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
            kills += 1
        worker.wait()
    assert kills >= 1
    inbound.drain()
    assert inbound.pending() == []
    total = first + answers
    assert InboundMail.objects.count() == total
    assert InboundMail.objects.values("message_id").distinct().count() == total
    assert Case.objects.count() == first
    entries = list(CaseEntry.objects.exclude(message_id="").values_list("message_id", flat=True))
    assert sorted(entries) == sorted(set(entries)) and len(entries) == total
    joined = InboundMail.objects.filter(decision="joined").count()
    assert joined == answers
