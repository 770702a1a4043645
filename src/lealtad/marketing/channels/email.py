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
from collections import deque
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
        outcomes: dict[int, str | None] = {}  # message id -> None (taken) or the refusal
        try:
            if smtp.has_extn("pipelining"):
                Stream(smtp, send, sender()).run(items, outcomes)
            else:
                for item in items:
                    outcomes[item.message_id] = deliver(smtp, send, item, sender())
        except (OSError, smtplib.SMTPServerDisconnected):
            pass  # what has no outcome yet is planned again
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
            _settle(items, outcomes, result, lock)


def _settle(
    items: list[Outgoing], outcomes: dict[int, str | None], result: Handover, lock: threading.Lock
) -> None:
    with lock:
        for item in items:
            if item.message_id not in outcomes:
                result.untried.append(item.message_id)
            elif (refusal := outcomes[item.message_id]) is None:
                result.handed[item.message_id] = ""
            else:
                result.refused[item.message_id] = refusal


def _data(send: Send, item: Outgoing, from_address: str, eight_bit: bool) -> bytes:
    """The message as it goes after DATA: rendered, dot-stuffed, ended by the lone dot."""
    template = send.templates.get(item.language) or next(iter(send.templates.values()))
    recipient = rendering.Recipient(
        item.message_id, item.customer_id, item.address, item.language, item.values
    )
    data = rendering.mail_bytes(
        template, send.campaign_id, from_address, recipient, eight_bit=eight_bit
    )
    return DOTS.sub(b"..", data) + b"\r\n.\r\n"


def deliver(smtp: smtplib.SMTP, send: Send, item: Outgoing, from_address: str) -> str | None:
    """Hand one message to a server without PIPELINING, a round trip per command; None
    when the server took it, else its refusal."""
    eight_bit = smtp.has_extn("8bitmime")
    data = _data(send, item, from_address, eight_bit)
    for command, good in (
        (lambda: smtp.mail(from_address, ["BODY=8BITMIME"] if eight_bit else []), (250,)),
        (lambda: smtp.rcpt(item.address), (250, 251)),
        (lambda: smtp.docmd("DATA"), (354,)),
    ):
        code, reply = command()
        if code not in good:
            smtp.rset()
            return _refused(send, item, code, reply)
    smtp.send(data)
    send.journal.handed(item.message_id)
    code, reply = smtp.getreply()
    return None if code == 250 else _refused(send, item, code, reply)


GOOD = {"MAIL": (250,), "RCPT": (250, 251), "DATA": (354,)}


class Stream:
    """RFC 2920 pipelining across messages: one write carries a message's content and the
    next message's MAIL, RCPT and DATA (content may open a group, DATA must close one), one
    read takes the four replies, and the next message is rendered while the server works:
    one round trip a message, where pipelining each message alone took two."""

    def __init__(self, smtp: smtplib.SMTP, send: Send, from_address: str) -> None:
        self.smtp, self.send, self.from_address = smtp, send, from_address
        self.eight_bit = smtp.has_extn("8bitmime")
        self.mail_from = f"MAIL FROM:{angle(from_address)}" + (
            " BODY=8BITMIME" if self.eight_bit else ""
        )
        self.expected: deque[tuple[str, Outgoing | None]] = deque()  # replies owed, in order

    def run(self, items: list[Outgoing], outcomes: dict[int, str | None]) -> None:
        self.smtp.send(self.envelope(items[0]))
        for index, item in enumerate(items):
            data = _data(self.send, item, self.from_address, self.eight_bit)
            refusal, data_open = self.replies_until_data(outcomes)
            if refusal is None:
                self.expected.append(("END", item))
                out = data
            else:
                outcomes[item.message_id] = _refused(self.send, item, *refusal)
                out = b""
                if data_open:  # the server took DATA anyway: end it empty (RFC 2920 §3.1)
                    self.expected.append(("DOT", None))
                    out = b".\r\n"
                self.expected.append(("RSET", None))
                out += b"RSET\r\n"
            if index + 1 < len(items):
                out += self.envelope(items[index + 1])
            self.smtp.send(out)
            if refusal is None:
                self.send.journal.handed(item.message_id)  # the dot is in the socket
        while self.expected:
            self.reply(outcomes)

    def envelope(self, item: Outgoing) -> bytes:
        self.expected.extend([("MAIL", item), ("RCPT", item), ("DATA", item)])
        return f"{self.mail_from}\r\nRCPT TO:{angle(item.address)}\r\nDATA\r\n".encode()

    def replies_until_data(
        self, outcomes: dict[int, str | None]
    ) -> tuple[tuple[int, bytes] | None, bool]:
        """Read through the current message's DATA reply: its first refusal (or None) and
        whether the server opened DATA all the same."""
        refusal = None
        while True:
            kind, code, reply = self.reply(outcomes)
            if kind in GOOD and code not in GOOD[kind] and refusal is None:
                refusal = (code, reply)
            if kind == "DATA":
                return refusal, code == 354

    def reply(self, outcomes: dict[int, str | None]) -> tuple[str, int, bytes]:
        """The next reply owed; the end of a message's content settles that message."""
        kind, item = self.expected.popleft()
        code, reply = self.smtp.getreply()
        if kind == "END" and item is not None:
            outcomes[item.message_id] = (
                None if code == 250 else _refused(self.send, item, code, reply)
            )
        return kind, code, reply


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
