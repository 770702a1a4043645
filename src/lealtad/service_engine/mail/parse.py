"""Raw RFC 5322 bytes to an :class:`InboundMail` that never raises on bad MIME.

Real inbound mail is broken in every way: missing boundaries, charsets that do not exist or
lie, headers that do not parse, attachments of tens of megabytes. The standard ``email``
package (policy ``default``) records most defects instead of failing; what it still throws
on is caught here part by part, so one bad part costs that part (noted in ``defects``), not
the mail. The message is fed to the parser in chunks, so a mail over ``max_message_bytes``
is refused before the rest is read; an attachment over ``max_attachment_bytes`` keeps its
metadata (name, type, size) and leaves its content behind with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesFeedParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from lealtad.service_engine.mail.errors import MailRefused
from lealtad.service_engine.mail.html_text import html_to_text

MSGID = re.compile(r"<([^<>\s]+)>")
FALLBACK_CHARSETS = ("utf-8", "cp1252")
BOUNDARY_LINE = re.compile(r"(?m)^--([^\s]{1,70}?)(?:--)?[ \t]*\r?$")


@dataclass(frozen=True)
class MailLimits:
    max_message_bytes: int = 64 * 1024 * 1024
    max_attachment_bytes: int = 10 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int  # decoded bytes (estimated from the encoded length when content was left)
    content: bytes | None
    left_behind: str | None = None  # why the content is not here


@dataclass(frozen=True)
class DeliveryReport:
    """What a DSN bounce says: the recipients that failed and the mail that bounced."""

    recipients: tuple[str, ...]
    action: str
    status: str
    original_message_id: str | None


@dataclass(frozen=True)
class InboundMail:
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    sender: str  # the From address, lower-cased ("" when unreadable)
    sender_name: str
    recipients: tuple[str, ...]  # To and Cc addresses, lower-cased
    subject: str
    date: datetime | None
    text: str
    attachments: tuple[Attachment, ...]
    headers: dict[str, str]  # lower-cased name -> raw value, first occurrence
    content_type: str
    report: DeliveryReport | None = None
    defects: tuple[str, ...] = field(default=())
    size: int = 0


def parse_message(raw: bytes | Iterable[bytes], limits: MailLimits | None = None) -> InboundMail:
    """Parse a mail from bytes or an iterable of byte chunks (a socket, a spool file)."""
    limits = limits or MailLimits()
    parser = BytesFeedParser(policy=policy.default)
    size = 0
    for chunk in [raw] if isinstance(raw, bytes | bytearray) else raw:
        size += len(chunk)
        if size > limits.max_message_bytes:
            raise MailRefused(
                "too_large",
                f"the mail exceeds {limits.max_message_bytes:,} bytes; nothing after that read",
            )
        parser.feed(bytes(chunk))
    message = parser.close()
    return _inbound(message, limits, size)


def _inbound(message: Message, limits: MailLimits, size: int) -> InboundMail:
    defects = [type(d).__name__ for d in message.defects]
    # Raw (unfolded) values for the classifier and threading: parsing every header through
    # the policy's registry costs more than the rest of the mail. Only the headers shown
    # to people (From, Subject) are decoded (RFC 2047) through the policy.
    headers: dict[str, str] = {}
    for key, value in message.raw_items():
        headers.setdefault(key.lower(), " ".join(str(value).split()))
    sender_name, sender = parseaddr(_decoded_header(message, "from"))
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    reports: list[DeliveryReport] = []
    _walk(message, limits, texts, htmls, attachments, reports, defects)
    text = "\n\n".join(t for t in texts if t.strip())
    if not text and htmls:
        text = "\n\n".join(html_to_text(h) for h in htmls)
    return InboundMail(
        message_id=_first_id(headers.get("message-id", "")),
        in_reply_to=tuple(MSGID.findall(headers.get("in-reply-to", ""))),
        references=tuple(MSGID.findall(headers.get("references", ""))),
        sender=sender.strip().lower(),
        sender_name=sender_name,
        recipients=tuple(
            a.lower() for _, a in getaddresses([headers.get("to", ""), headers.get("cc", "")]) if a
        ),
        subject=" ".join(_decoded_header(message, "subject").split()),
        date=_date(headers.get("date", "")),
        text=text,
        attachments=tuple(attachments),
        headers=headers,
        content_type=message.get_content_type(),
        report=reports[0] if reports else None,
        defects=tuple(defects),
        size=size,
    )


def _decoded_header(message: Message, name: str) -> str:
    """The header decoded for people; a value the structured parser chokes on is read raw."""
    try:
        return str(message.get(name, ""))
    except Exception:
        for key, value in message.raw_items():
            if key.lower() == name:
                return str(value)
        return ""


def _first_id(value: str) -> str | None:
    found = MSGID.findall(value)
    return found[0] if found else (value.strip() or None)


def _date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _walk(
    part: Message,
    limits: MailLimits,
    texts: list[str],
    htmls: list[str],
    attachments: list[Attachment],
    reports: list[DeliveryReport],
    defects: list[str],
) -> None:
    kind = part.get_content_type()
    if kind in ("message/delivery-status", "text/rfc822-headers"):
        return  # read by _report; not a file the customer sent
    if part.get_content_maintype() == "message":
        attachments.append(_attachment(part, _filename(part) or "message.eml", limits))
        return
    if part.is_multipart():
        payload = part.get_payload()
        if kind == "multipart/report":
            report = _report(part)
            if report:
                reports.append(report)
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, Message):
                _walk(sub, limits, texts, htmls, attachments, reports, defects)
        return
    if part.get_content_maintype() == "multipart":
        _recover(part, limits, texts, htmls, attachments, reports, defects)
        return
    filename = _filename(part)
    inline_text = kind in ("text/plain", "text/html") and filename is None
    if inline_text and part.get_content_disposition() != "attachment":
        body = _text_of(part, defects)
        (htmls if kind == "text/html" else texts).append(body)
        return
    attachments.append(_attachment(part, filename or "attachment", limits))


def _recover(
    part: Message,
    limits: MailLimits,
    texts: list[str],
    htmls: list[str],
    attachments: list[Attachment],
    reports: list[DeliveryReport],
    defects: list[str],
) -> None:
    """A multipart whose declared boundary never appears: re-read it with the boundary its
    body actually uses, or keep the body as text; either way the customer's words stay."""
    body = str(part.get_payload())
    found = BOUNDARY_LINE.search(body)
    if found:
        head = f'Content-Type: multipart/mixed; boundary="{found.group(1)}"\r\n\r\n'
        parser = BytesFeedParser(policy=policy.default)
        parser.feed((head + body).encode("utf-8", errors="surrogateescape"))
        rebuilt = parser.close()
        if rebuilt.is_multipart():
            defects.append("boundary_recovered")
            _walk(rebuilt, limits, texts, htmls, attachments, reports, defects)
            return
    defects.append("multipart_read_as_text")
    texts.append(body)


