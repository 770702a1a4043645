"""Mail out: the acknowledgement with the case number, an agent's reply, the resolved notice —
sent after commit to a real SMTP server (aiosmtpd sink), once, threading back to the case."""

from __future__ import annotations

import smtplib

import pytest
from django.utils import timezone

from lealtad.core.dispatcher import default_dispatcher
from lealtad.core.hub import Message
from lealtad.service import mail_server
from lealtad.service.models import Case, InboundMail, OutboundMail
from lealtad.service.services import cases, inbound, mail_apply, outbound
from lealtad.service_engine.mail import verified_case
from tests.service.mail_fixtures import (  # noqa: F401
    ACTOR,
    DESK,
    customer,
    desk_mailbox,
    free_port,
    mail,
    mail_home_fixture,
    smtp_sink_fixture,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener(mail_home):
    port = free_port()
    server = mail_server.listener("127.0.0.1", port)
    server.start()
    yield port
    server.stop()


def _send(port: int, raw: bytes, to: str = DESK) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail("ana@cliente.ec", [to], raw)


def _bare(value: object) -> str:
    return str(value).strip().strip("<>")


def _opened_by_mail(listener) -> Case:
    desk_mailbox()
    customer("ana@cliente.ec")
    _send(listener, mail(message_id="m1@cliente.ec"))
    inbound.drain()
    default_dispatcher().run_once()
    return Case.objects.get()


def test_the_customer_gets_one_acknowledgement_with_the_case_number(listener, smtp_sink):
    case = _opened_by_mail(listener)
    assert len(smtp_sink.received) == 1
    ack = smtp_sink.received[0]
    assert ack["To"] == "ana@cliente.ec" and case.number in ack["Subject"]
    assert case.number in ack.get_content()
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<m1@cliente.ec>"
    assert ack["X-Lealtad-Loop"] == "lealtad@tienda.ec"
    assert verified_case(str(ack["Message-ID"]), mail_apply.secret()) == case.pk
    default_dispatcher().run_once()
    assert len(smtp_sink.received) == 1 and OutboundMail.objects.count() == 1


def test_a_handler_run_twice_sends_once(listener, smtp_sink):
    case = _opened_by_mail(listener)
    key = OutboundMail.objects.get().key
    again = Message(1, key, "case.opened", "email", None, {"case_id": case.pk}, timezone.now())
    outbound.acknowledge(again)
    assert len(smtp_sink.received) == 1


def test_an_agent_reply_is_mailed_in_the_thread_and_the_answer_comes_back(listener, smtp_sink):
    case = _opened_by_mail(listener)
    outbound.reply(case.pk, "Estimada Ana, reinicie el router por favor.", ACTOR)
    default_dispatcher().run_once()
    sent = smtp_sink.received[-1]
    assert "reinicie el router" in sent.get_content()
    assert sent["Auto-Submitted"] is None  # a person wrote it
    assert sent["In-Reply-To"] == "<m1@cliente.ec>"
    assert "<m1@cliente.ec>" in sent["References"]
    reply_entry = case.entries.get(kind="reply")
    assert _bare(sent["Message-ID"]) == reply_entry.message_id
    # Her client keeps only the In-Reply-To: the Message-ID we chose finds the case.
    answer = mail(
        subject="Re: ya lo hice",
        body="Lo reinicié, sigue sin funcionar.",
        message_id="m5@cliente.ec",
        headers={"In-Reply-To": str(sent["Message-ID"])},
    )
    _send(listener, answer)
    assert inbound.drain() == {"joined": 1}
    assert InboundMail.objects.get(message_id="m5@cliente.ec").case_id == case.pk


def test_an_answer_to_the_reply_to_address_alone_finds_its_case(listener, smtp_sink):
    case = _opened_by_mail(listener)
    reply_to = smtp_sink.received[0]["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("soporte+") and reply_to.endswith("@tienda.ec")
    answer = mail(subject="otra cosa", message_id="m6@cliente.ec", to=reply_to)
    _send(listener, answer, to=reply_to)
    assert inbound.drain() == {"joined": 1}
    assert InboundMail.objects.get(message_id="m6@cliente.ec").case_id == case.pk


def test_an_out_of_office_answering_our_acknowledgement_ends_there(listener, smtp_sink):
    case = _opened_by_mail(listener)
    ack = smtp_sink.received[0]
    ooo = mail(
        subject="Fuera de la oficina",
        message_id="ooo1@cliente.ec",
        headers={"In-Reply-To": str(ack["Message-ID"]), "X-Autoreply": "yes"},
    )
    _send(listener, ooo)
    assert inbound.drain() == {"auto_reply": 1}
    default_dispatcher().run_once()
    assert len(smtp_sink.received) == 1  # nothing sent back
    assert InboundMail.objects.get(message_id="ooo1@cliente.ec").case_id == case.pk
    assert case.entries.count() == 1


def test_the_resolved_notice_is_auto_generated(listener, smtp_sink):
    case = _opened_by_mail(listener)
    cases.resolve(case.pk, ACTOR, note_text="Router cambiado")
    default_dispatcher().run_once()
    notice = smtp_sink.received[-1]
    assert notice["Auto-Submitted"] == "auto-generated"
    assert case.number in notice.get_content()
    assert OutboundMail.objects.filter(kind="resolved").count() == 1


def test_the_api_replies_by_mail_and_shows_the_inbound_log(listener, smtp_sink, token_client):
    case = _opened_by_mail(listener)
    agent = token_client("agent", scopes=("service:handle",))
    answer = agent.post(
        f"/api/v1/service/cases/{case.pk}/mail-reply",
        {"body": "Ya enviamos un técnico."},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    default_dispatcher().run_once()
    assert "técnico" in smtp_sink.received[-1].get_content()
    assert agent.get("/api/v1/service/mail/inbound").status_code == 403
    boss = token_client("supervisor", scopes=("service:supervise",))
    log = boss.get("/api/v1/service/mail/inbound").json()
    assert [(r["message_id"], r["decision"], r["case"]) for r in log] == [
        ("m1@cliente.ec", "new_case", case.number)
    ]
    empty = agent.post(
        f"/api/v1/service/cases/{case.pk}/mail-reply", {"body": ""}, content_type="application/json"
    )
    assert empty.status_code == 422


def test_a_bounce_of_our_acknowledgement_is_logged_on_its_case(listener, smtp_sink):
    case = _opened_by_mail(listener)
    ack_id = str(smtp_sink.received[0]["Message-ID"])
    dsn = (
        b"From: MAILER-DAEMON@mx.cliente.ec\r\nTo: soporte@tienda.ec\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn2@mx.cliente.ec>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nMailbox full.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; ana@cliente.ec\r\nAction: failed\r\nStatus: 5.2.2\r\n\r\n"
        b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"Message-ID: " + ack_id.encode() + b"\r\nSubject: ack\r\n\r\n--B--\r\n"
    )
    _send(listener, dsn)
    assert inbound.drain() == {"bounce": 1}
    row = InboundMail.objects.get(message_id="dsn2@mx.cliente.ec")
    assert row.case_id == case.pk and case.entries.count() == 1
    default_dispatcher().run_once()
    assert len(smtp_sink.received) == 1  # a bounce is never answered
