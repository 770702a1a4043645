"""The relay never skips a message that commits late (PostgreSQL's concurrent writers).

Id 10 may still be in an open transaction while 11 is committed: the relay must stop before
the gap until 10 commits, and move past it only once 10 is surely rolled back. SQLite has one
writer, so there the gap cannot happen (a transaction holding the write slot blocks the other).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.db import connection, transaction

from lealtad.core import hub
from lealtad.core.models import OutboxMessage
from lealtad.core.streams.horizon import InFlightHorizon
from lealtad.core.streams.redis_stream import RedisStream
from lealtad.core.streams.relay import OutboxRelay

pytestmark = pytest.mark.django_db(transaction=True)
STREAM = "lealtad:events"


@pytest.fixture
def stream(settings: Any, redis_url: str) -> Iterator[redis.Redis]:
    if connection.vendor != "postgresql":
        pytest.skip("one writer at a time on SQLite: a late commit below a visible id cannot be")
    settings.LEALTAD_REDIS_URL = redis_url
    settings.LEALTAD_REDIS_STREAM = STREAM
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def _publish(event_id: str) -> int:
    with transaction.atomic():
        return hub.publish("test.happened", {"id": event_id}, event_id=event_id).pk


class OpenTransaction(threading.Thread):
    """Writes an outbox row in a transaction that stays open until told to commit or roll back."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.written = threading.Event()
        self.decided = threading.Event()
        self.commit = True
        self.pk = 0

    def run(self) -> None:
        try:
            with transaction.atomic():
                self.pk = hub.publish("test.late", {}, event_id="late").pk
                self.written.set()
                self.decided.wait(30)
                if not self.commit:
                    transaction.set_rollback(True)
        finally:
            connection.close()

    def finish(self, commit: bool) -> None:
        self.commit = commit
        self.decided.set()
        self.join(30)


def _published(client: redis.Redis) -> list[str]:
    return [fields["event_id"] for _, fields in client.xrange(STREAM)]


def _relay(grace: float) -> OutboxRelay:
    return OutboxRelay(RedisStream.from_settings(), InFlightHorizon(grace))


def _until(relay: OutboxRelay, client: redis.Redis, expected: list[str]) -> None:
    """Run passes until the stream holds ``expected`` (ids the tests before this one rolled
    back are gaps below the first row: given up after the grace, as any rolled-back id)."""
    deadline = time.monotonic() + 10
    while _published(client) != expected:
        assert time.monotonic() < deadline, f"stream {_published(client)}, expected {expected}"
        relay.run_once()
        time.sleep(0.05)


def test_the_relay_waits_for_a_lower_id_still_in_flight_then_publishes_in_order(stream):
    before = _publish("before")
    relay = _relay(grace=0.2)
    _until(relay, stream, ["before"])
    late = OpenTransaction()
    late.start()
    assert late.written.wait(10)
    after = _publish("after")
    assert before < late.pk < after
    deadline = time.monotonic() + 1.0  # five graces: still waiting for the open transaction
    while time.monotonic() < deadline:
        relay.run_once()
        time.sleep(0.05)
    assert _published(stream) == ["before"]
    late.finish(commit=True)
    relay.run_once()
    assert _published(stream) == ["before", "late", "after"]


def test_a_rolled_back_id_is_given_up_once_its_transaction_is_over(stream):
    relay = _relay(grace=0.2)
    _publish("first")
    _until(relay, stream, ["first"])
    late = OpenTransaction()
    late.start()
    assert late.written.wait(10)
    _publish("next")
    relay.run_once()
    late.finish(commit=False)
    assert _published(stream) == ["first"]
    _until(relay, stream, ["first", "next"])
    assert not OutboxMessage.objects.filter(event_id="late").exists()


def test_outbox_ids_cannot_be_reserved_ahead_of_their_insert():
    """The horizon's grace assumes an outbox id is taken by the INSERT that writes the row."""
    from lealtad.core.db import reserve_ids

    with pytest.raises(ValueError, match="never reserved"):
        reserve_ids(OutboxMessage, 3)
