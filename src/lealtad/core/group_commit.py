"""Group commit: the short write transactions of a process's request threads, committed
together on SQLite.

SQLite has one writer. With a request thread per client, each order took the writer's slot,
wrote a dozen rows, synced the WAL and handed the slot on; meanwhile the slot holder competed
for the GIL with the other threads of its process, which parse and answer requests, so the
slot sat held while its holder waited to run. Writes were serialised at the pace of the
slowest part of a busy process.

Here a thread with writes to make queues them. The first one in line leads: it takes the
writer's slot once for every queued piece of work, runs each in a savepoint of one
transaction and commits once; the others sleep until their work is done. A piece of work that
fails rolls back its own savepoint and its error is raised in its own thread; the others are
committed. Work keeps the submitting thread's context (its language, its request's context
variables) but runs on the leader's database connection, so it must not depend on which
thread runs it, and must be short: every piece in the group waits for the slowest.

PostgreSQL locks rows, so concurrent transactions do not wait for one another there: work
runs in its own transaction in its own thread. Work submitted inside an open transaction runs
in it, as a plain function call.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection, transaction

from lealtad.core.db import writer_turn

T = TypeVar("T")

MAX_GROUP = 32  # pieces of work per commit: a bound on how long a leader's own request waits


class LeaderGone(RuntimeError):
    """The thread leading the group stopped before running this piece of work."""


class _Work:
    __slots__ = ("call", "context", "done", "error", "lead", "ran", "result", "wake")

    def __init__(self, call: Callable[[], Any]) -> None:
        self.call = call
        self.context = contextvars.copy_context()
        self.result: Any = None
        self.error: BaseException | None = None
        self.ran = False
        self.done = False
        self.lead = False
        self.wake = threading.Event()

    def run(self) -> None:
        try:
            self.result = self.context.run(self.call)
        finally:
            self.ran = True


_mutex = threading.Lock()
_queue: list[_Work] = []
_leading = False


def in_group(call: Callable[[], T]) -> T:
    """Run ``call`` in a write transaction and return what it returns, once committed.

    On SQLite the transaction may be shared with other threads' work (committed together);
    the caller sees the same as with ``transaction.atomic()``: its writes are committed when
    this returns, and rolled back if it raises.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            return call()
    work = _Work(call)
    global _leading
    with _mutex:
        _queue.append(work)
        if not _leading:
            _leading = work.lead = True
    while not work.done:
        if work.lead:
            _lead()
        else:
            work.wake.wait()
    if work.error is not None:
        raise work.error
    result: T = work.result
    return result


def _lead() -> None:
    """Run the queue's head (this thread's own work first) as one transaction, then hand the
    lead to the first piece of work that queued meanwhile."""
    global _leading
    with _mutex:
        group = _queue[:MAX_GROUP]
        del _queue[:MAX_GROUP]
    try:
        _commit(group)
    finally:
        with _mutex:
            following = _queue[0] if _queue else None
            if following is None:
                _leading = False
            else:
                following.lead = True
        for work in group:
            if not work.ran and work.error is None:
                work.error = LeaderGone("the group's leader stopped before this work ran")
            work.done = True
            work.wake.set()
        if following is not None:
            following.wake.set()


def _commit(group: list[_Work]) -> None:
    with writer_turn():
        if len(group) == 1:
            try:
                with transaction.atomic():
                    group[0].run()
            except Exception as exc:
                group[0].error = exc
            return
        try:
            with transaction.atomic():
                for work in group:
                    try:
                        with transaction.atomic():
                            work.run()
                    except Exception as exc:
                        work.error = exc
        except Exception as exc:  # the commit itself failed: nothing of the group is kept
            for work in group:
                if work.error is None:
                    work.result, work.error = None, exc
