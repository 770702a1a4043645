"""Owner-only files for everything holding personal data.

Settings set the process umask to 077, so whatever Lealtad creates (the SQLite file and its
-wal and -shm, the secret key, exports, connector folders, the identity model) is readable by
its owner only. Files made by an older version or by hand keep their mode; the database's are
corrected here when Django opens its connection.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

OWNER_ONLY = 0o600


def restrict_sqlite_files(sender: Any, connection: Any, **_: Any) -> None:
    """On connect: the SQLite database and its journal files to 0600 (PostgreSQL: nothing)."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for path in (Path(name), Path(f"{name}-wal"), Path(f"{name}-shm")):
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(OWNER_ONLY)
        except FileNotFoundError:
            continue
