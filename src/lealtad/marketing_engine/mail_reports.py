"""Reading what mail servers send back: delivery status notifications (RFC 3464,
``multipart/report; report-type=delivery-status``) and abuse feedback reports (RFC 5965,
``report-type=feedback-report``, what a mailbox provider sends when someone presses "this is
spam").

Each report becomes one :class:`Report` per recipient: which address, what happened (hard
bounce, soft bounce, complaint), the status code and diagnostic, and the Message-ID of our
original message when the report quotes it (``<c12.m345@…>`` names message 345), so the
bounce lands on the right message even when the address was rewritten on the way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import Message
from email.utils import parsedate_to_datetime

HARD, SOFT, COMPLAINT = "hard", "soft", "complaint"
_OUR_ID = re.compile(r"<c(\d+)\.m(\d+)@", re.IGNORECASE)
_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")


@dataclass(frozen=True)
class Report:
    external_id: str  # the report's Message-ID and the recipient: a re-read finds it again
    kind: str
    address: str
    message_id: int | None  # ours, from the quoted original
    status: str
    detail: str
    at: datetime | None


class NotAReport(ValueError):
    """The mail is neither a delivery status notification nor a feedback report."""


def parse(raw: bytes) -> list[Report]:
    """The reports in one mail; :class:`NotAReport` for an ordinary mail."""
    mail = message_from_bytes(raw, policy=policy.compat32)
    if mail.get_content_type() != "multipart/report":
        raise NotAReport("not a multipart/report")
    report_type = str(mail.get_param("report-type") or "").lower()
    if report_type == "delivery-status":
        return _delivery_status(mail)
    if report_type == "feedback-report":
        return _feedback(mail)
    raise NotAReport(f"report-type {report_type or 'missing'}")


def _parts(mail: Message) -> list[Message]:
    return [p for p in mail.walk() if p is not mail]


def _fields(part: Message) -> list[dict[str, str]]:
    """The header blocks of a ``message/delivery-status`` or ``message/feedback-report`` part
    (the first block is per message, the next ones per recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parsed the blocks as messages
        blocks = [
            {k.lower(): str(v) for k, v in block.items()}
            for block in payload
            if isinstance(block, Message)
        ]
    else:
        text = payload if isinstance(payload, str) else ""
        blocks = [_block(chunk) for chunk in re.split(r"\r?\n\r?\n", text.strip())]
    return [b for b in blocks if b]


def _block(chunk: str) -> dict[str, str]:
    found: dict[str, str] = {}
    name = ""
    for line in chunk.splitlines():
        if line[:1] in (" ", "\t") and name:
            found[name] += " " + line.strip()
        elif ":" in line:
            name, value = line.split(":", 1)
            name = name.strip().lower()
            found[name] = value.strip()
    return found


def _address(value: str) -> str:
    """``rfc822; ana@example.ec`` -> ``ana@example.ec``."""
    address = value.split(";", 1)[1] if ";" in value else value
    return address.strip().strip("<>").lower()


def _original_id(mail: Message) -> int | None:
    """Our message id from the quoted original (``message/rfc822`` or
    ``text/rfc822-headers``), or None."""
    for part in _parts(mail):
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            text = str(inner[0]) if isinstance(inner, list) and inner else str(inner)
        elif kind == "text/rfc822-headers":
            body = part.get_payload(decode=True)
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        else:
            continue
        for line in text.splitlines():
            if line.lower().startswith("message-id:"):
                found = _OUR_ID.search(line)
                if found:
                    return int(found.group(2))
    return None


def _when(mail: Message) -> datetime | None:
    try:
        return parsedate_to_datetime(mail["Date"]) if mail["Date"] else None
    except (TypeError, ValueError):
        return None


def _report_id(mail: Message) -> str:
    return (mail["Message-ID"] or "").strip() or f"no-id:{mail['Date']}:{mail['From']}"


def _delivery_status(mail: Message) -> list[Report]:
    status_part = next(
        (p for p in _parts(mail) if p.get_content_type() == "message/delivery-status"), None
    )
    if status_part is None:
        raise NotAReport("a delivery-status report without its message/delivery-status part")
    ours, when, report_id = _original_id(mail), _when(mail), _report_id(mail)
    out = []
    for block in _fields(status_part)[1:] or _fields(status_part):
        recipient = block.get("final-recipient") or block.get("original-recipient") or ""
        if not recipient:
            continue
        action = block.get("action", "").lower()
        status = block.get("status", "")
        code = _STATUS.search(status)
        if action in ("delivered", "relayed", "expanded") or (code and code.group(1) == "2"):
            continue
        hard = action == "failed" and (code is None or code.group(1) == "5")
        address = _address(recipient)
        out.append(
            Report(
                f"{report_id}/{address}",
                HARD if hard else SOFT,
                address,
                ours,
                code.group(0) if code else status[:20],
                block.get("diagnostic-code", "")[:300],
                when,
            )
        )
    return out


def _feedback(mail: Message) -> list[Report]:
    part = next(
        (p for p in _parts(mail) if p.get_content_type() == "message/feedback-report"), None
    )
    if part is None:
        raise NotAReport("a feedback report without its message/feedback-report part")
    fields: dict[str, str] = {}
    for block in _fields(part):
        fields.update(block)
    recipient = fields.get("original-rcpt-to") or fields.get("removal-recipient") or ""
    address = _address(recipient) if recipient else ""
    feedback = fields.get("feedback-type", "abuse").lower()
    report_id = _report_id(mail)
    return [
        Report(
            f"{report_id}/{address or 'unknown'}",
            COMPLAINT,
            address,
            _original_id(mail),
            feedback[:20],
            fields.get("user-agent", "")[:300],
            _when(mail),
        )
    ]
