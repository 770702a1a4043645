"""The outbox relay to Redis Streams, against a real redis-server (tests/redis_server.py).

Every outbox message reaches the stream once, in outbox order, with the envelope an outbound
webhook carries; a relay that fails after some adds loses nothing and adds nothing twice;
consumers read with consumer groups and deduplicate on the event id; with no URL set the
relay is off; a Redis that is down delays the stream and nothing else.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from lealtad.channels.connectors.outbound import source_document
from lealtad.core import dispatcher, erasure, hub
from lealtad.core.models import OutboxMessage, StreamRelayPosition
from lealtad.core.streams.horizon import horizon_for_database
from lealtad.core.streams.redis_stream import Entry, RedisStream
from lealtad.core.streams.relay import OutboxRelay, RelayWorker, start_in_background
from lealtad.core.streams.status import relay_status
from lealtad.customers.models import ChannelActivity
from tests.api_fixtures import make_event, post_events

STREAM = "lealtad:events"


@pytest.fixture
def relay_on(settings: Any, redis_url: str) -> redis.Redis:
    settings.LEALTAD_REDIS_URL = redis_url
    settings.LEALTAD_REDIS_STREAM = STREAM
    settings.LEALTAD_REDIS_STREAM_MAXLEN = 100_000
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def _entries(client: redis.Redis) -> list[tuple[str, dict[str, str]]]:
    return client.xrange(STREAM)


def _announce(count: int, prefix: str = "m") -> list[OutboxMessage]:
    with transaction.atomic():
        return hub.publish_many(
            [
                hub.Announcement("test.happened", {"n": i, "texto": "señal"}, f"{prefix}-{i}")
                for i in range(count)
            ]
        )


def _relay(stream: RedisStream | None = None, chunk: int = 500) -> OutboxRelay:
    """A relay that gives up a rolled-back id at once. On PostgreSQL the tests before this one
    rolled back outbox rows whose ids the sequence does not hand out again: the first pass sees
    a gap below the first row and waits for the transactions running then (the horizon)."""
    return OutboxRelay(stream or RedisStream.from_settings(), horizon_for_database(0), chunk)


def _drain(relay: OutboxRelay) -> int:
    """Passes until nothing waits (a pass stops at a gap; the next one settles it)."""
    published = 0
    for _ in range(5):
        published += relay.run_once()
        if relay_status().lag == 0:
            break
    return published


def _assert_each_once_in_order(client: redis.Redis) -> None:
    ids = [int(entry_id.split("-")[0]) for entry_id, _ in _entries(client)]
    outbox = list(OutboxMessage.objects.order_by("pk").values_list("pk", "event_id"))
    assert ids == [pk for pk, _ in outbox]
    assert [f["event_id"] for _, f in _entries(client)] == [e for _, e in outbox]


@pytest.mark.django_db
def test_events_posted_to_the_api_reach_the_stream_with_the_webhook_envelope(api, relay_on):
    events = [make_event("s-1", channel="web"), make_event("s-2", channel="pos")]
    assert post_events(api, events).status_code == 200
    published = _drain(_relay())
    rows = list(OutboxMessage.objects.order_by("pk"))
    assert published == len(rows) >= 2
    entries = _entries(relay_on)
    assert [e for e, _ in entries] == [f"{row.pk}-0" for row in rows]
    for (_, fields), row in zip(entries, rows, strict=True):
        document = json.loads(fields["document"])
        webhook = json.loads(json.dumps(source_document(hub.to_message(row)), default=str))
        assert document == webhook  # the same envelope an outbound webhook receives
        assert fields["event_id"] == row.event_id and fields["event_type"] == row.event_type
    posted = {json.loads(f["document"])["event_id"] for _, f in entries}
    assert {"s-1", "s-2"} <= posted
    interaction = next(json.loads(f["document"]) for _, f in entries if f["event_id"] == "s-1")
    assert interaction["customer"]["phone"] == "+593993757370"  # the canonical envelope
    assert relay_status().lag == 0 and relay_status().position == rows[-1].pk


@pytest.mark.django_db
def test_a_second_pass_publishes_only_what_is_new(relay_on):
    _announce(3, "a")
    relay = _relay()
    assert _drain(relay) == 3
    assert relay.run_once() == 0
    _announce(2, "b")
    assert relay.run_once() == 2
    _assert_each_once_in_order(relay_on)
    assert StreamRelayPosition.objects.get(stream=STREAM).published == 5


class FailingAfter(RedisStream):
    """A stream whose connection breaks after ``k`` adds: the first ``k`` are really added."""

    def __init__(self, real: RedisStream, k: int) -> None:
        super().__init__(real.redis, real.name, real.maxlen)
        self.left = k

    def append(self, entries: Any) -> None:
        taken = list(entries)[: self.left]
        if taken:
            super().append(taken)
        self.left -= len(taken)
        if len(taken) < len(entries):
            raise redis.ConnectionError("connection lost mid-publish")


@pytest.mark.django_db
@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(k=st.integers(min_value=0, max_value=130), chunk=st.sampled_from([1, 7, 50, 500]))
def test_a_relay_failing_after_k_adds_loses_nothing_and_adds_nothing_twice(relay_on, k, chunk):
    if not OutboxMessage.objects.exists():
        _announce(120)
    relay_on.delete(STREAM)
    StreamRelayPosition.objects.all().delete()
    broken = _relay(FailingAfter(RedisStream.from_settings(), k), chunk=chunk)
    if k < 120:
        with pytest.raises(redis.ConnectionError):
            _drain(broken)
        state = StreamRelayPosition.objects.get(stream=STREAM)
        ids = list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))
        assert state.position <= (ids[k - 1] if k else 0)  # recorded only what Redis took
        assert "connection lost" in state.last_error and state.failing_since is not None
    else:
        assert _drain(broken) == 120
    assert relay_on.xlen(STREAM) == min(k, 120)
    _drain(_relay())  # restarted: from its last recorded position
    _assert_each_once_in_order(relay_on)
    state = StreamRelayPosition.objects.get(stream=STREAM)
    assert state.published == 120 and state.last_error == "" and state.failing_since is None


@pytest.mark.django_db
def test_consumer_group_reads_acks_claims_and_dedupes_by_event_id(relay_on):
    _announce(6)
    _drain(_relay())
    relay_on.xgroup_create(STREAM, "warehouse", id="0")
    warehouse: dict[str, dict[str, Any]] = {}

    def load(entries: list[tuple[str, dict[str, str]]]) -> None:
        for _, fields in entries:  # keyed by event id: a redelivery is a no-op
            warehouse.setdefault(fields["event_id"], json.loads(fields["document"]))

    [(_, first)] = relay_on.xreadgroup("warehouse", "loader-1", {STREAM: ">"}, count=4)
    load(first)  # loader-1 loads four, then dies before acknowledging
    [(_, rest)] = relay_on.xreadgroup("warehouse", "loader-2", {STREAM: ">"}, count=10)
    load(rest)
    relay_on.xack(STREAM, "warehouse", *[e for e, _ in rest])
    assert relay_on.xpending(STREAM, "warehouse")["pending"] == 4
    _, claimed, _ = relay_on.xautoclaim(STREAM, "warehouse", "loader-2", min_idle_time=0)
    assert [e for e, _ in claimed] == [e for e, _ in first]
    load(claimed)  # loaded twice: still once in the warehouse
    relay_on.xack(STREAM, "warehouse", *[e for e, _ in claimed])
    assert relay_on.xpending(STREAM, "warehouse")["pending"] == 0
    assert sorted(warehouse) == sorted(f"m-{i}" for i in range(6))
    assert warehouse["m-3"]["n"] == 3 and warehouse["m-3"]["event_type"] == "test.happened"


@pytest.mark.django_db
def test_the_relay_is_off_without_a_url(settings):
    settings.LEALTAD_REDIS_URL = ""
    assert start_in_background() is None
    _announce(2)
    OutboxMessage.objects.update(dispatched_at=timezone.now() - timedelta(days=2))
    # Retention does not wait for a relay that is off.
    assert len(erasure.delivered_messages_before(timezone.now())) == 2


@pytest.mark.django_db(transaction=True)
def test_with_a_url_the_relay_runs_in_the_background_and_publishes(relay_on):
    _announce(3)
    worker = start_in_background()
    assert worker is not None
    try:
        _wait(lambda: relay_status().lag == 0)
    finally:
        worker.stop()
        worker.join(10)
    _assert_each_once_in_order(relay_on)


@pytest.mark.django_db
def test_retention_keeps_what_the_relay_has_not_published(relay_on):
    first = _announce(3, "old")
    _drain(_relay())
    _announce(2, "new")
    OutboxMessage.objects.update(dispatched_at=timezone.now() - timedelta(days=2))
    assert erasure.delivered_messages_before(timezone.now()) == [m.pk for m in first]


@pytest.mark.django_db
def test_an_entry_the_stream_holds_for_another_event_stops_the_relay(relay_on):
    [row] = _announce(1)
    relay_on.xadd(STREAM, {"event_id": "someone-else", "event_type": "x"}, id=f"{row.pk}-0")
    with pytest.raises(RuntimeError, match="another installation writes to this stream"):
        _drain(_relay())
    assert StreamRelayPosition.objects.get(stream=STREAM).position == 0


@pytest.mark.django_db
def test_a_stream_that_lost_its_entries_is_refilled_from_the_outbox(relay_on):
    _announce(4)
    relay = _relay()
    _drain(relay)
    relay_on.delete(STREAM)  # e.g. a Redis restarted without persistence
    assert _drain(relay) == 4
    _assert_each_once_in_order(relay_on)


@pytest.mark.django_db(transaction=True)
def test_a_redis_that_is_down_delays_the_stream_and_nothing_else(settings, redis_process, api):
    server = redis_process()  # its port, nothing listening yet
    settings.LEALTAD_REDIS_URL = server.url
    settings.LEALTAD_REDIS_STREAM = STREAM
    post_events(api, [make_event("d-1", channel="web"), make_event("d-2", channel="web")])
    reports: list[tuple[int | None, Exception | None]] = []
    worker = RelayWorker(interval=0.05, max_backoff=0.2, report=lambda n, e: reports.append((n, e)))
    worker.start()
    try:
        _wait(lambda: any(e for _, e in reports))
        dispatcher.OutboxDispatcher().run_once()  # the subscribers are served meanwhile
        assert ChannelActivity.objects.get(channel="web").contacts == 2
        status = relay_status()
        assert status.lag == OutboxMessage.objects.count() > 0
        assert status.failing_since is not None and "Error" in status.last_error
        OutboxMessage.objects.update(dispatched_at=timezone.now() - timedelta(days=2))
        assert erasure.delivered_messages_before(timezone.now()) == []  # kept for the relay
        server.start()  # Redis is back: the worker's next try publishes everything
        _wait(lambda: relay_status().lag == 0)
    finally:
        worker.stop()
        worker.join(10)
    client = redis.Redis.from_url(server.url, decode_responses=True)
    _assert_each_once_in_order(client)
    assert relay_status().last_error == "" and relay_status().failing_since is None


def _wait(condition: Any, seconds: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_entries_carry_the_outbox_id_event_id_type_and_document():
    row = OutboxMessage(
        7, "e-7", "order.placed", "web", 3, {"order": "P-1", "total": "9.50"}, timezone.now(), None
    )
    entry = Entry.of(row)
    assert (entry.outbox_id, entry.event_id, entry.event_type) == (7, "e-7", "order.placed")
    assert json.loads(entry.document) == json.loads(
        json.dumps(source_document(hub.to_message(row)), default=str)
    )


@pytest.mark.django_db
def test_an_erasure_removes_the_persons_entries_from_the_stream(api, token_client, relay_on):
    from tests.privacy.conftest import open_verified

    person = make_event("p-1", customer={"phone": "0991234567", "name": "Rodrigo Juárez Ortega"})
    other = make_event("p-2", customer={"phone": "0987654321", "name": "María José Quishpe"})
    results = post_events(api, [person, other]).json()["results"]
    erased_id = results[0]["customer_id"]
    relay = _relay()
    _drain(relay)
    assert "Juárez" in json.dumps([f for _, f in _entries(relay_on)], ensure_ascii=False)
    officer = token_client("privacy_officer", ("customers:read", "audit:read", "privacy:manage"))
    rid = open_verified(officer, erased_id, "erasure")["id"]
    done = officer.post(
        f"/api/v1/privacy/requests/{rid}/erase",
        {"confirm": erased_id},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    _drain(relay)
    entries = _entries(relay_on)
    text = json.dumps([f for _, f in entries], ensure_ascii=False)
    assert "Juárez" not in text and "991234567" not in text
    assert "Quishpe" in text  # the other person's entries stay
    erasure = [
        json.loads(f["document"]) for _, f in entries if f["event_type"] == "customer.erased"
    ]
    assert [e["customer_ids"] for e in erasure] == [[erased_id]]  # consumers learn of it