def _filename(part: Message) -> str | None:
    try:
        return part.get_filename()
    except Exception:
        return "attachment"


def _text_of(part: Message, defects: list[str]) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError):
        defects.append(f"charset:{part.get_content_charset()}")
    raw = part.get_payload(decode=True)
    if not isinstance(raw, bytes):
        return str(part.get_payload())
    for charset in FALLBACK_CHARSETS:
        try:
            return raw.decode(charset)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def _attachment(part: Message, filename: str, limits: MailLimits) -> Attachment:
    kind = part.get_content_type()
    if part.get_content_maintype() == "message":
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        data = first.as_bytes() if isinstance(first, Message) else b""
        return _kept(filename, kind, data, limits)
    encoded = part.get_payload()
    encoded_text = encoded if isinstance(encoded, str) else ""
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    estimate = len("".join(encoded_text.split())) * 3 // 4 if cte == "base64" else len(encoded_text)
    if estimate > limits.max_attachment_bytes:
        reason = f"larger than {limits.max_attachment_bytes:,} bytes: metadata kept, content not"
        return Attachment(filename, kind, estimate, None, reason)
    decoded = part.get_payload(decode=True)
    return _kept(filename, kind, decoded if isinstance(decoded, bytes) else b"", limits)


def _kept(filename: str, kind: str, data: bytes, limits: MailLimits) -> Attachment:
    if len(data) > limits.max_attachment_bytes:
        reason = f"larger than {limits.max_attachment_bytes:,} bytes: metadata kept, content not"
        return Attachment(filename, kind, len(data), None, reason)
    return Attachment(filename, kind, len(data), data)


def _report(part: Message) -> DeliveryReport | None:
    if str(part.get_param("report-type", "")).lower() != "delivery-status":
        return None
    recipients: list[str] = []
    action = status = ""
    original = None
    for sub in part.walk():
        kind = sub.get_content_type()
        if kind == "message/delivery-status":
            blocks = sub.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                if not isinstance(block, Message):
                    continue
                rcpt = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
                if rcpt:
                    recipients.append(rcpt.split(";", 1)[-1].strip().lower())
                action = action or str(block.get("Action", "")).strip().lower()
                status = status or str(block.get("Status", "")).strip()
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = _original_id(sub)
    return DeliveryReport(tuple(recipients), action, status, original)


def _original_id(part: Message) -> str | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return _first_id(str(payload[0].get("Message-ID", "")))
    match = re.search(r"(?im)^message-id:\s*(<[^>]+>)", str(payload))
    return _first_id(match.group(1)) if match else None
