"""Mail out of the service desk: an agent's reply, and the notices a customer is owed (case
opened with its number, case resolved).

Nothing is sent inside a transaction: the case services announce ``case.opened`` and
``case.resolved``, ``cases.reply`` announces ``case.replied`` with the reply, and the hub's
dispatcher hands them after commit to the subscribers here, which send by Django's SMTP
backend. A subscriber may run twice (at least once): the ``OutboundMail`` row keyed by the
event id makes the second run send nothing. Every mail carries a Message-ID with our signed
case token, so the customer's answer finds its case even if their client drops the headers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from email.message import EmailMessage
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lealtad.core import hub
from lealtad.core.audit import Actor
from lealtad.customers import selectors as customers
from lealtad.service.models import Attachment, Case, Mailbox, OutboundMail
from lealtad.service.services import attachments, cases, mail_apply
from lealtad.service.services.attachments import Upload
from lealtad.service_engine import mail as engine
from lealtad.service_engine.mail import token as engine_token

log = logging.getLogger(__name__)

REPLIED = cases.REPLIED


def mail_domain() -> str:
    return getattr(settings, "LEALTAD_SERVICE_MAIL_DOMAIN", "") or "lealtad.local"


def reply(case_id: int, body: str, actor: Actor, files: Sequence[Upload] = ()) -> Case:
    """An agent's public answer, with its files, recorded on the case and mailed to the
    customer after commit (``cases.reply`` announces ``case.replied``; :func:`replied` sends).

    The Message-ID is chosen now and kept on the history line, so the customer's answer to it
    finds this case by its id as well as by the signed token inside it. The files are checked
    whole first and written to the store before the transaction: a refused file writes no
    reply, and a reply that fails leaves at most an unreferenced file behind."""
    found = Case.objects.filter(pk=case_id).first()
    if found is None:
        raise cases.CaseNotFound(gettext_lazy("There is no case %(id)s."), field="case", id=case_id)
    if not body.strip():
        raise cases.CaseRefused(gettext_lazy("Write something first."), field="body")
    limit = attachments.limit_for(found)
    kept = [attachments.write(f, limit) for f in attachments.check(files, limit)]
    message_id = engine_token.message_id(case_id, mail_apply.secret(), mail_domain())
    with transaction.atomic():
        case = cases.reply(case_id, body, actor, message_id=message_id)
        line = case.entries.get(message_id=message_id)
        attachments.attach(line, kept)
    return case


def _opened_data(case: Case) -> dict[str, Any]:
    opened = case.entries.order_by("id").first()
    return dict(opened.data or {}) if opened else {}


def recipient(case: Case) -> str:
    """Where the case's mail goes: the address it came from, else the customer's first."""
    sender = str(_opened_data(case).get("from", ""))
    if sender:
        return sender
    if case.customer_id is None:
        return ""
    customer = customers.get_customer(case.customer_id)
    first = customer.emails.first() if customer is not None else None
    return first.address if first is not None else ""


def _answering(case: Case) -> engine.InboundMail | None:
    """The customer's last mail on the case (what we answer) and the thread's ids."""
    rows = list(
        case.entries.exclude(message_id="").order_by("id").values_list("message_id", "kind")
    )
    theirs = [m for m, kind in rows if kind in ("opened", "message")]
    if not theirs:
        return None
    chain = tuple(m for m, _kind in rows if m != theirs[-1])
    return replace(_EMPTY, message_id=theirs[-1], references=chain)


_EMPTY = engine.parse_message(b"Subject: \r\n\r\n")


def desk_for(case: Case) -> engine.Mailbox:
    address = str(_opened_data(case).get("mailbox", ""))
    if not address:
        box = Mailbox.objects.filter(group=case.group_id, active=True).first()
        address = box.address if box is not None else settings.DEFAULT_FROM_EMAIL
    name = getattr(settings, "LEALTAD_SERVICE_MAIL_NAME", "") or "Servicio al cliente"
    return engine.Mailbox(address, name, mail_apply.secret(), mail_apply.loop_id())


def send(
    case: Case,
    kind: str,
    key: str,
    body: str,
    message_id: str = "",
    files: Sequence[Attachment] = (),
) -> OutboundMail | None:
    """Send one mail about a case once per key; None when the case has no address to write.
    A file whose content was not kept (over an inbound limit) cannot travel and is left out."""
    done = OutboundMail.objects.filter(key=key).first()
    if done is not None:
        return done
    to = recipient(case)
    if not to:
        log.info("case %s has no address to mail the %s to", case.number, kind)
        return None
    mail = engine.build_reply(
        desk_for(case),
        case_id=case.pk,
        to=to,
        subject=f"[{case.number}] {case.subject}",  # the number as people see it
        body=body,
        answering=_answering(case),
        automatic=kind != "reply",
        sent_at=timezone.now(),
    )
    if message_id:
        mail.replace_header("Message-ID", f"<{message_id}>")
    if kind == "resolved":  # not an answer to a mail: a notice (RFC 3834)
        mail.replace_header("Auto-Submitted", "auto-generated")
    _attach(mail, files)
    _deliver(mail)
    row, _created = OutboundMail.objects.get_or_create(
        key=key[:250],
        defaults={
            "case": case,
            "kind": kind,
            "to": to,
            "message_id": str(mail["Message-ID"]).strip("<>")[:250],
            "sent_at": timezone.now(),
        },
    )
    return row


def _attach(mail: EmailMessage, files: Sequence[Attachment]) -> None:
    for row in files:
        path = attachments.path_of(row)
        if path is None:
            log.warning("attachment %s of case mail has no stored content", row.pk)
            continue
        main, _slash, sub = row.content_type.partition("/")
        if not sub or main == "multipart":
            main, sub = "application", "octet-stream"
        mail.add_attachment(path.read_bytes(), maintype=main, subtype=sub, filename=row.filename)


def _deliver(mail: EmailMessage) -> None:
    """Through Django's SMTP backend (host, port, TLS and credentials from the settings)."""
    backend = get_connection("django.core.mail.backends.smtp.EmailBackend", timeout=30)
    backend.open()
    try:
        backend.connection.send_message(mail)
    finally:
        backend.close()


