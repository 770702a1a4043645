"""One relay pass at a time per stream, across every process and machine.

Each ``lealtad serve`` (and ``lealtad dispatch``) runs a relay, and several may run against
one database. Two passes at once would each read the same position and publish the same
messages; the stream would refuse the second copy, but the loser would stop on the conflict.
So a pass takes a turn first and a relay that does not get it skips the pass. PostgreSQL: a
session advisory lock, which the server drops if the process dies. SQLite (one machine): an
advisory lock on a file beside the database, which the kernel drops likewise.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection


def _key(stream: str) -> int:
    """A signed 64-bit advisory-lock key for the stream's name."""
    digest = hashlib.sha256(f"lealtad-relay:{stream}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def relay_turn(stream: str) -> Iterator[bool]:
    """Yield True when this pass may publish to ``stream``, False when another relay is on."""
    if connection.vendor == "postgresql":
        with _postgres_turn(_key(stream)) as mine:
            yield mine
    else:
        with _file_turn(_key(stream)) as mine:
            yield mine


@contextmanager
def _postgres_turn(key: int) -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        mine = bool(cursor.fetchone()[0])
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextmanager
def _file_turn(key: int) -> Iterator[bool]:
    database = Path(str(connection.settings_dict["NAME"]))
    path = database.parent / f".{database.name}.relay-{key & 0xFFFFFFFF:08x}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
