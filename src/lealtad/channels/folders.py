"""Every folder a connector reads or writes stays inside the connector data directory.

A connector's YAML, an admin or an API caller names folders; Lealtad then reads every file in
them and moves or appends to files there. A folder such as ``~/x``, ``../x``, ``/etc`` or a
symbolic link leading out of ``LEALTAD_CONNECTOR_DATA_DIR`` would let that text reach any file
the server can read or write. So a folder is checked when it is configured (connector file,
admin form, API) and again each time it is used (a link can be planted later): the path is
resolved, links included, and must stay under the data directory. Files found in a folder are
resolved the same way; a link leading out is skipped, never followed.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from django.conf import settings

from lealtad.core.errors import DomainError


class FolderRefused(DomainError):
    """The folder would lead out of the connector data directory; the message says why.

    In English, not translated: it is quoted inside connectors' problem reports and file
    reports, which operators read in the connector file's own terms."""

    code = "folder_refused"


def data_root() -> Path:
    configured = getattr(settings, "LEALTAD_CONNECTOR_DATA_DIR", None)
    return Path(configured) if configured else Path(settings.LEALTAD_HOME) / "connector-data"


def check_syntax(given: str) -> None:
    """What can be refused from the text alone (also used where no data directory is known)."""
    text = given.strip()
    if not text:
        raise FolderRefused("a folder is required")
    if text.startswith("~"):
        raise FolderRefused(
            f"{given!r}: '~' (a home directory) is not allowed; "
            "name a folder inside the connector data directory"
        )
    if "\\" in text or any(ord(c) < 32 for c in text):
        raise FolderRefused(f"{given!r}: backslashes and control characters are not allowed")
    if ".." in PurePosixPath(text).parts:
        raise FolderRefused(f"{given!r}: '..' is not allowed; name a folder below the base")


def confine(given: str, base: Path) -> Path:
    """The real folder ``given`` names (relative to ``base``, or absolute), links resolved;
    :class:`FolderRefused` unless it lies inside the connector data directory."""
    check_syntax(given)
    path = Path(given.strip())
    root = data_root().resolve()
    resolved = (path if path.is_absolute() else base / path).resolve()
    if not resolved.is_relative_to(root):
        raise FolderRefused(
            f"{given!r} leads to {resolved}, outside the connector data directory {root}"
        )
    return resolved


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (a file found in ``folder``), links resolved, is still inside it."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False
