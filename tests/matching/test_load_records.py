"""Reading the base for the batch commands: the same batch from one process or several."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np
import pytest

from lealtad.customers import dedupe
from lealtad.customers.models import Customer
from tests.matching.test_dedupe_django import _load


@contextmanager
def another_thread_running() -> Iterator[None]:
    """A fork would copy this thread's locks mid-flight: the workers must be spawned."""
    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@pytest.mark.parametrize("threads", ["alone", "beside another thread"])
@pytest.mark.django_db(transaction=True)  # the other processes read what this one wrote
def test_several_processes_read_the_same_batch_as_one(monkeypatch: Any, threads: str) -> None:
    _load(60)
    Customer.objects.filter(pk=Customer.objects.order_by("pk")[5].pk).update(kind="organization")
    monkeypatch.setattr(dedupe, "PARALLEL_FROM", 10)
    alone = dedupe.load_records(workers=1)
    said: list[str] = []
    with another_thread_running() if threads != "alone" else nullcontext():
        together = dedupe.load_records(said.append, workers=3)
    assert said == ["reading the base in 3 processes"]
    assert len(alone) == Customer.objects.filter(kind="person").count()
    np.testing.assert_array_equal(alone.keys, together.keys)
    for name, column in alone.columns.items():
        np.testing.assert_array_equal(column, together.columns[name], err_msg=name)
    people = list(dedupe.iter_people(after=int(alone.keys[9]), until=int(alone.keys[19])))
    assert [p.key for p in people] == alone.keys[10:20].tolist()
