"""Inbound mail: spooled to disk before it is acknowledged, then applied exactly once.

The listener and the IMAP poller only call :func:`spool` (write, fsync, rename) and answer the
sender or advance the UID after it returned, so a mail acknowledged is on disk. :func:`drain`
applies the spool in arrival order, one process at a time (a lock file the kernel releases when
a worker dies), each mail in one transaction that writes its ``InboundMail`` row, unique per
mailbox and Message-ID; the file is removed after the commit. A worker killed at any point
leaves either the file (applied again: the row says it was, or the transaction never
committed) or nothing to do: no mail lost, none applied twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from lealtad.service.models import InboundMail, Mailbox
from lealtad.service.services import mail_apply
from lealtad.service_engine.mail.errors import MailRefused

log = logging.getLogger(__name__)


def spool_root() -> Path:
    return Path(settings.LEALTAD_HOME) / "service" / "mail-spool"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def spool(raw: bytes, mailbox: Mailbox, via: str = "smtp") -> Path:
    """Put one raw mail on disk for good; only then may the caller acknowledge it."""
    root = spool_root()
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    (root / "new").mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(raw).hexdigest()
    name = f"{time.time_ns():020d}-{mailbox.pk}-{via}-{digest[:20]}.eml"
    tmp = root / "tmp" / name
    with open(tmp, "wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    final = root / "new" / name
    os.replace(tmp, final)
    _fsync_dir(final.parent)
    return final


def pending() -> list[Path]:
    folder = spool_root() / "new"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


@contextmanager
def _applier_lock(wait: bool) -> Iterator[bool]:
    root = spool_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "apply.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Spooled:
    path: Path
    received_at: datetime
    mailbox_id: int
    via: str


def _spooled(path: Path) -> Spooled:
    stamp, box, via, _digest = path.stem.split("-", 3)
    received = datetime.fromtimestamp(int(stamp) / 1e9, tz=UTC)
    return Spooled(path, received, int(box), via)


def drain(limit: int | None = None, wait: bool = True) -> Counter[str]:
    """Apply what is spooled, oldest first; returns how many mails got each decision."""
    done: Counter[str] = Counter()
    if not pending():
        return done  # the dispatcher's tick: no lock file, no directory, when there is nothing
    with _applier_lock(wait) as mine:
        if not mine:
            return done  # another process is applying the spool
        boxes: dict[int, Mailbox] = {}
        for path in pending()[:limit]:
            item = _spooled(path)
            box = boxes.get(item.mailbox_id) or Mailbox.objects.get(pk=item.mailbox_id)
            boxes[box.pk] = box
            done[apply_file(item, box)] += 1
    return done


def apply_file(item: Spooled, box: Mailbox) -> str:
    raw = item.path.read_bytes()
    try:
        decision = apply(raw, box, item.via, item.received_at)
    except (OperationalError, InterfaceError, OSError):
        raise  # the database or the disk, not the mail: the file stays for the next drain
    except Exception as exc:  # a mail that cannot be applied is logged, never dropped
        log.exception("inbound mail %s could not be applied", item.path.name)
        decision = _failed(raw, box, item, exc)
    item.path.unlink(missing_ok=True)
    _fsync_dir(item.path.parent)
    return decision


def _failed(raw: bytes, box: Mailbox, item: Spooled, exc: Exception) -> str:
    """Keep the file beside the spool and a FAILED row naming it, for a person to look at."""
    kept = spool_root() / "failed" / item.path.name
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(raw)
    digest = hashlib.sha256(raw).hexdigest()
    now = timezone.now()
    try:
        with transaction.atomic():
            InboundMail.objects.create(
                mailbox=box,
                message_id=f"<failed-{digest}@lealtad.invalid>",
                sha256=digest,
                received_at=item.received_at,
                applied_at=now,
                decision="failed",
                reason=mail_apply.why(_refusal(exc), kept.name),
                via=item.via,
            )
    except IntegrityError:
        pass  # logged already by an earlier attempt
    return "failed"


def _refusal(exc: Exception) -> str:
    """The mail core's own refusal by its code (``too_large``); anything else is ``failed``:
    its text is in the log, not on the page, where it would be another language's jargon."""
    return exc.code if isinstance(exc, MailRefused) else "failed"


def apply(raw: bytes, box: Mailbox, via: str = "smtp", received_at: datetime | None = None) -> str:
    """Apply one mail in one transaction; a mail already applied answers ``duplicate``."""
    received_at = received_at or timezone.now()
    read = mail_apply.read(raw, box)
    try:
        with transaction.atomic():
            if InboundMail.objects.filter(mailbox=box, message_id=read.message_id).exists():
                return "duplicate"
            outcome = mail_apply.decide_and_write(read, box, received_at)
            InboundMail.objects.create(
                mailbox=box,
                message_id=read.message_id,
                sha256=read.sha256,
                sender=read.sender[:254],
                subject=read.subject[:200],
                received_at=received_at,
                applied_at=timezone.now(),
                decision=outcome.decision,
                reason=outcome.reason[:2000],
                via=via,
                case_id=outcome.case_id,
                entry_id=outcome.entry_id,
                needs_triage=outcome.needs_triage,
                conversation=mail_apply.conversation(read),
            )
    except IntegrityError:
        # Another process applied the same mail between our check and our insert.
        if InboundMail.objects.filter(mailbox=box, message_id=read.message_id).exists():
            return "duplicate"
        raise
    return outcome.decision
