"""Outgoing mail that threads back to its case and does not start loops.

Every mail carries our signed token twice (Message-ID and Reply-To), answers with the
In-Reply-To/References a client needs to thread it, and names its case in the subject for
people. Automatic notifications say so (``Auto-Submitted: auto-replied``, RFC 3834) and ask
Exchange not to answer them with an out-of-office (``X-Auto-Response-Suppress``), and all
of our mail carries ``X-Lealtad-Loop`` so it is recognised if it ever comes back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from lealtad.service_engine.mail.classify import LOOP_HEADER
from lealtad.service_engine.mail.parse import InboundMail
from lealtad.service_engine.mail.thread import case_reference
from lealtad.service_engine.mail.token import message_id, reply_address

MAX_REFERENCES = 20
REPLY_PREFIX = re.compile(r"^\s*((re|aw|rv|fw|fwd|res)\s*:\s*)+", re.IGNORECASE)


@dataclass(frozen=True)
class Mailbox:
    """Our side: the desk's address and display name, the HMAC secret and the loop id."""

    address: str
    name: str
    secret: bytes
    loop_id: str
    prefix: str = "CASO"

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


def build_reply(
    desk: Mailbox,
    *,
    case_id: int,
    to: str,
    subject: str,
    body: str,
    answering: InboundMail | None = None,
    automatic: bool = False,
    sent_at: datetime | None = None,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((desk.name, desk.address))
    mail["To"] = to
    mail["Reply-To"] = formataddr((desk.name, reply_address(desk.address, case_id, desk.secret)))
    mail["Subject"] = _subject(subject, case_id, desk.prefix, answering is not None)
    mail["Message-ID"] = f"<{message_id(case_id, desk.secret, desk.domain)}>"
    if sent_at is not None:
        mail["Date"] = format_datetime(sent_at)
    if answering is not None and answering.message_id:
        chain = [*answering.references, answering.message_id][-MAX_REFERENCES:]
        mail["In-Reply-To"] = f"<{answering.message_id}>"
        mail["References"] = " ".join(f"<{m}>" for m in chain)
    if automatic:
        mail["Auto-Submitted"] = "auto-replied"
        mail["X-Auto-Response-Suppress"] = "All"
    mail[LOOP_HEADER] = desk.loop_id
    mail.set_content(body)
    return mail


def _subject(subject: str, case_id: int, prefix: str, reply: bool) -> str:
    bare = REPLY_PREFIX.sub("", subject).strip()
    if case_reference(bare, prefix) != case_id:
        bare = f"[{prefix}-{case_id}] {bare}"
    return f"Re: {bare}" if reply else bare
