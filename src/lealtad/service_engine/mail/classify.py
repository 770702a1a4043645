"""Is an inbound mail from a person, or an auto-reply, a bounce or a loop?

Machines answering machines is how a desk fills with thousands of cases overnight: an
out-of-office answers our acknowledgement, which answers it back. So mail that says it is
automatic (RFC 3834 ``Auto-Submitted``, ``X-Autoreply``, ``Precedence: bulk/junk``, an
out-of-office subject in Spanish or English), a delivery report (RFC 3464 DSN, a
MAILER-DAEMON sender), our own mail coming back (``X-Lealtad-Loop``) or a sender writing
more than N times a minute is never turned into a case.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from lealtad.service_engine.mail.parse import InboundMail

LOOP_HEADER = "X-Lealtad-Loop"
OUT_OF_OFFICE = re.compile(
    r"^\s*(?:"
    r"out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?(?:reply|response)|autoreply"
    r"|auto:|away from (?:the )?office|vacation reply"
    r"|respuesta autom[aá]tica|fuera de (?:la )?oficina|ausente de la oficina"
    r"|estoy de vacaciones|mensaje autom[aá]tico"
    r")",
    re.IGNORECASE,
)
DAEMONS = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|bounces?)(?:[+@]|$)", re.I)


class MailKind(StrEnum):
    PERSON = "person"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    LOOP = "loop"


@dataclass(frozen=True)
class Classification:
    """``reason`` is the evidence as it came (the header, its value, the sender), no sentence:
    the service puts the kind in the reader's words and shows this beside them."""

    kind: MailKind
    reason: str


@dataclass
class LoopGuard:
    """Counts each sender's mails in a sliding window; over ``limit`` is a loop."""

    limit: int = 5
    window: timedelta = timedelta(minutes=1)
    max_senders: int = 100_000  # past this, senders quiet for a window are forgotten
    _seen: dict[str, deque[datetime]] = field(default_factory=dict)

    def hit(self, sender: str, at: datetime) -> int:
        if len(self._seen) >= self.max_senders:
            self._seen = {s: t for s, t in self._seen.items() if t and at - t[-1] < self.window}
        times = self._seen.setdefault(sender, deque())
        while times and at - times[0] >= self.window:
            times.popleft()
        times.append(at)
        return len(times)


def classify(
    mail: InboundMail,
    *,
    loop_id: str,
    guard: LoopGuard | None = None,
    received_at: datetime | None = None,
) -> Classification:
    """``loop_id`` is what this installation writes in ``X-Lealtad-Loop``."""
    headers = mail.headers
    for check in (_bounce, _auto_reply):
        found = check(mail)
        if found:
            return found
    if headers.get(LOOP_HEADER.lower(), "").strip() == loop_id:
        return Classification(MailKind.LOOP, f"{LOOP_HEADER}: {loop_id}")
    if guard is not None and received_at is not None and mail.sender:
        count = guard.hit(mail.sender, received_at)
        if count > guard.limit:
            return Classification(
                MailKind.LOOP,
                f"{mail.sender}: {count} > {guard.limit} / {guard.window.total_seconds():g} s",
            )
    return Classification(MailKind.PERSON, "")


def _bounce(mail: InboundMail) -> Classification | None:
    if mail.report is not None:
        return Classification(MailKind.BOUNCE, "Content-Type: multipart/report")
    if DAEMONS.match(mail.sender):
        return Classification(MailKind.BOUNCE, f"From: {mail.sender}")
    return None


def _auto_reply(mail: InboundMail) -> Classification | None:
    h = mail.headers
    submitted = h.get("auto-submitted", "").strip().lower()
    if submitted and not submitted.startswith("no"):
        return Classification(MailKind.AUTO_REPLY, f"Auto-Submitted: {submitted}")
    for name in ("x-autoreply", "x-autorespond", "x-autoresponse"):
        if name in h:
            return Classification(MailKind.AUTO_REPLY, f"{name}: {h[name]}".strip())
    precedence = h.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "auto_reply"):
        return Classification(MailKind.AUTO_REPLY, f"Precedence: {precedence}")
    if h.get("return-path", "").strip() == "<>":
        return Classification(MailKind.AUTO_REPLY, "Return-Path: <>")
    if OUT_OF_OFFICE.match(mail.subject):
        return Classification(MailKind.AUTO_REPLY, f"Subject: {mail.subject}")
    return None
