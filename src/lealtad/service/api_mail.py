"""Service desk mail over HTTP (``/api/v1/service/mail/...``): mailboxes, the inbound log, an
agent's reply by mail. Thin: capability, body, the mail services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.service.models import InboundMail, Mailbox
from lealtad.service.services import mailbox, outbound

router = Router(tags=["service desk"])


class MailboxIn(Schema):
    group: str = Field(default="", max_length=60)
    category: str = Field(default="other", max_length=30)
    allow_new_customers: bool = False
    imap_host: str = Field(default="", max_length=200)
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_ssl: bool = True
    imap_user: str = Field(default="", max_length=200)
    imap_password: str = Field(default="", max_length=500)
    folder: str = Field(default="INBOX", min_length=1, max_length=200)
    poll_seconds: int = Field(default=60, ge=5, le=86_400)
    max_attachment_bytes: int = Field(default=20 * 1024 * 1024, ge=0, le=2**40)


class MailboxOut(Schema):
    address: str
    group: str
    category: str
    allow_new_customers: bool
    imap_host: str
    imap_port: int
    imap_user: str
    folder: str
    poll_seconds: int
    last_uid: int
    max_attachment_bytes: int


class InboundOut(Schema):
    mailbox: str
    message_id: str
    sender: str
    subject: str
    received_at: datetime
    decision: str
    reason: str
    case: str | None
    needs_triage: bool


class InboundQuery(Schema):
    decision: str | None = Field(default=None, max_length=20)
    limit: int = Field(default=100, ge=1, le=1000)


class ReplyIn(Schema):
    body: str = Field(min_length=1, max_length=100_000)


class ReplyOut(Schema):
    case: str
    status: str


def _mailbox_out(box: Mailbox) -> dict[str, Any]:
    return {
        "address": box.address,
        "group": box.group.name if box.group else "",
        "category": box.category,
        "allow_new_customers": box.allow_new_customers,
        "imap_host": box.imap_host,
        "imap_port": box.imap_port,
        "imap_user": box.imap_user,
        "folder": box.folder,
        "poll_seconds": box.poll_seconds,
        "last_uid": box.last_uid,
        "max_attachment_bytes": box.max_attachment_bytes,
    }


@router.get("/service/mail/mailboxes", response={200: list[MailboxOut]})
def list_mailboxes(request: HttpRequest) -> list[dict[str, Any]]:
    require(request, Capability.SERVICE_SUPERVISE)
    return [_mailbox_out(b) for b in Mailbox.objects.select_related("group")]


@router.put("/service/mail/mailboxes/{address}", response={200: MailboxOut, **errors(404, 422)})
def save_mailbox(request: HttpRequest, address: str, body: MailboxIn) -> dict[str, Any]:
    """Create or change a mailbox; the password is stored sealed and never answered."""
    require(request, Capability.SERVICE_SUPERVISE)
    box = mailbox.save_mailbox(mailbox.MailboxSettings(address=address, **body.dict()))
    return _mailbox_out(box)


@router.get("/service/mail/inbound", response={200: list[InboundOut]})
def inbound_log(request: HttpRequest, query: Query[InboundQuery]) -> list[dict[str, Any]]:
    """What became of each mail received: new case, joined, dropped (and why), failed."""
    require(request, Capability.SERVICE_SUPERVISE)
    rows = InboundMail.objects.select_related("mailbox", "case")
    if query.decision:
        rows = rows.filter(decision=query.decision)
    return [
        {
            "mailbox": r.mailbox.address,
            "message_id": r.message_id,
            "sender": r.sender,
            "subject": r.subject,
            "received_at": r.received_at,
            "decision": r.decision,
            "reason": r.reason,
            "case": r.case.number if r.case else None,
            "needs_triage": r.needs_triage,
        }
        for r in rows[: query.limit]
    ]


@router.post(
    "/service/cases/{case_id}/mail-reply", response={200: ReplyOut, **errors(404, 409, 422)}
)
def mail_reply(request: HttpRequest, case_id: int, body: ReplyIn) -> dict[str, Any]:
    """An agent's answer: on the case now, in the customer's mailbox after commit."""
    who = require(request, Capability.SERVICE_HANDLE)
    case = outbound.reply(case_id, body.body, who.actor)
    return {"case": case.number, "status": case.status}
