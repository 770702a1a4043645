"""Group commit: each thread's work is committed, or rolled back alone, and answered in its
own thread, whether it ran in a group or by itself."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.core import group_commit, hub
from lealtad.core.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)


def _stored(prefix: str) -> set[str]:
    return set(
        OutboxMessage.objects.filter(event_id__startswith=prefix).values_list("event_id", flat=True)
    )


def _write(event_id: str, fail: bool = False) -> Callable[[], str]:
    def work() -> str:
        hub.publish("test.grouped", {"id": event_id}, event_id=event_id)
        if fail:
            raise ValueError(f"refused {event_id}")
        return event_id

    return work


def _submit_all(works: list[Callable[[], Any]], hold_first: bool = True) -> list[Any]:
    """Submit each work from its own thread; with ``hold_first`` the first one (the leader)
    waits until the others have queued, so they are committed as one group."""
    outcome: list[Any] = [None] * len(works)

    def held(work: Callable[[], Any]) -> Callable[[], Any]:
        def first() -> Any:
            # Only SQLite groups; elsewhere nothing queues, and waiting would only run out.
            deadline = time.monotonic() + (10 if connection.vendor == "sqlite" else 0)
            while len(group_commit._queue) < len(works) - 1 and time.monotonic() < deadline:
                time.sleep(0.005)
            return work()

        return first

    def client(n: int, work: Callable[[], Any]) -> None:
        try:
            outcome[n] = group_commit.in_group(work)
        except Exception as exc:
            outcome[n] = exc
        finally:
            connection.close()

    first = held(works[0]) if hold_first else works[0]
    _run_clients(client, [(0, first), *((n, w) for n, w in enumerate(works) if n)], hold_first)
    return outcome


def _run_clients(client: Callable[..., None], args: list[tuple[Any, ...]], lead: bool) -> None:
    """Each client in its own thread; with ``lead``, the first has taken the lead on SQLite
    before the others start, so they queue behind it."""
    first = threading.Thread(target=client, args=args[0])
    first.start()
    if lead and connection.vendor == "sqlite":
        while not group_commit._leading:
            time.sleep(0.001)
    others = [threading.Thread(target=client, args=a) for a in args[1:]]
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join(timeout=60)


def test_work_queued_while_a_group_commits_is_committed_together_next():
    ran_in: dict[str, int] = {}

    def noting(event_id: str) -> Callable[[], str]:
        def work() -> str:
            ran_in[event_id] = threading.get_ident()
            return _write(event_id)()

        return work

    outcome = _submit_all([noting(f"g1-{n}") for n in range(6)])
    assert outcome == [f"g1-{n}" for n in range(6)]
    assert _stored("g1-") == {f"g1-{n}" for n in range(6)}
    if connection.vendor == "sqlite":  # the next leader ran all five queued meanwhile
        assert len({ran_in[f"g1-{n}"] for n in range(1, 6)}) == 1


def test_a_failing_work_rolls_back_alone_and_raises_in_its_own_thread():
    works = [_write(f"g2-{n}", fail=n == 2) for n in range(5)]
    outcome = _submit_all(works)
    assert isinstance(outcome[2], ValueError) and str(outcome[2]) == "refused g2-2"
    assert [o for n, o in enumerate(outcome) if n != 2] == ["g2-0", "g2-1", "g2-3", "g2-4"]
    assert _stored("g2-") == {"g2-0", "g2-1", "g2-3", "g2-4"}


def test_the_leaders_own_failure_does_not_lose_the_group():
    outcome = _submit_all([_write(f"g3-{n}", fail=n == 0) for n in range(4)])
    assert isinstance(outcome[0], ValueError)
    assert outcome[1:] == ["g3-1", "g3-2", "g3-3"]
    assert _stored("g3-") == {"g3-1", "g3-2", "g3-3"}


def test_work_runs_in_the_submitting_threads_language():
    def language() -> str:
        return translation.get_language()

    def in_language(code: str) -> Callable[[], str]:
        def work() -> str:
            with translation.override(code):
                return group_commit.in_group(language)

        return work

    outcome = _submit_all([in_language(c) for c in ("es", "en", "es", "en")], hold_first=False)
    assert outcome == ["es", "en", "es", "en"]


def test_inside_an_open_transaction_work_is_part_of_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert group_commit.in_group(_write("g5-0")) == "g5-0"
        raise RuntimeError("roll everything back")
    assert _stored("g5-") == set()
    assert group_commit.in_group(_write("g5-1")) == "g5-1"
    assert _stored("g5-") == {"g5-1"}


_run = iter(range(10**6))


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.booleans(), min_size=1, max_size=10))
def test_any_mix_of_failures_keeps_exactly_the_work_that_succeeded(fails: list[bool]):
    prefix = f"h{next(_run)}-"
    works = [_write(f"{prefix}{n}", fail=f) for n, f in enumerate(fails)]
    outcome = _submit_all(works, hold_first=len(works) > 1)
    for n, failed in enumerate(fails):
        if failed:
            assert isinstance(outcome[n], ValueError)
        else:
            assert outcome[n] == f"{prefix}{n}"
    assert _stored(prefix) == {f"{prefix}{n}" for n, f in enumerate(fails) if not f}
    assert not group_commit._queue and not group_commit._leading


# Batch-first work: lists of the same kind joined into one call -------------------------------


def _publish_each(calls: list[list[str]]) -> Callable[[list[str]], list[str]]:
    """A batch-first use case: publishes each item, answers each item's own result; an item
    starting with "bad" refuses the whole call, as a batch service does."""

    def apply(items: list[str]) -> list[str]:
        calls.append(list(items))
        for item in items:
            if item.startswith("bad"):
                raise ValueError(f"refused {item}")
            hub.publish("test.batched", {"id": item}, event_id=item)
        return [f"done:{item}" for item in items]

    return apply


def _submit_batches(batches: list[tuple[str, list[str]]], apply: Callable) -> list[Any]:
    """Each (key, items) from its own thread, the first (the leader) held until the others
    queued, so the leader finds them all in line."""
    outcome: list[Any] = [None] * len(batches)
    held = threading.Event()

    def client(n: int, key: str, items: list[str]) -> None:
        def run(joined: list[str]) -> list[str]:
            if n == 0 and not held.is_set() and connection.vendor == "sqlite":
                deadline = time.monotonic() + 10
                while len(group_commit._queue) < len(batches) - 1 and time.monotonic() < deadline:
                    time.sleep(0.005)
                held.set()
            return apply(joined)

        try:
            outcome[n] = group_commit.in_batch(key, items, run)
        except Exception as exc:
            outcome[n] = exc
        finally:
            connection.close()

    _run_clients(client, [(n, *b) for n, b in enumerate(batches)], lead=True)
    return outcome


def test_lists_of_one_kind_queued_together_are_one_call_each_answered_its_own():
    calls: list[list[str]] = []
    batches = [("ingest", ["a0"]), ("ingest", ["b0", "b1"]), ("ingest", ["c0"])]
    outcome = _submit_batches(batches, _publish_each(calls))
    assert outcome == [["done:a0"], ["done:b0", "done:b1"], ["done:c0"]]
    assert _stored("") >= {"a0", "b0", "b1", "c0"}
    if connection.vendor == "sqlite":  # PostgreSQL runs each in its own transaction
        assert calls[-1] == ["b0", "b1", "c0"]  # the two queued behind the leader, joined
        assert len(calls) == 2


def test_a_joined_call_that_fails_runs_each_list_alone_and_fails_only_its_own():
    calls: list[list[str]] = []
    batches = [("ingest", ["x0"]), ("ingest", ["y0"]), ("ingest", ["bad-z"]), ("ingest", ["w0"])]
    outcome = _submit_batches(batches, _publish_each(calls))
    assert outcome[:2] == [["done:x0"], ["done:y0"]] and outcome[3] == ["done:w0"]
    assert isinstance(outcome[2], ValueError) and "bad-z" in str(outcome[2])
    assert _stored("") & {"x0", "y0", "w0", "bad-z"} == {"x0", "y0", "w0"}


def test_lists_of_different_kinds_are_never_joined():
    calls: list[list[str]] = []
    batches = [("one", ["p0"]), ("one", ["p1"]), ("two", ["q0"]), ("one", ["p2"])]
    outcome = _submit_batches(batches, _publish_each(calls))
    assert outcome == [["done:p0"], ["done:p1"], ["done:q0"], ["done:p2"]]
    assert all(len({item[0] for item in call}) == 1 for call in calls)  # no call mixes kinds
