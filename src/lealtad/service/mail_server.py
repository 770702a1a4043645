"""The SMTP/LMTP listener of the service desk (aiosmtpd): ``lealtad service mail serve``.

A recipient that is not one of our mailboxes is refused at RCPT (550), so the sending server
keeps the mail and tells its sender. A mail is answered 250 only after it is spooled to disk
(``inbound.spool``: fsync and rename); an applier thread in the same process then drains the
spool, and any other ``mail apply`` process may drain it too (they take turns by a lock).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection

from lealtad.service.models import Mailbox
from lealtad.service.services import inbound

log = logging.getLogger(__name__)


def max_message_bytes() -> int:
    # 30 MB of attachment is 40 MB once base64-encoded; leave room for the rest.
    return int(getattr(settings, "LEALTAD_SERVICE_MAIL_MAX_BYTES", 64 * 1024 * 1024))


def _mailbox(address: str) -> Mailbox | None:
    """Our mailbox for a recipient; ``soporte+c42-…@`` (the Reply-To with a case token) is
    ``soporte@``."""
    address = address.strip().lower()
    local, _at, domain = address.rpartition("@")
    candidates = [address, f"{local.split('+', 1)[0]}@{domain}"]
    try:
        found = {b.address: b for b in Mailbox.objects.filter(address__in=candidates, active=True)}
    finally:
        connection.close()  # a pool thread's connection, not to be left open between mails
    return found.get(candidates[0]) or found.get(candidates[1])


def _spool_all(raw: bytes, boxes: list[Mailbox], via: str) -> None:
    for box in boxes:
        inbound.spool(raw, box, via)


class DeskHandler:
    """aiosmtpd's handler: recipients checked at RCPT, the mail spooled at DATA."""

    def __init__(self, via: str = "smtp", wake: threading.Event | None = None) -> None:
        self.via = via
        self.wake = wake

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        box = await sync_to_async(_mailbox, thread_sensitive=False)(address)
        if box is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        boxes: dict[str, Mailbox] = getattr(envelope, "desk_boxes", {})
        boxes[address] = box
        envelope.desk_boxes = boxes  # type: ignore[attr-defined]
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        boxes: dict[str, Mailbox] = getattr(envelope, "desk_boxes", {})
        unique = list({b.pk: b for b in boxes.values()}.values())
        try:
            await sync_to_async(_spool_all, thread_sensitive=False)(raw, unique, self.via)
        except OSError:
            log.exception("could not spool a mail")
            return "451 4.3.0 Could not store the mail; try again later"
        if self.wake is not None:
            self.wake.set()
        if self.via == "lmtp":  # LMTP answers once per recipient
            return "\r\n".join("250 2.0.0 Stored" for _ in envelope.rcpt_tos)
        return "250 2.0.0 Stored"


class _LMTPController(Controller):
    def factory(self) -> Any:
        return LMTP(self.handler, **self.SMTP_kwargs)


class Applier(threading.Thread):
    """Drains the spool when the listener wakes it, and every second in any case."""

    def __init__(self) -> None:
        super().__init__(name="mail-applier", daemon=True)
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.wake.wait(1.0)
            self.wake.clear()
            try:
                close_old_connections()
                inbound.drain(wait=False)
            except Exception:
                log.exception("applying the mail spool failed; retrying")

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        self.join(timeout=30)


def listener(
    host: str = "127.0.0.1", port: int = 2525, lmtp: bool = False, applier: Applier | None = None
) -> Controller:
    """A started-on-demand listener (``.start()`` / ``.stop()``), SMTP or LMTP."""
    via = "lmtp" if lmtp else "smtp"
    handler = DeskHandler(via, applier.wake if applier else None)
    kind = _LMTPController if lmtp else Controller
    return kind(
        handler,
        hostname=host,
        port=port,
        data_size_limit=max_message_bytes(),
        decode_data=False,
    )
