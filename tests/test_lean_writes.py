"""The shared write paths (outbox, audit, timeline step) write the rows the ORM wrote, and the
dispatcher's set-based subscribers keep the read model a message at a time kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from lealtad.core import audit, db, dispatcher, hub
from lealtad.core.audit import Actor
from lealtad.core.models import AuditEntry, Delivery, OutboxMessage
from lealtad.customers import services
from lealtad.customers.models import ChannelActivity, Customer, Interaction
from lealtad.customers.schemas import InteractionRecorded
from tests.api_fixtures import make_event, post_events

pytestmark = pytest.mark.django_db


def _columns(row: object, model: type) -> dict:
    return {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}


def test_publish_writes_the_row_the_orm_wrote():
    payload = {"order": "PED-1", "lines": [{"sku": "A", "quantity": 2}], "note": "ñandú"}
    with transaction.atomic():
        lean = hub.publish("order.placed", payload, event_id="e-1", channel="web", customer_id=7)
    stored = OutboxMessage.objects.get(pk=lean.pk)
    assert _columns(stored, OutboxMessage) == _columns(lean, OutboxMessage)
    assert (stored.event_id, stored.event_type, stored.channel) == ("e-1", "order.placed", "web")
    assert (stored.customer_id, stored.payload, stored.dispatched_at) == (7, payload, None)
    assert abs(stored.created_at - timezone.now()) < timedelta(minutes=1)


def test_publish_many_writes_in_order_in_one_go():
    announced = [hub.Announcement(f"x.{n}", {"n": n}, f"m-{n}", "pos", None) for n in range(150)]
    with transaction.atomic():
        rows = hub.publish_many(announced)
    stored = list(OutboxMessage.objects.order_by("id"))
    assert [r.pk for r in rows] == [s.pk for s in stored]
    assert [(s.event_type, s.event_id, s.payload) for s in stored] == [
        (a.event_type, a.event_id, a.payload) for a in announced
    ]


@pytest.mark.django_db(transaction=True)
def test_publish_many_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        hub.publish_many([hub.Announcement("x.happened", {}, "x")])
    assert not OutboxMessage.objects.exists()


def test_audit_record_writes_the_row_save_wrote(make_user):
    user = make_user("agent")
    actor = Actor.for_user(user, channel="store")
    entry = audit.record(actor, "edit", "customer", 12, {"email": [None, "a@b.uy"]}, customer_id=12)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert _columns(stored, AuditEntry) == _columns(entry, AuditEntry)
    assert (stored.actor_id, stored.actor_label, stored.channel) == (
        user.pk,
        user.username,
        "store",
    )
    assert (stored.entity_id, stored.customer_id, stored.changes) == (
        "12",
        12,
        {"email": [None, "a@b.uy"]},
    )


def test_record_interaction_writes_its_step_audit_and_event():
    customer = Customer.objects.create(display_name="Ana")
    ctx = services.ChangeContext(Actor.system("clerk"), "evt-9", "store")
    data = InteractionRecorded(subject="Cambio de talle", agent="Lucía", related_id="DEV-1")
    row = services.record_interaction(customer, data, ctx)
    stored = Interaction.objects.get(pk=row.pk)
    assert _columns(stored, Interaction) == _columns(row, Interaction)
    assert (stored.customer_id, stored.channel, stored.subject) == (
        customer.pk,
        "store",
        "Cambio de talle",
    )
    entry = AuditEntry.objects.get(action="record_interaction")
    assert (entry.entity_id, entry.customer_id, entry.event_id) == (
        str(row.pk),
        customer.pk,
        "evt-9",
    )
    message = OutboxMessage.objects.get(event_type="interaction.recorded")
    assert message.payload == {
        "customer_id": customer.pk,
        "interaction_id": row.pk,
        **data.model_dump(),
    }
    assert (message.customer_id, message.channel) == (customer.pk, "store")


def test_record_interaction_leaves_nothing_when_its_transaction_fails():
    customer = Customer.objects.create(display_name="Ana")
    ctx = services.ChangeContext(Actor.system("clerk"), "", "web")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        services.record_interaction(customer, InteractionRecorded(subject="Hola"), ctx)
        1 / 0  # noqa: B018 - the caller's transaction fails after the step was written
    assert not Interaction.objects.exists()
    assert not AuditEntry.objects.exists() and not OutboxMessage.objects.exists()


def test_insert_new_sets_every_id_past_one_statement():
    rows = [audit.build(Actor.system(), "a", "thing", n, {}) for n in range(db.ROWS_PER_INSERT + 7)]
    with transaction.atomic():
        db.insert_new(rows)
    stored = dict(AuditEntry.objects.values_list("pk", "entity_id"))
    assert [stored[r.pk] for r in rows] == [str(n) for n in range(len(rows))]


def test_channel_activity_counts_a_pass_of_messages_and_keeps_the_latest_instant(api):
    # 10:00 at -05:00 is 15:00 UTC: later than 12:00 UTC though its text sorts first.
    events = [
        make_event("a-1", channel="web", occurred_at="2026-11-02T12:00:00+00:00"),
        make_event("a-2", channel="web", occurred_at="2026-11-02T10:00:00-05:00"),
        make_event("a-3", channel="web", occurred_at="2026-11-01T09:00:00+00:00"),
        make_event("a-4", channel="pos", occurred_at="2026-11-01T09:00:00Z"),
    ]
    assert post_events(api, events).json()["created"] == 4
    dispatcher.OutboxDispatcher().run_once()
    activity = {a.channel: a for a in ChannelActivity.objects.all()}
    assert activity["web"].contacts == 3 and activity["pos"].contacts == 1
    assert activity["web"].last_contact_at == datetime(2026, 11, 2, 15, tzinfo=UTC)
    assert activity["pos"].last_contact_at == datetime(2026, 11, 1, 9, tzinfo=UTC)
    # A later pass adds to the rows the first made; an earlier contact leaves the last one.
    post_events(api, make_event("a-5", channel="web", occurred_at="2026-10-01T09:00:00Z"))
    dispatcher.OutboxDispatcher().run_once()
    web = ChannelActivity.objects.get(channel="web")
    assert web.contacts == 4 and web.last_contact_at == datetime(2026, 11, 2, 15, tzinfo=UTC)
    assert not Delivery.objects.exclude(status="done")


@pytest.fixture
def picky():
    """A set-based subscriber that fails whenever a message it dislikes is among those given."""
    calls: list[list[str]] = []

    @hub.subscriber_many("interaction.recorded", name="test.picky", max_attempts=2)
    def handler(messages):
        calls.append([m.event_id for m in messages])
        if any(m.event_id.startswith("bad") for m in messages):
            raise RuntimeError("cannot take that one")

    yield calls
    hub.unsubscribe("test.picky")


def test_a_failing_message_of_a_group_is_retried_alone(api, picky):
    post_events(api, [make_event("ok-1"), make_event("bad-1"), make_event("ok-2")])
    worker = dispatcher.OutboxDispatcher()
    worker.run_once()
    waiting = OutboxMessage.objects.filter(dispatched_at=None).values_list("event_id", flat=True)
    assert list(waiting) == ["bad-1"]  # waits for its retry
    assert picky == [["ok-1", "bad-1", "ok-2"], ["ok-1"], ["bad-1"], ["ok-2"]]
    states = dict(
        Delivery.objects.filter(subscriber="test.picky").values_list("message__event_id", "status")
    )
    assert states == {"ok-1": "done", "bad-1": "pending", "ok-2": "done"}
    assert ChannelActivity.objects.get().contacts == 3  # the other subscriber took all three
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    worker.run_once()
    bad = Delivery.objects.get(subscriber="test.picky", message__event_id="bad-1")
    assert bad.status == "dead" and bad.attempts == 2 and "cannot take" in bad.last_error
    assert not OutboxMessage.objects.filter(dispatched_at=None)
    assert ChannelActivity.objects.get().contacts == 3


def test_deliveries_another_dispatcher_made_first_stand(api):
    post_events(api, [make_event("d-1"), make_event("d-2")])
    first, second = OutboxMessage.objects.filter(event_type="interaction.recorded")
    Delivery.objects.create(message=first, subscriber="customers.channel_activity", attempts=3)
    made = dispatcher._make_deliveries(
        [(first.pk, "customers.channel_activity"), (second.pk, "customers.channel_activity")]
    )
    assert list(made) == [(second.pk, "customers.channel_activity")]
    stored = Delivery.objects.get(pk=made[(second.pk, "customers.channel_activity")].pk)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == ("pending", 0, None)
    assert Delivery.objects.get(message=first).attempts == 3


def test_a_repeated_key_is_djangos_integrity_error_whether_queries_are_watched_or_not():
    """SQLite inserts go straight to the driver when no one captures queries: its errors must
    still be Django's, so callers' ``except IntegrityError`` (idempotency keys) works."""
    from django.db import IntegrityError, connection
    from django.test.utils import CaptureQueriesContext

    from lealtad.channels.models import ReceivedEvent

    def received(event_id: str) -> ReceivedEvent:
        now = timezone.now()
        return ReceivedEvent(
            event_id=event_id,
            event_type="t",
            channel="web",
            occurred_at=now,
            received_at=now,
            received_by="x",
        )

    with transaction.atomic():
        db.insert_new([received("dup-1")])
        for watched in (False, True):
            with pytest.raises(IntegrityError), transaction.atomic():
                if watched:
                    with CaptureQueriesContext(connection) as seen:
                        db.insert_new([received("dup-1")])
                else:
                    db.insert_new([received("dup-1")])
            if watched:
                assert seen.captured_queries
        db.insert_new([received("dup-2")])  # the transaction goes on after the savepoint
    assert set(ReceivedEvent.objects.values_list("event_id", flat=True)) == {"dup-1", "dup-2"}


def test_insert_new_writes_a_moment_of_any_zone_as_the_orm_would():
    """Aware date-times take a short way to the driver: the same instant must come back."""
    from zoneinfo import ZoneInfo

    from django.db import connection

    bogota = datetime(2026, 3, 1, 21, 30, 15, 250, tzinfo=ZoneInfo("America/Bogota"))
    rows = [
        db.new_row(OutboxMessage, event_id=f"z-{n}", event_type="x", payload={}) for n in (1, 2)
    ]
    rows[0].created_at, rows[0].dispatched_at = bogota, None
    rows[1].created_at, rows[1].dispatched_at = bogota.astimezone(UTC), bogota
    plan = db._Plan(OutboxMessage)
    moments = [i for i, f in enumerate(plan.fields) if f.attname.endswith("_at")]
    for row in rows:
        params = plan.params(row, connection)
        for i in moments:
            field = plan.fields[i]
            assert params[i] == field.get_db_prep_save(getattr(row, field.attname), connection)
    with transaction.atomic():
        db.insert_new(rows)
    stored = {r.event_id: r for r in OutboxMessage.objects.all()}
    assert stored["z-1"].created_at == bogota and stored["z-1"].dispatched_at is None
    assert stored["z-2"].created_at == bogota and stored["z-2"].dispatched_at == bogota


def test_a_pass_offers_nothing_twice_to_a_subscriber_already_done(api, picky):
    """Deliveries are made first and only those that stood are read: a message one
    subscriber finished before is not offered to it again, and still settles."""
    post_events(api, [make_event("ok-1"), make_event("ok-2")])
    first = OutboxMessage.objects.get(event_id="ok-1")
    Delivery.objects.create(message=first, subscriber="test.picky", status="done", attempts=1)
    dispatcher.OutboxDispatcher().run_once()
    assert picky == [["ok-2"]]
    assert not OutboxMessage.objects.filter(dispatched_at=None)
    assert Delivery.objects.get(message=first, subscriber="test.picky").attempts == 1
