"""What agents read of the desk's mail: each received mail and what became of it, the mails
sent and the bounces that came back for their cases, and the files on a case's thread.

A mail's text and files are on the history line it became (``InboundMail.entry``); a mail
dropped as an auto-reply, a bounce or a loop has only its headers and the reason it was
dropped, and one that could not be applied names the file kept beside the spool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from lealtad.service.models import Attachment, InboundMail, OutboundMail

PER_PAGE = 50

# What a person filters the inbound log by: one outcome names one or more decisions.
OUTCOMES: dict[str, Q] = {
    "joined": Q(decision="joined"),
    "new_case": Q(decision="new_case", needs_triage=False),
    "triage": Q(needs_triage=True, case__customer_id__isnull=True),
    "dropped": Q(decision__in=("auto_reply", "bounce", "loop")),
    "failed": Q(decision="failed"),
}


def outcome_of(mail: InboundMail) -> str:
    """The outcome a row is listed under (the keys of :data:`OUTCOMES`)."""
    if mail.needs_triage and mail.case is not None and mail.case.customer_id is None:
        return "triage"
    if mail.decision in ("auto_reply", "bounce", "loop"):
        return "dropped"
    return mail.decision


def inbound(outcome: str = "", query: str = "") -> QuerySet[InboundMail]:
    """Received mails, newest first; ``outcome`` one of :data:`OUTCOMES` (else all),
    ``query`` a fragment of the sender or the subject."""
    rows = InboundMail.objects.select_related("mailbox", "case")
    if outcome in OUTCOMES:
        rows = rows.filter(OUTCOMES[outcome])
    if query.strip():
        text = query.strip()[:200]
        rows = rows.filter(Q(sender__icontains=text) | Q(subject__icontains=text))
    return rows.order_by("-received_at", "-id")


def page_of(rows: QuerySet[Any], number: Any, per_page: int = PER_PAGE) -> Page:
    """One page; a number that is not one (or past the end) gives the nearest page."""
    return Paginator(rows, per_page).get_page(number)


def counts() -> dict[str, int]:
    """How many mails each outcome holds, for the filter's labels."""
    return {key: InboundMail.objects.filter(q).count() for key, q in OUTCOMES.items()}


@dataclass(frozen=True)
class MailView:
    mail: InboundMail
    outcome: str
    body: str
    files: list[Attachment]


def inbound_mail(mail_id: int) -> MailView | None:
    found = InboundMail.objects.select_related("mailbox", "case", "entry").filter(pk=mail_id)
    mail = found.first()
    if mail is None:
        return None
    entry = mail.entry
    files = list(entry.attachments.order_by("id")) if entry is not None else []
    body = entry.body if entry is not None else ""
    return MailView(mail, outcome_of(mail), body, files)


@dataclass(frozen=True)
class SentView:
    mail: OutboundMail
    bounces: list[InboundMail]


def sent_page(number: Any, per_page: int = PER_PAGE) -> Page:
    """Mails sent, newest first (see :func:`with_bounces` for their bounces)."""
    rows = OutboundMail.objects.select_related("case").order_by("-sent_at", "-id")
    return page_of(rows, number, per_page)


def with_bounces(sent: list[OutboundMail]) -> list[SentView]:
    """Each sent mail with the bounces its case received after it left (one query)."""
    cases = {m.case_id for m in sent}
    bounces = list(
        InboundMail.objects.filter(decision="bounce", case_id__in=cases).order_by("received_at")
    )
    return [
        SentView(m, [b for b in bounces if b.case_id == m.case_id and b.received_at >= m.sent_at])
        for m in sent
    ]


def attachment(case_id: int, attachment_id: int, public_only: bool = False) -> Attachment | None:
    """A file on the case's thread (on a public line only, for a customer)."""
    rows = Attachment.objects.filter(pk=attachment_id, entry__case_id=case_id)
    if public_only:
        rows = rows.filter(entry__public=True)
    return rows.first()
