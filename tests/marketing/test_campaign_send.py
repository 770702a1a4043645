"""Sending a campaign by e-mail to a real SMTP server (aiosmtpd): what leaves, with which
headers, and what the gate stops at send time (consent per channel and purpose, a withdrawal
half-way through, suppressions, the fatigue cap across campaigns, quiet hours)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from lealtad.marketing import links
from lealtad.marketing.models import ContactPolicy, Message
from lealtad.marketing.services import campaigns, send_job, sending, suppressions
from lealtad.marketing.services.contact_policy import policy
from tests.marketing.test_campaign_support import (
    ACTOR,
    campaign,
    person,
    segment,
    smtp_fixture,  # noqa: F401
    withdraw,
)

pytestmark = pytest.mark.django_db(transaction=True)


def no_quiet_hours(max_messages: int = 10) -> ContactPolicy:
    rules = policy()
    rules.quiet_from = rules.quiet_until = time(0, 0)
    rules.max_messages = max_messages
    rules.save()
    return rules


def launch(campaign_id: int) -> None:
    sending.steer(campaign_id, "launch", ACTOR)


def test_every_consenting_customer_gets_one_mail_with_one_click_unsubscribe(smtp):
    no_quiet_hours()
    ana = person("ana@correo.ec", "Ana María")
    bob = person("bob@correo.ec", "Bob", language="en")
    cid = campaign(segment([ana, bob]))
    launch(cid)
    report = send_job.run(cid)
    assert report.finished and report.counts["sent"] == 2
    mail = smtp.to("ana@correo.ec")[0]
    assert mail["Subject"] == "Hola Ana"
    message = Message.objects.get(campaign_id=cid, customer_id=ana)
    assert mail["List-Unsubscribe"] == f"<{links.unsubscribe_url(message.pk)}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Message-ID"] == f"<c{cid}.m{message.pk}@lealtad.localhost>"
    html = mail.get_body(("html",)).get_content()
    assert "https://tienda.ec/oferta" not in html  # the link goes through the click redirect
    token = html.split("/m/c/")[1].split("/")[0]
    assert links.click_of(token) == (message.pk, "https://tienda.ec/oferta?x=1&y=2")
    assert "Darse de baja" in mail.get_body(("plain",)).get_content()
    assert smtp.to("bob@correo.ec")[0]["Subject"] == "Hi Bob"
    message.refresh_from_db()
    assert message.status == "sent" and message.address == "ana@correo.ec"


def test_a_long_spanish_subject_arrives_whole_in_crlf_lines(smtp):
    """Accents go as RFC 2047 words folded with CRLF: a bare LF in DATA is refused by
    relays that guard against SMTP smuggling."""
    no_quiet_hours()
    jose = person("jose@correo.ec", "José Ñúñez")
    subject = "¡Hola {{ first_name }}! Descuentos de Navidad en todas las tiendas del Ecuador"
    template = campaigns.NewTemplate("email", "es", subject, "Hola {{ first_name }}.")
    cid = campaign(segment([jose]), templates=(template,))
    launch(cid)
    send_job.run(cid)
    [mail], [raw] = smtp.to("jose@correo.ec"), smtp.raw
    assert mail["Subject"] == "¡Hola José! Descuentos de Navidad en todas las tiendas del Ecuador"
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    head = raw.split(b"\r\n\r\n")[0].split(b"\r\n")
    subject_at = next(i for i, line in enumerate(head) if line.startswith(b"Subject:"))
    folded = [head[subject_at], *[line for line in head[subject_at + 1 :] if line[:1] == b" "]]
    assert len(folded) > 1 and max(len(line) for line in folded) <= 78


def test_consent_is_checked_per_channel_and_purpose_at_send_time(smtp):
    no_quiet_hours()
    ok = person("ok@correo.ec")
    service_only = person("serv@correo.ec", purpose="service")
    sms_only = person("sms@correo.ec", phone="0991234567", consents=("sms",))
    refused = person("no@correo.ec", consents=(), refused=("email",))
    cid = campaign(segment([ok, service_only, sms_only, refused]))
    launch(cid)
    send_job.run(cid)
    assert [m["To"] for m in smtp.received] == ["ok@correo.ec"]
    reasons = dict(Message.objects.filter(campaign_id=cid).values_list("customer_id", "reason"))
    assert reasons[service_only] == reasons[sms_only] == reasons[refused] == "no_consent"


def test_a_withdrawal_half_way_stops_the_rest_of_the_same_send(smtp):
    no_quiet_hours()
    first = person("first@correo.ec")
    later = person("later@correo.ec")
    cid = campaign(segment([first, later]), channels=("email",))
    launch(cid)
    send_job.run(cid, chunk=1, max_chunks=1)  # the first chunk leaves
    withdraw(later)  # e.g. a one-click unsubscribe of another campaign's mail
    send_job.run(cid, chunk=1)
    assert [m["To"] for m in smtp.received] == ["first@correo.ec"]
    assert Message.objects.get(campaign_id=cid, customer_id=later).reason == "no_consent"


def test_suppressed_addresses_and_customers_are_not_written_to(smtp):
    no_quiet_hours()
    a, b, c = person("a@correo.ec"), person("b@correo.ec"), person("c@correo.ec")
    suppressions.suppress(
        [
            suppressions.NewSuppression("email", "bounce", address="A@Correo.ec"),
            suppressions.NewSuppression("email", "manual", customer_id=b),
        ]
    )
    cid = campaign(segment([a, b, c]))
    launch(cid)
    send_job.run(cid)
    assert [m["To"] for m in smtp.received] == ["c@correo.ec"]
    statuses = dict(Message.objects.filter(campaign_id=cid).values_list("customer_id", "status"))
    assert statuses == {a: "suppressed", b: "suppressed", c: "sent"}


def test_the_fatigue_cap_counts_every_campaign_and_channel(smtp):
    no_quiet_hours(max_messages=2)
    ana = person("ana@correo.ec", phone="0991234567", consents=("email", "sms"))
    bob = person("bob@correo.ec")
    members = segment([ana, bob])
    first = campaign(members, channels=("email", "sms"), templates=_both())
    launch(first)
    send_job.run(first)  # Ana: e-mail and SMS (2), Bob: e-mail (1)
    second = campaign(members)
    launch(second)
    send_job.run(second)
    assert Message.objects.get(campaign_id=second, customer_id=ana).reason == "fatigue"
    assert Message.objects.get(campaign_id=second, customer_id=bob).status == "sent"


def _both():
    from tests.marketing.test_campaign_support import EMAIL_ES, SMS_ES

    return (EMAIL_ES, SMS_ES)


def test_quiet_hours_defer_to_the_customers_morning_galapagos_too(smtp):
    rules = no_quiet_hours()
    rules.quiet_from, rules.quiet_until = time(21, 0), time(8, 0)
    rules.save()
    quito = person("quito@correo.ec", region="Pichincha")
    islands = person("isla@correo.ec", region="Galápagos")
    cid = campaign(segment([quito, islands]))
    launch(cid)
    # 02:30 UTC: 21:30 in Quito (quiet), 20:30 in the Galápagos (not yet)
    send_job.run(cid, clock=lambda: datetime(2026, 12, 5, 2, 30, tzinfo=UTC))
    assert [m["To"] for m in smtp.received] == ["isla@correo.ec"]
    waiting = Message.objects.get(campaign_id=cid, customer_id=quito)
    assert waiting.status == "deferred"
    assert waiting.not_before == datetime(2026, 12, 5, 13, 0, tzinfo=UTC)  # 08:00 in Quito
    # Not dropped: it leaves once the customer's morning has come.
    send_job.run(cid, clock=lambda: datetime(2026, 12, 5, 13, 0, tzinfo=UTC))
    assert sorted(m["To"] for m in smtp.received) == ["isla@correo.ec", "quito@correo.ec"]


def test_a_galapagos_customer_waits_an_hour_longer_than_quito(smtp):
    rules = no_quiet_hours()
    rules.quiet_from, rules.quiet_until = time(21, 0), time(8, 0)
    rules.save()
    quito = person("quito@correo.ec", region="Pichincha")
    islands = person("isla@correo.ec", region="Galapagos")
    cid = campaign(segment([quito, islands]))
    launch(cid)
    send_job.run(cid, clock=lambda: datetime(2026, 12, 5, 13, 30, tzinfo=UTC))
    assert [m["To"] for m in smtp.received] == ["quito@correo.ec"]
    waiting = Message.objects.get(campaign_id=cid, customer_id=islands)
    assert waiting.not_before == datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 08:00 islands


class PipeliningSink:
    """A server that offers PIPELINING (RFC 2920) and refuses one mailbox at RCPT."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("nadie"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(to.startswith("rechazo@") for to in envelope.rcpt_tos):
            return "554 5.6.0 Content refused"
        self.received.extend(envelope.rcpt_tos)
        return "250 OK"