def _case(payload: dict[str, Any]) -> Case | None:
    return Case.objects.filter(pk=int(payload.get("case_id") or 0)).first()


@hub.subscriber("case.opened", name="service.mail.acknowledge", transactional=False)
def acknowledge(message: hub.Message) -> None:
    case = _case(message.payload)
    if case is None:
        return
    body = _(
        "We received your request and opened case %(number)s. Answer this mail to add to it."
    ) % {"number": case.number}
    send(case, "acknowledgement", message.event_id, body)


@hub.subscriber("case.resolved", name="service.mail.resolved", transactional=False)
def resolved(message: hub.Message) -> None:
    case = _case(message.payload)
    if case is None:
        return
    body = _(
        "Case %(number)s is resolved. If something is still wrong, answer this mail and "
        "we will reopen it."
    ) % {"number": case.number}
    send(case, "resolved", message.event_id, body)


@hub.subscriber(REPLIED, name="service.mail.reply", transactional=False)
def replied(message: hub.Message) -> None:
    """The reply's text and files, as the history line holds them (found by its id, or by
    its Message-ID for an event announced before the id was carried)."""
    case = _case(message.payload)
    if case is None:
        return
    entry_id = int(message.payload.get("entry_id") or 0)
    message_id = str(message.payload.get("message_id", ""))
    lines = case.entries.filter(kind="reply")
    entry = (
        lines.filter(pk=entry_id).first()
        if entry_id
        else lines.filter(message_id=message_id).first()
        if message_id
        else None
    )
    if entry is None:
        return
    files = list(entry.attachments.all())
    send(case, "reply", message.event_id, entry.body, entry.message_id, files=files)
