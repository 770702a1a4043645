"""Where connectors come from: YAML files and the folders they may use.

Connectors are YAML files (``*.yaml``/``*.yml``) in ``LEALTAD_CONNECTORS_DIR`` (default
``$LEALTAD_HOME/connectors``), re-read when a file changes; a file that does not load, or
names a folder outside the connector data directory, is left out and listed in
:func:`problems`. How the database and the hub follow them is
:mod:`lealtad.channels.connectors.subscribers` (it needs the outbound delivery, which needs
this module: kept apart, neither imports the other back).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from lealtad.channels import folders
from lealtad.channels.connectors.spec import Connector, ConnectorError, load_connector

log = logging.getLogger(__name__)
SUBSCRIPTIONS_DIR = "_subscriptions"
_lock = threading.RLock()


def connectors_dir() -> Path:
    configured = getattr(settings, "LEALTAD_CONNECTORS_DIR", None)
    return Path(configured) if configured else Path(settings.LEALTAD_HOME) / "connectors"


def data_dir(connector: Connector) -> Path:
    """Where a connector's relative folders live."""
    return folders.data_root() / connector.name


def folder(connector: Connector, path: str) -> Path:
    """The real folder a connector's ``path`` names, checked each time it is used: a link
    planted since the connector was loaded is refused too (:class:`FolderRefused`)."""
    return folders.confine(path, data_dir(connector))


def describe_folder(connector: Connector, path: str) -> str:
    """The folder for display: where it is, or why it is refused."""
    try:
        return str(folder(connector, path))
    except folders.FolderRefused as exc:
        return f"refused: {exc}"


def _folder_problems(connector: Connector, source: str) -> list[str]:
    """Every file folder of a connector that leads out of the data directory."""
    named = [(f"inbound {s.name}", s.folder) for s in connector.inbound if s.kind == "file"]
    named += [(f"outbound {o.name}", o.folder) for o in connector.outbound if o.kind == "file"]
    problems = []
    for where, path in named:
        try:
            folder(connector, path)
        except folders.FolderRefused as exc:
            problems.append(f"{source}: {where}: folder {exc}")
    return problems


# Loading -----------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    key: tuple
    connectors: dict[str, Connector]
    problems: list[str]


_loaded = _Loaded(key=(), connectors={}, problems=[])


def _files() -> list[Path]:
    where = connectors_dir()
    if not where.is_dir():
        return []
    return sorted(p for p in where.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _load() -> _Loaded:
    global _loaded
    files = _files()
    key = (str(connectors_dir()), *((str(p), p.stat().st_mtime_ns) for p in files))
    with _lock:
        if key == _loaded.key:
            return _loaded
        found: dict[str, Connector] = {}
        problems: list[str] = []
        for path in files:
            try:
                connector = load_connector(path.read_text(encoding="utf-8"), str(path))
            except (ConnectorError, OSError, UnicodeDecodeError) as exc:
                problems.extend(getattr(exc, "problems", [f"{path}: {exc}"]))
                continue
            if refused := _folder_problems(connector, str(path)):
                problems.extend(refused)
                continue
            if connector.name in found:
                problems.append(f"{path}: name {connector.name!r} is used by another file")
                continue
            found[connector.name] = connector
        for problem in problems:
            log.warning("connector not loaded: %s", problem)
        _loaded = _Loaded(key, found, problems)
        return _loaded


def loaded() -> _Loaded:
    """The connectors as read now, with the key (the files and their times) they were read at."""
    return _load()


def all_connectors() -> dict[str, Connector]:
    return dict(_load().connectors)


def get(name: str) -> Connector | None:
    return _load().connectors.get(name)


def problems() -> list[str]:
    return list(_load().problems)


# Syncing -----------------------------------------------------------------------------------------


def forget() -> None:
    """Drop the loaded connectors (tests change the directory under us)."""
    global _loaded
    with _lock:
        _loaded = _Loaded(key=(), connectors={}, problems=[])


def folder_for_subscription(path: str) -> Path:
    """A file subscription with no connector writes under ``connector-data/_subscriptions``
    (checked as :func:`folder` is)."""
    return folders.confine(path, folders.data_root() / SUBSCRIPTIONS_DIR)
