"""E-mail over SMTP: a chunk is split across a few connections (threads: the time is spent
waiting for the server), each message rendered right before it is written.

The DATA step is done by hand so the journal's line can be written the moment the final dot
is in the socket, before waiting for the server's reply (see ``journal``).
"""

from __future__ import annotations

import re
import smtplib
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from lealtad.marketing.channels import rendering
from lealtad.marketing.channels.base import Handover, Outgoing, Send

DOTS = re.compile(rb"(?m)^\.")
PLAIN = re.compile(r"[^\s<>()\[\]\\\",;:@]+@[^\s<>()\[\]\\\",;:@]+")


def angle(address: str) -> str:
    """``smtplib.quoteaddr`` without its RFC 5322 parser for a plain address (what the
    customers context stores): the parser cost ~30 µs a call, twice per message."""
    return f"<{address}>" if PLAIN.fullmatch(address) else smtplib.quoteaddr(address)


def sender() -> str:
    return str(getattr(settings, "LEALTAD_CAMPAIGN_FROM", None) or settings.DEFAULT_FROM_EMAIL)


def connections() -> int:
    return max(1, int(getattr(settings, "LEALTAD_CAMPAIGN_SMTP_CONNECTIONS", 4)))


def open_smtp() -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.EMAIL_HOST, int(settings.EMAIL_PORT), timeout=30)
    if smtp.sock is not None:  # every write is a whole command or message: no Nagle delay
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    smtp.ehlo()
    if getattr(settings, "EMAIL_USE_TLS", False):
        smtp.starttls()
        smtp.ehlo()
    if getattr(settings, "EMAIL_HOST_USER", ""):
        smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
    return smtp


class SmtpAdapter:
    def hand_over(self, send: Send, items: list[Outgoing]) -> Handover:
        result = Handover()
        lock = threading.Lock()
        parts = [items[i :: connections()] for i in range(connections())]
        parts = [part for part in parts if part]
        if len(parts) <= 1:
            self._one_connection(send, items, result, lock)
            return result
        with ThreadPoolExecutor(len(parts)) as pool:
            for future in [
                pool.submit(self._one_connection, send, part, result, lock) for part in parts
            ]:
                future.result()
        return result

    def _one_connection(
        self, send: Send, items: list[Outgoing], result: Handover, lock: threading.Lock
    ) -> None:
        try:
            smtp = open_smtp()
        except (OSError, smtplib.SMTPException):
            with lock:
                result.untried.extend(item.message_id for item in items)
            return
        from_address = sender()
        try:
            for index, item in enumerate(items):
                try:
                    outcome = deliver(smtp, send, item, from_address)
                except (OSError, smtplib.SMTPServerDisconnected):
                    with lock:
                        result.untried.extend(i.message_id for i in items[index:])
                    return
                with lock:
                    if outcome is None:
                        result.handed[item.message_id] = ""
                    else:
                        result.refused[item.message_id] = outcome
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def deliver(smtp: smtplib.SMTP, send: Send, item: Outgoing, from_address: str) -> str | None:
    """Hand one message over; None when the server took it, else its refusal."""
    template = send.templates.get(item.language) or next(iter(send.templates.values()))
    recipient = rendering.Recipient(
        item.message_id, item.customer_id, item.address, item.language, item.values
    )
    data = rendering.mail_bytes(template, send.campaign_id, from_address, recipient)
    if smtp.has_extn("pipelining"):
        return _pipelined(smtp, send, item, from_address, data)
    code, reply = smtp.mail(from_address)
    if code != 250:
        smtp.rset()
        return _refused(send, item, code, reply)
    code, reply = smtp.rcpt(item.address)
    if code not in (250, 251):
        smtp.rset()
        return _refused(send, item, code, reply)
    code, reply = smtp.docmd("DATA")
    if code != 354:
        smtp.rset()
        return _refused(send, item, code, reply)
    smtp.send(DOTS.sub(b"..", data) + b"\r\n.\r\n")
    send.journal.handed(item.message_id)
    code, reply = smtp.getreply()
    if code != 250:
        return _refused(send, item, code, reply)
    return None


def _pipelined(
    smtp: smtplib.SMTP, send: Send, item: Outgoing, from_address: str, data: bytes
) -> str | None:
    """RFC 2920: MAIL, RCPT and DATA in one write and their three replies read together,
    then the message; two round trips instead of four (Postfix and most relays offer it)."""
    smtp.send(
        f"MAIL FROM:{angle(from_address)}\r\nRCPT TO:{angle(item.address)}\r\nDATA\r\n".encode()
    )
    replies = [smtp.getreply() for _ in range(3)]  # MAIL, RCPT, DATA
    wanted = ((250,), (250, 251), (354,))
    refused = next(
        (reply for reply, good in zip(replies, wanted, strict=True) if reply[0] not in good), None
    )
    if refused is not None:
        if replies[2][0] == 354:  # the server took DATA anyway: end it empty (RFC 2920 §3.1)
            smtp.send(b".\r\n")
            smtp.getreply()
        smtp.rset()
        return _refused(send, item, *refused)
    smtp.send(DOTS.sub(b"..", data) + b"\r\n.\r\n")
    send.journal.handed(item.message_id)
    code, reply = smtp.getreply()
    return None if code == 250 else _refused(send, item, code, reply)


def _refused(send: Send, item: Outgoing, code: int, reply: bytes) -> str:
    text = f"{code} {reply.decode(errors='replace')}"[:300]
    send.journal.refused(item.message_id, text)
    return text


def send_test(
    template: rendering.CompiledTemplate, campaign_id: int, to: str, values: dict[str, str]
) -> None:
    """A test send of one template to ``to`` (no message row, links made for a preview)."""
    recipient = rendering.Recipient(None, 0, to, template.language, values)
    data = rendering.mail_bytes(
        template, campaign_id, sender(), recipient, subject_prefix="[TEST] "
    )
    smtp = open_smtp()
    try:
        smtp.sendmail(sender(), [to], data)
    finally:
        smtp.quit()