def test_a_pipelining_server_gets_one_write_a_message_and_a_refusal_fails_alone(
    settings, tmp_path, monkeypatch
):
    """Each write carries a message and the next envelope (RFC 2920); a mailbox refused at
    RCPT or a message refused at its end fails alone, and the ones after it still go."""
    import smtplib

    from aiosmtpd.controller import Controller

    from tests.marketing.test_campaign_support import free_port

    no_quiet_hours()
    sink, port = PipeliningSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.LEALTAD_HOME = "127.0.0.1", port, tmp_path
    settings.LEALTAD_CAMPAIGN_SMTP_CONNECTIONS = 1
    writes: list[bytes] = []
    original = smtplib.SMTP.send
    monkeypatch.setattr(
        smtplib.SMTP,
        "send",
        lambda self, s: (
            writes.append(s if isinstance(s, bytes) else s.encode()) or original(self, s)
        ),
    )
    addresses = ["uno@", "nadie@", "dos@", "rechazo@", "tres@", "cuatro@", "nadie.mas@"]
    try:
        people = [person(f"{name}correo.ec") for name in addresses]
        cid = campaign(segment(people))
        launch(cid)
        send_job.run(cid)
    finally:
        controller.stop()
    assert sorted(sink.received) == sorted(
        f"{n}correo.ec" for n in ("uno@", "dos@", "tres@", "cuatro@")
    )
    status = dict(Message.objects.filter(campaign_id=cid).values_list("address", "status"))
    assert {a for a, s in status.items() if s == "failed"} == {
        "nadie@correo.ec",
        "rechazo@correo.ec",
        "nadie.mas@correo.ec",
    }
    errors = dict(Message.objects.filter(campaign_id=cid).values_list("address", "error"))
    assert errors["nadie@correo.ec"].startswith("550") and errors["rechazo@correo.ec"].startswith(
        "554"
    )
    envelopes = [w for w in writes if b"MAIL FROM:" in w]
    assert len(envelopes) == len(addresses)  # one write opens each message...
    assert sum(w.count(b"MAIL FROM:") for w in writes) == len(addresses)  # ...each once
    # The five contents (not the refused mailboxes') each share a write with the next envelope.
    assert sum(b"\r\n.\r\nMAIL FROM:" in w for w in writes) == 5
