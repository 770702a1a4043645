"""Reading the base for the batch commands: the same batch from one process or several."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from lealtad.customers import dedupe
from lealtad.customers.models import Customer
from tests.matching.test_dedupe_django import _load


@pytest.mark.django_db(transaction=True)  # the other processes read what this one wrote
def test_several_processes_read_the_same_batch_as_one(monkeypatch: Any) -> None:
    _load(60)
    Customer.objects.filter(pk=Customer.objects.order_by("pk")[5].pk).update(kind="organization")
    monkeypatch.setattr(dedupe, "PARALLEL_FROM", 10)
    alone = dedupe.load_records(workers=1)
    said: list[str] = []
    together = dedupe.load_records(said.append, workers=3)
    assert said == ["reading the base in 3 processes"]
    assert len(alone) == Customer.objects.filter(kind="person").count()
    np.testing.assert_array_equal(alone.keys, together.keys)
    for name, column in alone.columns.items():
        np.testing.assert_array_equal(column, together.columns[name], err_msg=name)
    people = list(dedupe.iter_people(after=int(alone.keys[9]), until=int(alone.keys[19])))
    assert [p.key for p in people] == alone.keys[10:20].tolist()
