"""What the mail tests share: a desk with a mailbox, customers, real-shaped mails, an SMTP
sink (aiosmtpd) standing for the outside world's mail server."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customers
from lealtad.customers.schemas import CustomerProfile
from lealtad.service.models import Mailbox, SupportGroup
from lealtad.service.services import mailbox

ACTOR = Actor.system("test")
DESK = "soporte@tienda.ec"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def customer(email: str, name: str = "Ana") -> int:
    ctx = customers.ChangeContext(actor=ACTOR, channel="test")
    made = customers.create_customer(
        CustomerProfile(given_names=name), CustomerRef(email=email), ctx
    )
    return int(made.pk)


def desk_mailbox(**more) -> Mailbox:
    SupportGroup.objects.get_or_create(name="nivel1", defaults={"label": "Nivel 1", "level": 1})
    settings = mailbox.MailboxSettings(
        **{"address": DESK, "group": "nivel1", "category": "post_sale", **more}
    )
    return mailbox.save_mailbox(settings)


def mail(
    sender: str = "ana@cliente.ec",
    subject: str = "No funciona mi router",
    body: str = "Hola, desde ayer no tengo internet.",
    message_id: str = "",
    to: str = DESK,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Ana Pérez <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Sat, 05 Dec 2026 10:00:00 -0500"
    if message_id:
        msg["Message-ID"] = f"<{message_id}>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, kind, data in attachments or []:
        main, sub = kind.split("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


@dataclass
class Sink:
    """The outside world's mail server: keeps every mail we send."""

    port: int
    received: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        self.received.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture(name="smtp_sink")
def smtp_sink_fixture(settings):
    sink = Sink(free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, decode_data=False)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    controller.stop()


@pytest.fixture(name="mail_home")
def mail_home_fixture(settings, tmp_path):
    """Spool and attachments under a home of the test's own."""
    settings.LEALTAD_HOME = tmp_path / "home"
    settings.LEALTAD_SERVICE_MAIL_DOMAIN = "tienda.ec"
    return settings.LEALTAD_HOME
