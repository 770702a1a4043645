"""The identity index is made ready before an ingest's write transaction, never inside it.

At a million customers a cold index takes a minute (or a wait on the process building the
shared snapshot). Made ready inside the transaction, on SQLite it held the one write slot and
the other server process's events failed with "database is locked" (found by
``benchmarks/run_all.py`` on a 1,000,000-customer base)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from lealtad.channels import services as channel_services
from lealtad.core.audit import Actor
from lealtad.customers import dedupe, realtime
from lealtad.customers.models import Customer
from tests.api_fixtures import make_event
from tests.matching.test_dedupe_django import _load

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def trained(settings: Any, tmp_path: Path) -> None:
    settings.LEALTAD_HOME = tmp_path
    settings.LEALTAD_IDENTITY_REALTIME = True
    _load(60)
    dedupe.train_model()
    realtime.reset()  # cold, as in a server process that has just started


@pytest.fixture
def index_loads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether a transaction was open each time the index was loaded."""
    seen: list[bool] = []
    load = realtime._shared_index

    def recorded(*args: Any) -> Any:
        seen.append(connection.in_atomic_block)
        return load(*args)

    monkeypatch.setattr(realtime, "_shared_index", recorded)
    return seen


def _stranger(event_id: str, event_type: str = "customer.upserted") -> dict[str, Any]:
    payload: dict[str, Any] = {"birth_date": "1950-01-01"}
    if event_type == "interaction.recorded":
        payload = {"subject": "Consulta", "direction": "inbound"}
    return make_event(
        event_id,
        type=event_type,
        channel="web",
        customer={"name": "Wilmer Yánez Chuquimarca"},
        payload=payload,
    )


@pytest.mark.parametrize("event_type", ["customer.upserted", "interaction.recorded"])
def test_a_cold_index_is_loaded_before_the_write_transaction(trained, index_loads, event_type):
    before = Customer.objects.count()
    [result] = channel_services.ingest([_stranger("cold-1", event_type)], Actor("test"))
    assert result.status == "created", result
    assert Customer.objects.count() == before + 1
    assert index_loads == [False]  # loaded once, with no transaction open


def test_a_warm_index_is_not_loaded_again(trained, index_loads):
    channel_services.ingest([_stranger("warm-1")], Actor("test"))
    channel_services.ingest([_stranger("warm-2")], Actor("test"))
    assert index_loads == [False]


def test_an_event_rejected_at_the_edge_loads_nothing(trained, index_loads):
    [result] = channel_services.ingest([{"id": "bad-1", "type": "nope"}], Actor("test"))
    assert result.status == "rejected"
    assert index_loads == []


def test_customers_another_process_created_are_taken_in_before_the_next_batch(trained, index_loads):
    channel_services.ingest([_stranger("first-1")], Actor("test"))
    elsewhere = Customer.objects.create(display_name="Otra Persona", search_name="otra persona")
    assert realtime._state.max_id < elsewhere.pk  # not yet in this process's index
    channel_services.ingest([_stranger("next-1")], Actor("test"))  # the same person again
    assert realtime._state.max_id == elsewhere.pk  # caught up on it
