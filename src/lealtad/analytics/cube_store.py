"""The process's one cube: a DuckDB connection over the fact store under
``LEALTAD_HOME/analytics/facts``. Beside services and selectors (both use it) so neither
imports the other."""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from lealtad.olap.engine import Cube
from lealtad.olap.store import FactStore

_lock = threading.Lock()
_cubes: dict[Path, Cube] = {}


def facts_root() -> Path:
    return Path(settings.LEALTAD_HOME) / "analytics" / "facts"


def cube() -> Cube:
    """The cube over the current home's facts (one per home: tests switch homes)."""
    root = facts_root()
    with _lock:
        found = _cubes.get(root)
        if found is None:
            found = _cubes[root] = Cube(FactStore(root))
        return found


def store() -> FactStore:
    return cube().store


def close_all() -> None:
    """Close and forget every home's cube. A process that leaves a home (each test has its
    own) must not keep that home's DuckDB connection and its worker threads: a test run
    once gathered 900 of them, and a fork among so many threads hung."""
    with _lock:
        found = list(_cubes.values())
        _cubes.clear()
    for each in found:
        each.close()
