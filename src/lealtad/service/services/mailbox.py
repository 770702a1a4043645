"""The mailboxes the service desk reads: their settings, the IMAP password kept sealed, and
which ones are due for a poll.

The password is sealed with a key derived from the settings' secret (an HMAC keystream, then
Django's signing so a tampered value is refused), so a database dump does not hand out the
mail account; rotating the secret means typing the passwords again.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import imaplib
import logging
import os
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import hub
from lealtad.core.errors import DomainError
from lealtad.service.choices import CaseCategory
from lealtad.service.models import Mailbox, SupportGroup
from lealtad.service.services import inbound

_SALT = "lealtad.service.mailbox.password"
log = logging.getLogger(__name__)


class MailboxRefused(DomainError):
    code = "mailbox_refused"
    kind = "invalid"


class MailboxNotFound(DomainError):
    code = "not_found"
    kind = "not_found"


def _keystream(nonce: bytes, length: int) -> bytes:
    key = signing.get_cookie_signer(salt=_SALT).key  # derived from SECRET_KEY
    key_bytes = key.encode() if isinstance(key, str) else bytes(key)
    out = bytearray()
    counter = 0
    while len(out) < length:
        block = nonce + counter.to_bytes(8, "big")
        out += hmac.new(key_bytes, block, hashlib.sha256).digest()
        counter += 1
    return bytes(out[:length])


def seal(password: str) -> str:
    if not password:
        return ""
    nonce = os.urandom(16)
    plain = password.encode()
    cipher = bytes(a ^ b for a, b in zip(plain, _keystream(nonce, len(plain)), strict=True))
    return signing.dumps(base64.b64encode(nonce + cipher).decode(), salt=_SALT)


def unseal(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        raw = base64.b64decode(signing.loads(sealed, salt=_SALT))
    except signing.BadSignature as exc:
        raise MailboxRefused(
            _("The stored IMAP password cannot be read (was the secret key changed?)."),
            field="imap_password",
        ) from exc
    nonce, cipher = raw[:16], raw[16:]
    return bytes(
        a ^ b for a, b in zip(cipher, _keystream(nonce, len(cipher)), strict=True)
    ).decode()


@dataclass
class MailboxSettings:
    address: str
    group: str = ""
    category: str = "other"
    allow_new_customers: bool = False
    imap_host: str = ""
    imap_port: int = 993
    imap_ssl: bool = True
    imap_user: str = ""
    imap_password: str = ""
    folder: str = "INBOX"
    poll_seconds: int = 60
    max_attachment_bytes: int = 20 * 1024 * 1024


def _check(new: MailboxSettings) -> SupportGroup | None:
    if "@" not in new.address or len(new.address) > 254 or new.address != new.address.strip():
        raise MailboxRefused(_("%(a)s is not an e-mail address."), field="address", a=new.address)
    if new.category not in CaseCategory.values:
        raise MailboxRefused(_("There is no category %(c)s."), field="category", c=new.category)
    if new.imap_host and not new.imap_user:
        raise MailboxRefused(_("IMAP polling needs a user."), field="imap_user")
    if not 1 <= new.imap_port <= 65535:
        raise MailboxRefused(_("A port is 1 to 65535."), field="imap_port")
    if new.poll_seconds < 5:
        raise MailboxRefused(_("Poll at most every 5 seconds."), field="poll_seconds")
    if not new.group:
        return None
    group = SupportGroup.objects.filter(name=new.group).first()
    if group is None:
        raise MailboxRefused(_("There is no support group %(g)s."), field="group", g=new.group)
    return group


def save_mailbox(new: MailboxSettings) -> Mailbox:
    """Create the mailbox for an address, or change its settings (an empty password keeps the
    stored one)."""
    group = _check(new)
    with transaction.atomic():
        box = Mailbox.objects.select_for_update().filter(address=new.address.lower()).first()
        box = box or Mailbox(address=new.address.lower())
        box.group = group
        box.category = new.category
        box.allow_new_customers = new.allow_new_customers
        if (box.imap_host, box.imap_user, box.folder) != (new.imap_host, new.imap_user, new.folder):
            box.last_uid = box.uid_validity = 0  # another mailbox: read it from the start
        box.imap_host, box.imap_port, box.imap_ssl = new.imap_host, new.imap_port, new.imap_ssl
        box.imap_user, box.folder = new.imap_user, new.folder
        if new.imap_password:
            box.imap_password = seal(new.imap_password)
        box.poll_seconds = new.poll_seconds
        box.max_attachment_bytes = new.max_attachment_bytes
        box.active = True
        box.save()
    return box


def mailbox_for(address: str) -> Mailbox:
    box = Mailbox.objects.filter(address=address.strip().lower(), active=True).first()
    if box is None:
        raise MailboxNotFound(_("There is no mailbox %(a)s."), field="address", a=address)
    return box


def due_for_poll(now=None) -> list[Mailbox]:
    now = now or timezone.now()
    boxes = Mailbox.objects.filter(active=True).exclude(imap_host="")
    return [b for b in boxes if b.next_poll_at is None or b.next_poll_at <= now]


def polled(box: Mailbox, uid_validity: int, last_uid: int) -> None:
    """Remember how far a mailbox was read; called after the fetched mails are spooled."""
    next_at = timezone.now() + timedelta(seconds=box.poll_seconds)
    Mailbox.objects.filter(pk=box.pk).update(
        uid_validity=uid_validity, last_uid=last_uid, next_poll_at=next_at
    )
    box.uid_validity, box.last_uid, box.next_poll_at = uid_validity, last_uid, next_at


def poll(box: Mailbox, timeout: float = 30.0) -> int:
    """Fetch the mails that arrived since the last UID, spooling each before moving on.

    The folder is opened read-only and nothing is flagged or deleted on the server: the
    last UID (and the folder's UIDVALIDITY, which resets it) says what was read. A crash
    between the spool and the saved UID fetches that mail again, and applying it again is
    a no-op (one inbound row per mailbox and Message-ID).
    """
    client = _imap(box, timeout)
    try:
        kind, _data = client.select(_quoted(box.folder), readonly=True)
        if kind != "OK":
            raise MailboxRefused(_("There is no folder %(f)s."), field="folder", f=box.folder)
        validity = int((client.response("UIDVALIDITY")[1] or [b"0"])[0] or 0)
        start = box.last_uid + 1 if validity == box.uid_validity else 1
        kind, found = client.uid("SEARCH", "UID", f"{start}:*")
        uids = sorted(int(u) for u in (found[0] or b"").split() if int(u) >= start)
        for uid in uids:
            kind, parts = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if kind == "OK" and raw is not None:
                inbound.spool(raw, box, "imap")
            polled(box, validity, uid)
        polled(box, validity, uids[-1] if uids else (box.last_uid if start > 1 else 0))
        return len(uids)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _imap(box: Mailbox, timeout: float) -> imaplib.IMAP4:
    try:
        if box.imap_ssl:
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(box.imap_host, box.imap_port, timeout=timeout)
        else:
            client = imaplib.IMAP4(box.imap_host, box.imap_port, timeout=timeout)
    except OSError as exc:
        raise MailboxRefused(
            _("Cannot reach %(h)s:%(p)s (%(e)s)."),
            field="imap_host",
            code="imap_unreachable",
            h=box.imap_host,
            p=box.imap_port,
            e=exc,
        ) from exc
    try:
        client.login(box.imap_user, unseal(box.imap_password))
    except imaplib.IMAP4.error as exc:
        client.shutdown()
        raise MailboxRefused(
            _("The IMAP server refused the log-in of %(u)s."), field="imap_user", u=box.imap_user
        ) from exc
    return client


def poll_due_mailboxes() -> int:
    """Poll every mailbox whose time has come (the dispatcher's tick); then apply the spool."""
    fetched = 0
    for box in due_for_poll():
        try:
            fetched += poll(box, timeout=10.0)
        except (MailboxRefused, imaplib.IMAP4.error, OSError) as exc:
            log.warning("polling %s failed: %s", box.address, exc)
            polled(box, box.uid_validity, box.last_uid)  # try again at the next interval
    inbound.drain(wait=False)
    return fetched


_last_tick = [0.0]


@hub.before_pass
def poll_due() -> None:
    """The dispatcher's tick: poll the mailboxes that are due, apply what was spooled.

    A busy dispatcher runs many passes a second; looking once a second is enough (the
    shortest poll interval is 5 s)."""
    now = time.monotonic()
    if now - _last_tick[0] < 1.0:
        return
    _last_tick[0] = now
    poll_due_mailboxes()
