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

Batch-first work (:func:`in_batch`) goes further: the leader joins the queued lists of the
same kind into one list and makes one call for all of them, so single events posted by
several clients at once are resolved and written as one batch (one identity query, one
insert per table) instead of paying a batch's fixed cost each. If the joined call raises,
each list is run alone, in its own savepoint, so an error is raised only in the thread whose
items caused it.

PostgreSQL locks rows, so concurrent transactions do not wait for one another there: work
runs in its own transaction in its own thread. Work submitted inside an open transaction runs
in it, as a plain function call.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from django.db import connection, transaction

from lealtad.core.db import writer_turn

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741  (an item of a batch)
R = TypeVar("R")

MAX_GROUP = 32  # pieces of work per commit: a bound on how long a leader's own request waits


class LeaderGone(RuntimeError):
    """The thread leading the group stopped before running this piece of work."""


class _Joinable:
    """A batch-first call's items and function, with what lets the leader join it to others:
    works of equal ``key`` take the same function over lists of the same kind of item."""

    __slots__ = ("apply", "items", "key")

    def __init__(self, key: Hashable, items: list[Any], apply: Callable[[list[Any]], list[Any]]):
        self.key, self.items, self.apply = key, items, apply


class _Work:
    __slots__ = ("call", "context", "done", "error", "join", "lead", "ran", "result", "wake")

    def __init__(self, call: Callable[[], Any], join: _Joinable | None = None) -> None:
        self.call = call
        self.join = join
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
    result: T = _submit(_Work(call))
    return result


def in_batch(key: Hashable, items: Sequence[I], apply: Callable[[list[I]], list[R]]) -> list[R]:
    """``apply(items)`` (one result per item, in order) in a write transaction, as
    :func:`in_group`; on SQLite the leader may join these items with other threads' items of
    the same ``key`` and call ``apply`` once for all, each thread getting its own results.

    ``key`` must name everything the call depends on besides the items (who acts, for the
    audit); the joined call runs in the context of the first thread's work.
    """
    listed = list(items)
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            return apply(listed)
    found: list[R] = _submit(_Work(lambda: apply(listed), _Joinable(key, listed, apply)))
    return found


def _submit(work: _Work) -> Any:
    """Queue the work, lead the group if nobody does, and wait until it is committed."""
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
    return work.result


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
                for run in _runs(group):
                    if len(run) == 1 or not _joined(run):
                        _each(run)
        except Exception as exc:  # the commit itself failed: nothing of the group is kept
            for work in group:
                if work.error is None:
                    work.result, work.error = None, exc


def _runs(group: list[_Work]) -> list[list[_Work]]:
    """Consecutive works of one join key together (a plain work alone), in queue order."""
    runs: list[list[_Work]] = []
    for work in group:
        key = work.join.key if work.join else None
        last = runs[-1][0].join if runs else None
        if key is not None and last is not None and last.key == key:
            runs[-1].append(work)
        else:
            runs.append([work])
    return runs


def _joined(run: list[_Work]) -> bool:
    """One call over the run's items joined, in a savepoint; False (nothing kept) if it
    raised or answered for a different number of items, for the run to go work by work."""
    joins = [w.join for w in run if w.join is not None]
    items = [item for join in joins for item in join.items]
    try:
        with transaction.atomic():
            results = run[0].context.run(joins[0].apply, items)
            if len(results) != len(items):
                raise ValueError("a batch call answered for another number of items")
    except Exception:
        return False
    start = 0
    for work, join in zip(run, joins, strict=True):
        work.result, work.ran = results[start : start + len(join.items)], True
        start += len(join.items)
    return True


def _each(run: list[_Work]) -> None:
    for work in run:
        try:
            with transaction.atomic():
                work.run()
        except Exception as exc:
            work.error = exc
