"""What one inbound mail does to the desk: drop it, join it to its case, or open a case.

The reading and the deciding are the pure core's (``service_engine.mail``: parse, classify,
thread); this module feeds it what only the database knows (which case a Message-ID belongs
to, who owns a case named in a subject) and writes the result through the case services.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.service.models import Attachment, Case, CaseEntry, InboundMail, Mailbox, OutboundMail
from lealtad.service.services import attachments, cases
from lealtad.service_engine import mail as engine
from lealtad.service_engine.mail.parse import MailLimits, parse_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Read:
    message_id: str
    sha256: str
    sender: str
    subject: str
    mail: Any  # the core's parsed mail


def why(code: str, evidence: str = "") -> str:
    """One line of a mail's stored reason: a code of the ``service.mail_reason`` list the page
    puts in the reader's words, then the evidence as it came (one line, no sentence). A
    reason holds one such line per step: how it was threaded, then what became of it."""
    evidence = " ".join(evidence.split())
    return f"{code}: {evidence}" if evidence else code


def because(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


@dataclass
class Outcome:
    decision: str
    reason: str = ""
    case_id: int | None = None
    entry_id: int | None = None
    needs_triage: bool = False


def secret() -> bytes:
    return (getattr(settings, "LEALTAD_SERVICE_MAIL_SECRET", "") or settings.SECRET_KEY).encode()


def loop_id() -> str:
    """What our mail carries in X-Lealtad-Loop, so it is known if it ever comes back."""
    return f"lealtad@{getattr(settings, 'LEALTAD_SERVICE_MAIL_DOMAIN', '') or 'lealtad.local'}"


def read(raw: bytes, box: Mailbox) -> Read:
    digest = hashlib.sha256(raw).hexdigest()
    limits = MailLimits(max_attachment_bytes=box.max_attachment_bytes)
    mail = parse_message(raw, limits)
    message_id = (mail.message_id or f"{digest}@lealtad.invalid")[:250]
    return Read(message_id, digest, mail.sender, mail.subject, mail)


class _Lookup:
    """What threading asks of the desk's tables (``engine.CaseLookup``)."""

    def case_by_message_id(self, message_id: str) -> int | None:
        found = (
            CaseEntry.objects.filter(message_id=message_id[:250])
            .order_by("-id")
            .values_list("case_id", flat=True)
            .first()
        )
        if found is None:
            found = (
                OutboundMail.objects.filter(message_id=message_id[:250])
                .values_list("case_id", flat=True)
                .first()
            )
        return found

    def case_by_conversation(self, conversation: str) -> int | None:
        return (
            InboundMail.objects.filter(conversation=conversation, case__isnull=False)
            .order_by("-id")
            .values_list("case_id", flat=True)
            .first()
        )

    def is_customer_of(self, case_id: int, sender: str) -> bool:
        """A case named in a subject counts only for that case's own customer."""
        owner = Case.objects.filter(pk=case_id).values_list("customer_id", flat=True).first()
        return owner is not None and owner in _customers_of(sender)


def decide_and_write(read: Read, box: Mailbox, received_at: datetime) -> Outcome:
    twin = (
        InboundMail.objects.filter(message_id=read.message_id, case__isnull=False)
        .exclude(mailbox=box)
        .select_related("mailbox")
        .first()
    )
    if twin is not None:  # one mail sent to two of our addresses is one request
        reason = why("same_mail_other_mailbox", twin.mailbox.address)
        return Outcome("joined", reason, twin.case_id, twin.entry_id, twin.needs_triage)
    mail = read.mail
    guard = engine.LoopGuard()
    if mail.sender:
        earlier = InboundMail.objects.filter(
            sender=mail.sender,
            received_at__gt=received_at - guard.window,
            received_at__lte=received_at,
        ).values_list("received_at", flat=True)
        for at in sorted(earlier):
            guard.hit(mail.sender, at)
    kind = engine.classify(mail, loop_id=loop_id(), guard=guard, received_at=received_at)
    decision = engine.decide(mail, kind, _Lookup(), secret=secret())
    if decision.action is engine.Action.DROP:
        if decision.reason == "bounce":
            # customers has no service to mark an address as bouncing yet: the log keeps it.
            log.warning("bounce for case %s: %s", decision.case_id, decision.detail)
        return Outcome(decision.reason, why(decision.reason, decision.detail), decision.case_id)
    threaded = why(decision.reason, decision.detail)
    if decision.action is engine.Action.JOIN and decision.case_id is not None:
        joined = _join(read, decision.case_id, threaded)
        if joined is not None:
            return joined
        threaded = because(threaded, why("case_closed"))
    return _open(read, box, threaded)


