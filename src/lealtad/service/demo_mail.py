"""Mail demo: the desk's mailbox and customers' threads by e-mail. Each thread is a customer's
mail that opens a case, the agent's reply, and the customer's answer that joins the case by
its In-Reply-To, as real mail would arrive (through ``services.inbound``).

Idempotent: a thread whose first mail was applied before (``duplicate``) is left alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.customers import selectors as customers
from lealtad.service.models import InboundMail, Mailbox
from lealtad.service.services import cases, inbound, mailbox

ACTOR = Actor.system("demo")
DESK = "soporte@lealtad.demo"
THREADS = (  # key, subject, the customer's mail, the agent's reply, the customer's answer
    (
        "router",
        "Sin internet desde ayer",
        "Buenas tardes, desde ayer en la noche el módem tiene la luz roja y no hay internet.",
        "Gracias por avisarnos. ¿Puede apagar el módem 30 segundos y decirnos qué luces ve?",
        "Lo reinicié y sigue igual, la luz de internet está roja.",
    ),
    (
        "factura",
        "La factura de noviembre tiene el IVA mal calculado",
        "En la factura 001-002-000123 me cobran el IVA sobre el descuento. Adjunto el detalle.",
        "Revisamos la factura: tiene razón. Emitiremos una nota de crédito esta semana.",
        "Muchas gracias por la rapidez.",
    ),
)


def _mail(
    sender: str, subject: str, body: str, key: str, at: datetime, answering: str = ""
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = DESK
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = f"<{key}@cliente.lealtad.demo>"
    if answering:
        msg["In-Reply-To"] = msg["References"] = f"<{answering}@cliente.lealtad.demo>"
    msg.set_content(body)
    return msg.as_bytes()


def _desk() -> Mailbox:
    return mailbox.save_mailbox(
        mailbox.MailboxSettings(address=DESK, group="nivel1", category="post_sale")
    )


def _senders(customer_ids: list[int]) -> list[str]:
    """The e-mail addresses of customers who have one, in the order given."""
    found = []
    for customer_id in customer_ids:
        customer = customers.get_customer(customer_id)
        first = customer.emails.first() if customer is not None else None
        if first is not None:
            found.append(first.address)
    return found


def load(customer_ids: list[int]) -> int:
    """The threads not there yet; returns how many were written."""
    box = Mailbox.objects.filter(address=DESK).first() or _desk()
    written = 0
    now = timezone.now()
    for (key, subject, first, reply, answer), sender in zip(
        THREADS, _senders(customer_ids), strict=False
    ):
        opened_at = now - timedelta(days=2)
        raw = _mail(sender, subject, first, f"demo-{key}-1", opened_at)
        if inbound.apply(raw, box, via="demo", received_at=opened_at) == "duplicate":
            continue
        applied = InboundMail.objects.filter(
            mailbox=box, message_id__contains=f"demo-{key}-1@"
        ).first()
        if applied is None or applied.case_id is None:
            continue
        cases.reply(applied.case_id, reply, ACTOR)
        answered_at = now - timedelta(days=1)
        raw = _mail(sender, f"Re: {subject}", answer, f"demo-{key}-2", answered_at, f"demo-{key}-1")
        inbound.apply(raw, box, via="demo", received_at=answered_at)
        written += 1
    return written
