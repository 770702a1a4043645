"""Files on a case's history: those a customer mailed and those an agent sent with a reply.

Both are kept the same way, named by their SHA-256 under the data directory
(``LEALTAD_HOME/service/attachments/<2 hex>/<sha256>``), so the same file twice is stored once
and a row only points at it. An agent's upload is checked whole before anything is written: a
file over the limit a mailbox keeps, or with no name, refuses the reply and names the file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from lealtad.core.errors import DomainError
from lealtad.service.models import Attachment, Case, CaseEntry, Mailbox

DEFAULT_LIMIT = int(Mailbox._meta.get_field("max_attachment_bytes").default)
MAX_FILES = 10


class AttachmentRefused(DomainError):
    code = "attachment_refused"
    kind = "invalid"


class Upload(Protocol):
    """What Django's ``UploadedFile`` offers and the reply needs."""

    name: str | None
    size: int | None
    content_type: str | None

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]: ...


@dataclass(frozen=True)
class Kept:
    """An upload written to the store: what its ``Attachment`` row says."""

    filename: str
    content_type: str
    size: int
    sha256: str
    stored: str


def attachments_root() -> Path:
    return Path(settings.LEALTAD_HOME) / "service" / "attachments"


def store(data: bytes, sha256: str) -> str:
    """Files are named by their hash: the same file twice is stored once."""
    path = attachments_root() / sha256[:2] / sha256
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    return str(path.relative_to(settings.LEALTAD_HOME))


def path_of(attachment: Attachment) -> Path | None:
    """Where the file lies, or None when only its description was kept (over the limit)."""
    if not attachment.stored:
        return None
    path = Path(settings.LEALTAD_HOME) / attachment.stored
    return path if path.is_file() else None


def limit_for(case: Case) -> int:
    """The largest file a reply on ``case`` may carry: what its mailbox keeps of an inbound
    mail (the mailbox the case came by, else its group's), else the mailboxes' default."""
    opened = case.entries.order_by("id").values_list("data", flat=True).first() or {}
    address = str(opened.get("mailbox", "")) if isinstance(opened, dict) else ""
    boxes = Mailbox.objects.filter(active=True)
    box = boxes.filter(address=address).first() if address else None
    if box is None and case.group_id is not None:
        box = boxes.filter(group_id=case.group_id).first()
    return int(box.max_attachment_bytes) if box is not None else DEFAULT_LIMIT


def check(uploads: Iterable[Upload], limit: int) -> list[Upload]:
    """Every file named and under the limit, or a refusal naming the first that is not."""
    files = list(uploads)
    if len(files) > MAX_FILES:
        raise AttachmentRefused(
            _("At most %(n)s files with one reply."), field="files", n=MAX_FILES
        )
    for upload in files:
        name = _name(upload)
        if not name:
            raise AttachmentRefused(_("A file has no name."), field="files")
        if (upload.size or 0) > limit:
            raise AttachmentRefused(
                _("%(file)s is %(size)s bytes; the most a reply may carry is %(limit)s bytes."),
                field="files",
                file=name,
                size=upload.size,
                limit=limit,
            )
    return files


def _name(upload: Upload) -> str:
    """The file's own name, never a path (it names the download, not a file on disk)."""
    bare = os.path.basename((upload.name or "").replace("\\", "/"))
    bare = "".join(ch for ch in bare if ch.isprintable()).strip()
    return "" if bare in (".", "..") else bare[:255]


def write(upload: Upload, limit: int) -> Kept:
    """Hash while copying to a temporary file, then move it into the store (a file that grew
    past the limit while it was read is refused; nothing is kept of it)."""
    root = attachments_root()
    root.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=root, suffix=".upload", delete=False) as handle:
        try:
            for chunk in upload.chunks():
                size += len(chunk)
                if size > limit:
                    raise AttachmentRefused(
                        _("%(file)s is larger than %(limit)s bytes."),
                        field="files",
                        file=_name(upload),
                        limit=limit,
                    )
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            os.unlink(handle.name)
            raise
    sha256 = digest.hexdigest()
    final = root / sha256[:2] / sha256
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(handle.name, final)
    kind = (upload.content_type or "application/octet-stream")[:120]
    stored = str(final.relative_to(settings.LEALTAD_HOME))
    return Kept(_name(upload), kind, size, sha256, stored)


def attach(entry: CaseEntry, kept: Iterable[Kept]) -> list[Attachment]:
    """The rows for files already in the store (inside the caller's transaction)."""
    rows = [
        Attachment(
            entry=entry,
            filename=k.filename,
            content_type=k.content_type,
            size=k.size,
            sha256=k.sha256,
            stored=k.stored,
        )
        for k in kept
    ]
    return Attachment.objects.bulk_create(rows)