def _customers_of(sender: str) -> list[int]:
    from lealtad.customers import selectors as customers

    if not sender:
        return []
    try:
        return [c.pk for c in customers.lookup(email=sender)]
    except DomainError:
        return []  # not an address the customers context can read


def _actor(read: Read) -> Actor:
    return Actor(label=read.sender or "mail", channel="email")


def _join(read: Read, case_id: int, reason: str) -> Outcome | None:
    mail = read.mail
    try:
        case = cases.customer_message(
            case_id,
            _body(read),
            _actor(read),
            message_id=read.message_id,
            in_reply_to=(mail.in_reply_to[-1] if mail.in_reply_to else "")[:250],
        )
    except cases.CaseState:
        return None  # a closed case: the mail opens a new one
    entry = case.entries.order_by("-id").first()
    assert entry is not None
    _keep_attachments(read, entry)
    return Outcome("joined", reason, case.pk, entry.pk)


def _body(read: Read) -> str:
    text = (read.mail.text or "").strip()
    return text or _("(the mail had no text)")


def _open(read: Read, box: Mailbox, reason: str) -> Outcome:
    customer_id, found = _customer(read, box)
    new = cases.NewCase(
        subject=(read.subject.strip() or _("(no subject)"))[:200],
        category=box.category,
        description=_body(read),
        customer_id=customer_id,
        channel="email",
        group=box.group.name if box.group else "",
        extra={"mailbox": box.address, "from": read.sender, "triage": customer_id is None},
    )
    case = cases.open_case(new, _actor(read))
    entry = case.entries.order_by("id").first()
    assert entry is not None
    CaseEntry.objects.filter(pk=entry.pk).update(message_id=read.message_id)
    _keep_attachments(read, entry)
    text = because(reason, found)
    return Outcome("new_case", text, case.pk, entry.pk, needs_triage=customer_id is None)


def _customer(read: Read, box: Mailbox) -> tuple[int | None, str]:
    found = _customers_of(read.sender)
    if len(found) == 1:
        return found[0], ""
    if len(found) > 1:
        return None, why("triage_shared_address", read.sender)
    if not box.allow_new_customers or not read.sender:
        return None, why("triage_unknown_sender", read.sender)
    return _new_customer(read)


def _new_customer(read: Read) -> tuple[int | None, str]:
    from lealtad.core.envelope import CustomerRef
    from lealtad.customers import services as customers

    try:
        ref = CustomerRef(email=read.sender, name=getattr(read.mail, "sender_name", None) or None)
        ctx = customers.ChangeContext(actor=_actor(read), channel="email")
        return customers.customer_for(ref, ctx), why("new_customer", read.sender)
    except (DomainError, ValueError):
        log.info("mail from %r makes no customer; to triage", read.sender, exc_info=True)
        return None, why("triage_not_customer_address", read.sender)


def _keep_attachments(read: Read, entry: CaseEntry) -> None:
    rows = []
    for part in getattr(read.mail, "attachments", []) or []:
        stored = digest = ""
        if part.content is not None:
            digest = hashlib.sha256(part.content).hexdigest()
            stored = attachments.store(part.content, digest)
        rows.append(
            Attachment(
                entry=entry,
                filename=(part.filename or "attachment")[:255],
                content_type=(part.content_type or "application/octet-stream")[:120],
                size=part.size,
                sha256=digest,
                stored=stored,
            )
        )
    Attachment.objects.bulk_create(rows)


def conversation(read: Read) -> str:
    return engine.conversation_of(read.mail.headers.get("thread-index", "")) or ""
