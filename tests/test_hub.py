"""The dispatcher: at-least-once delivery, exactly-once effects, retries, dead letters, replay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lealtad.core import dispatcher, hub
from lealtad.core.models import Delivery, OutboxMessage
from lealtad.customers.models import ChannelActivity
from tests.api_fixtures import make_event, post_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky():
    """A subscriber that fails a set number of times, registered only for this test."""
    calls: list[str] = []
    state = {"failures_left": 0}

    @hub.subscriber("interaction.recorded", name="test.flaky", max_attempts=3)
    def handler(message: hub.Message) -> None:
        calls.append(message.event_id)
        if state["failures_left"]:
            state["failures_left"] -= 1
            raise RuntimeError("downstream unavailable")

    yield calls, state
    hub.unsubscribe("test.flaky")


def _due_now() -> None:
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_subscriber_receives_each_message_once_and_read_model_counts_once(api, flaky):
    calls, _ = flaky
    post_events(api, [make_event("h-1", channel="web"), make_event("h-2", channel="web")])
    worker = dispatcher.OutboxDispatcher()
    worker.run_once()
    worker.run_once()
    assert calls == ["h-1", "h-2"]
    activity = ChannelActivity.objects.get(channel="web")
    assert activity.contacts == 2
    assert not OutboxMessage.objects.filter(dispatched_at=None, event_type="interaction.recorded")


def test_failure_retries_with_backoff_then_succeeds(api, flaky):
    calls, state = flaky
    state["failures_left"] = 1
    post_events(api, make_event("r-1"))
    worker = dispatcher.OutboxDispatcher()
    worker.run_once()
    delivery = Delivery.objects.get(subscriber="test.flaky")
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now()
    worker.run_once()  # not due yet: nothing happens
    assert calls == ["r-1"]
    _due_now()
    worker.run_once()
    delivery.refresh_from_db()
    assert delivery.status == "done" and calls == ["r-1", "r-1"]


def test_exhausted_retries_go_to_dead_letters_and_can_be_replayed(api, flaky, token_client):
    _calls, state = flaky
    state["failures_left"] = 3
    post_events(api, make_event("d-1"))
    worker = dispatcher.OutboxDispatcher()
    for _ in range(3):
        _due_now()
        worker.run_once()
    delivery = Delivery.objects.get(subscriber="test.flaky")
    assert delivery.status == "dead"
    assert "downstream unavailable" in delivery.last_error
    # Other subscribers were not held back by the failing one.
    assert ChannelActivity.objects.get().contacts == 1
    admin = token_client("admin", ("hub:admin",))
    listed = admin.get("/api/v1/hub/dead-letters").json()["dead_letters"]
    assert [d["event_id"] for d in listed] == ["d-1"]
    assert admin.post(f"/api/v1/hub/dead-letters/{delivery.pk}/replay").status_code == 200
    worker.run_once()
    delivery.refresh_from_db()
    assert delivery.status == "done"
    assert ChannelActivity.objects.get().contacts == 1


def test_dead_letters_are_for_admins_only(token_client):
    agent = token_client("agent", ("customers:read",))
    assert agent.get("/api/v1/hub/dead-letters").status_code == 403


def test_subscriber_added_at_runtime_gets_undelivered_messages(api):
    post_events(api, make_event("late-1"))
    seen: list[str] = []
    hub.subscriber("interaction.recorded", name="test.late")(lambda m: seen.append(m.event_id))
    try:
        dispatcher.OutboxDispatcher().run_once()
    finally:
        hub.unsubscribe("test.late")
    assert seen == ["late-1"]


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        hub.publish("x.happened", {}, event_id="x")
