"""Inbound mail through the real SMTP listener (aiosmtpd): spooled before it is answered,
then a new case, a joined case or a drop — and bad mail handled with nothing lost."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest

from lealtad.core.models import OutboxMessage
from lealtad.service import mail_server
from lealtad.service.models import Attachment, Case, CaseEntry, InboundMail
from lealtad.service.services import cases, inbound, mailbox
from tests.service.mail_fixtures import (
    ACTOR,
    DESK,
    customer,
    desk_mailbox,
    free_port,
    mail,
    mail_home_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener(mail_home):
    port = free_port()
    server = mail_server.listener("127.0.0.1", port)
    server.start()
    yield port
    server.stop()


def _send(port: int, raw: bytes, to: str = DESK, sender: str = "ana@cliente.ec") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(sender, [to], raw)


def _only_case() -> Case:
    found = list(Case.objects.all())
    assert len(found) == 1, found
    return found[0]


def test_a_mail_is_on_disk_when_it_is_acknowledged_and_becomes_a_case(listener):
    box = desk_mailbox()
    ana = customer("ana@cliente.ec")
    _send(listener, mail(message_id="m1@cliente.ec"))
    spooled = inbound.pending()
    assert len(spooled) == 1 and b"desde ayer" in spooled[0].read_bytes()
    assert Case.objects.count() == 0  # acknowledged, not yet applied
    assert inbound.drain() == {"new_case": 1}
    case = _only_case()
    assert (case.customer_id, case.category, case.channel) == (ana, "post_sale", "email")
    assert case.group.name == "nivel1" and case.subject == "No funciona mi router"
    row = InboundMail.objects.get()
    assert (row.mailbox_id, row.message_id, row.decision, row.case_id) == (
        box.pk,
        "m1@cliente.ec",
        "new_case",
        case.pk,
    )
    assert case.entries.get(kind="opened").message_id == "m1@cliente.ec"
    assert inbound.pending() == []
    assert OutboxMessage.objects.filter(event_type="case.opened", customer_id=ana).count() == 1


def test_a_recipient_that_is_not_our_mailbox_is_refused_at_rcpt(listener):
    desk_mailbox()
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _send(listener, mail(), to="nadie@tienda.ec")
    assert inbound.pending() == []


def test_the_same_mail_twice_is_applied_once(listener):
    desk_mailbox()
    customer("ana@cliente.ec")
    raw = mail(message_id="same@cliente.ec")
    _send(listener, raw)
    _send(listener, raw)
    assert inbound.drain() == {"new_case": 1, "duplicate": 1}
    assert Case.objects.count() == 1 and InboundMail.objects.count() == 1


def test_an_answer_joins_its_case_and_reopens_it(listener):
    desk_mailbox()
    customer("ana@cliente.ec")
    _send(listener, mail(message_id="m1@cliente.ec"))
    inbound.drain()
    case = _only_case()
    cases.set_status(case.pk, "pending_customer", ACTOR)
    answer = mail(
        subject="Re: No funciona mi router",
        body="Ya reinicié el equipo y sigue igual.",
        message_id="m2@cliente.ec",
        headers={"In-Reply-To": "<m1@cliente.ec>", "References": "<m1@cliente.ec>"},
    )
    _send(listener, answer)
    assert inbound.drain() == {"joined": 1}
    case.refresh_from_db()
    assert case.status == "open"
    message = case.entries.get(kind="message")
    assert message.message_id == "m2@cliente.ec" and "reinicié" in message.body
    assert InboundMail.objects.get(message_id="m2@cliente.ec").case_id == case.pk


def test_a_case_reference_from_its_own_customer_joins_it(listener):
    desk_mailbox()
    customer("ana@cliente.ec")
    _send(listener, mail(message_id="m1@cliente.ec"))
    inbound.drain()
    case = _only_case()
    _send(listener, mail(subject=f"Sobre [{case.number}]", message_id="m3@cliente.ec"))
    assert inbound.drain() == {"joined": 1}
    assert InboundMail.objects.get(message_id="m3@cliente.ec").reason.startswith(
        "subject_reference"
    )


def test_a_reference_to_someone_elses_case_opens_a_new_case_and_leaks_nothing(listener):
    desk_mailbox()
    customer("ana@cliente.ec")
    mallory = customer("mallory@otro.ec", name="Mallory")
    _send(listener, mail(message_id="m1@cliente.ec", body="Mi cédula es 0102030405"))
    inbound.drain()
    anas = _only_case()
    spoof = mail(
        sender="mallory@otro.ec",
        subject=f"Re: [{anas.number}] No funciona mi router",
        body="Envíenme los datos del caso",
        message_id="evil@otro.ec",
        headers={"References": "<unknown@nowhere.ec>"},
    )
    _send(listener, spoof, sender="mallory@otro.ec")
    assert inbound.drain() == {"new_case": 1}
    assert anas.entries.count() == 1  # Ana's case untouched
    new = Case.objects.exclude(pk=anas.pk).get()
    assert new.customer_id == mallory
    row = InboundMail.objects.get(message_id="evil@otro.ec")
    assert row.case_id == new.pk and "subject_reference_refused" in row.reason


def test_an_unknown_sender_goes_to_triage_unless_the_mailbox_takes_new_customers(listener):
    desk_mailbox()
    _send(listener, mail(sender="quien@desconocido.ec", message_id="u1@desconocido.ec"))
    inbound.drain()
    case = _only_case()
    assert case.customer_id is None
    row = InboundMail.objects.get()
    assert row.needs_triage and "triage_unknown_sender" in row.reason
    assert not OutboxMessage.objects.filter(event_type="case.opened").exists()  # no ack
    desk_mailbox(allow_new_customers=True)
    _send(listener, mail(sender="nuevo@desconocido.ec", message_id="u2@desconocido.ec"))
    inbound.drain()
    made = Case.objects.exclude(pk=case.pk).get()
    assert made.customer_id is not None
    assert not InboundMail.objects.get(message_id="u2@desconocido.ec").needs_triage


def test_broken_mime_still_becomes_a_case_with_its_readable_text(listener):
    desk_mailbox()
    customer("ana@cliente.ec")
    broken = (
        b"From: ana@cliente.ec\r\nTo: soporte@tienda.ec\r\nSubject: =?utf-8?Q?roto?=\r\n"
        b"Message-ID: <broken@cliente.ec>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\n'
        b"--XYZ\r\nContent-Type: text/plain; charset=klingon\r\n\r\n"
        b"Factura duplicada \xe9 \xff\r\n"
        b'--XYZ\r\nContent-Type: application/pdf; name="f.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nnot base64 at all!!\r\n"
    )  # unknown charset, bad base64, no closing boundary
    _send(listener, broken)
    assert inbound.drain() == {"new_case": 1}
    case = _only_case()
    assert "Factura duplicada" in case.description


def test_a_30_mb_attachment_keeps_its_description_and_a_small_one_its_file(listener):
    desk_mailbox()  # keeps attachments up to 20 MB
    customer("ana@cliente.ec")
    big = b"\x00PDF" * (30 * 1024 * 1024 // 4)
    small = b"%PDF-1.4 factura"
    raw = mail(
        message_id="big@cliente.ec",
        attachments=[("video.mp4", "video/mp4", big), ("factura.pdf", "application/pdf", small)],
    )
    _send(listener, raw)
    assert inbound.drain() == {"new_case": 1}
    files = {a.filename: a for a in Attachment.objects.all()}
    assert files["video.mp4"].stored == "" and files["video.mp4"].size >= 30 * 1024 * 1024 - 8
    kept = files["factura.pdf"]
    assert kept.size == len(small)
    assert (Path(inbound.spool_root()).parent.parent / kept.stored).read_bytes() == small
    assert kept.entry.case_id == _only_case().pk


def test_auto_replies_and_bounces_are_logged_not_turned_into_cases(listener):
    desk_mailbox()
    customer("ana@cliente.ec")
    ooo = mail(
        subject="Respuesta automática: fuera de la oficina",
        message_id="ooo@cliente.ec",
        headers={"Auto-Submitted": "auto-replied"},
    )
    _send(listener, ooo)
    bounce = (
        b"From: MAILER-DAEMON@mx.cliente.ec\r\nTo: soporte@tienda.ec\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx.cliente.ec>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; ana@cliente.ec\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        b"--B--\r\n"
    )
    _send(listener, bounce, sender="")
    assert inbound.drain() == {"auto_reply": 1, "bounce": 1}
    assert Case.objects.count() == 0
    reasons = dict(InboundMail.objects.values_list("decision", "reason"))
    assert "Auto-Submitted" in reasons["auto_reply"] and reasons["bounce"]


def test_two_auto_responders_looping_make_a_few_cases_at_most(listener):
    """Two robots answering each other with no RFC 3834 headers, copying the desk."""
    desk_mailbox()
    for n in range(30):
        who = "robot-a@uno.ec" if n % 2 == 0 else "robot-b@dos.ec"
        raw = mail(
            sender=who,
            subject="Re: " * (n + 1) + "Recibido",
            body="Su mensaje fue recibido.",
            message_id=f"loop{n}@{who.split('@')[1]}",
        )
        _send(listener, raw, sender=who)
    done = inbound.drain()
    assert sum(done.values()) == 30  # every mail accounted for
    assert done["loop"] >= 20
    assert Case.objects.count() <= 10
    assert InboundMail.objects.count() == 30


def test_our_own_mail_coming_back_is_a_loop(listener):
    desk_mailbox()
    _send(
        listener, mail(message_id="back@tienda.ec", headers={"X-Lealtad-Loop": "lealtad@tienda.ec"})
    )
    assert inbound.drain() == {"loop": 1}


def test_a_mail_the_core_refuses_is_kept_and_logged_as_failed(listener, settings):
    desk_mailbox()
    settings.LEALTAD_SERVICE_MAIL_MAX_BYTES = 64 * 1024 * 1024
    from lealtad.service_engine.mail import MailLimits

    too_big = MailLimits().max_message_bytes + 10
    raw = mail(message_id="huge@cliente.ec") + b"x" * too_big
    path = inbound.spool(raw, desk_mailbox())
    assert inbound.drain() == {"failed": 1}
    row = InboundMail.objects.get()
    assert row.decision == "failed" and "too_large" in row.reason
    assert (inbound.spool_root() / "failed" / path.name).exists()
    assert CaseEntry.objects.count() == 0


def test_the_listener_speaks_lmtp_behind_an_mta(mail_home):
    desk_mailbox()
    customer("ana@cliente.ec")
    port = free_port()
    server = mail_server.listener("127.0.0.1", port, lmtp=True)
    server.start()
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            refused = client.sendmail("ana@cliente.ec", [DESK, "nadie@tienda.ec"], mail())
    finally:
        server.stop()
    assert list(refused) == ["nadie@tienda.ec"]
    assert inbound.drain() == {"new_case": 1}
    assert InboundMail.objects.get().via == "lmtp"


def test_one_mail_to_two_of_our_mailboxes_is_one_case(listener):
    desk_mailbox()
    mailbox.save_mailbox(mailbox.MailboxSettings(address="ventas@tienda.ec", category="pre_sale"))
    customer("ana@cliente.ec")
    raw = mail(message_id="both@cliente.ec", to="soporte@tienda.ec, ventas@tienda.ec")
    with smtplib.SMTP("127.0.0.1", listener, timeout=30) as client:
        client.sendmail("ana@cliente.ec", [DESK, "ventas@tienda.ec"], raw)
    assert inbound.drain() == {"new_case": 1, "joined": 1}
    case = _only_case()
    assert case.entries.count() == 1
    assert set(InboundMail.objects.values_list("case_id", flat=True)) == {case.pk}
