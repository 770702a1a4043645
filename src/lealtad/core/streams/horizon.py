"""Which outbox messages the relay may publish now, so that it never skips one.

The relay publishes in outbox id order and records only the highest id published. That is
safe only if no message with a lower id can still appear once it has moved past it. An id is
taken when the row is inserted, but the row shows only when its transaction commits:

- **SQLite** has one writer at a time, and ids are taken inside its turn: when a row is
  visible, every lower id is visible too, or was rolled back (or removed by retention). A
  missing id below a visible one never comes: publish everything that is there.
- **PostgreSQL** commits concurrent transactions in any order: id 10 may still be running
  while 11 is committed. At a missing id below a visible one the relay stops and waits until
  either the row shows (the usual case, a pass later) or it is certain the id was rolled back:
  every write transaction of this database running :data:`GAP_GRACE_SECONDS` after the gap
  was first seen has finished (its xid lock in ``pg_locks`` is gone) and the id is still
  missing. The grace covers the moment between an insert taking its id from the sequence and
  its transaction getting an xid; it assumes outbox ids are taken by the INSERT that writes
  the row, never reserved ahead.

Waiting costs nothing when there is no gap; a rolled-back outbox insert delays the stream by
the grace and the length of the transactions that were running then.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from django.db import connection

from lealtad.core.models import OutboxMessage

GAP_GRACE_SECONDS = 2.0


class Horizon(Protocol):
    def publishable(self, position: int, limit: int) -> list[OutboxMessage]:
        """Up to ``limit`` messages after ``position``, in id order, none skipped."""


def _after(position: int, limit: int) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(pk__gt=position).defer("dispatched_at").order_by("pk")[:limit]
    )


class SerialHorizon:
    """One writer at a time (SQLite): every message visible may go."""

    def publishable(self, position: int, limit: int) -> list[OutboxMessage]:
        return _after(position, limit)


@dataclass
class _Gap:
    """A missing id seen below a visible one, and what must finish before it is given up."""

    start: int  # the first missing id
    seen_at: float
    through: int  # the highest id visible then: every missing id below it was taken already
    xids: tuple[str, ...] = ()  # write transactions running a grace after it was seen


class InFlightHorizon:
    """Concurrent writers (PostgreSQL): stop at a gap until it fills or is surely rolled back."""

    def __init__(self, grace: float = GAP_GRACE_SECONDS) -> None:
        self.grace = grace
        self._gap: _Gap | None = None

    def publishable(self, position: int, limit: int) -> list[OutboxMessage]:
        settled = self._settled()  # before reading: what finished by then is visible to the read
        rows = _after(position, limit)
        ready: list[OutboxMessage] = []
        expected = position + 1
        for row in rows:
            if row.pk != expected and row.pk > settled:
                self._watch(expected, rows[-1].pk)
                break
            ready.append(row)
            expected = row.pk + 1
        if self._gap is not None and expected > self._gap.through:
            self._gap = None  # passed: nothing left below it to wait for
        return ready

    def _settled(self) -> int:
        """Missing ids below this are rolled back for sure (0: none known yet)."""
        gap = self._gap
        if gap is None or not gap.xids or _any_running(gap.xids):
            return 0
        return gap.through

    def _watch(self, start: int, visible: int) -> None:
        """Remember a new gap; a grace later, the write transactions running then (any
        transaction holding a missing id below ``visible`` had taken it before it was seen,
        so by then it has an xid, or has finished)."""
        gap = self._gap
        if gap is None or gap.start != start:
            self._gap = _Gap(start, time.monotonic(), visible)
        elif not gap.xids and time.monotonic() - gap.seen_at >= self.grace:
            gap.xids = _running_xids() or ("0",)  # "0": none was running


# Every transaction holds the lock on its own xid until it ends; pg_locks is readable by any
# role (pg_stat_activity hides other roles' xids), and only this database's sessions count.
_RUNNING = """
    SELECT l.transactionid::text FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted
      AND a.datname = current_database() AND l.pid <> pg_backend_pid()
"""


def _running_xids() -> tuple[str, ...]:
    """The transactions with writes running now in this database (this session's excepted)."""
    with connection.cursor() as cursor:
        cursor.execute(_RUNNING)
        return tuple(row[0] for row in cursor.fetchall())


def _any_running(xids: tuple[str, ...]) -> bool:
    wanted = set(xids) - {"0"}
    return bool(wanted) and not wanted.isdisjoint(_running_xids())


def horizon_for_database(grace: float = GAP_GRACE_SECONDS) -> Horizon:
    return InFlightHorizon(grace) if connection.vendor == "postgresql" else SerialHorizon()
