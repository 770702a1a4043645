"""POST /api/v1/events: per-event results, idempotency, nothing written for a rejected event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.channels.models import ExternalSystem, ReceivedEvent
from lealtad.core.models import AuditEntry, OutboxMessage
from lealtad.customers.models import Customer, IdentityReview, Interaction
from tests.api_fixtures import make_event, post_events

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Customer.objects.count(),
        Interaction.objects.count(),
        AuditEntry.objects.count(),
        OutboxMessage.objects.count(),
        ReceivedEvent.objects.count(),
    )


def test_one_event_creates_customer_timeline_audit_and_outbox(api):
    response = post_events(api, make_event("a-1"))
    body = response.json()
    assert response.status_code == 200
    assert body["created"] == 1
    result = body["results"][0]
    assert result["status"] == "created"
    interaction = Interaction.objects.get(event_id="a-1")
    assert interaction.customer_id == result["customer_id"]
    assert interaction.channel == "call_center"
    assert AuditEntry.objects.filter(event_id="a-1", action="record_interaction").exists()
    assert OutboxMessage.objects.filter(event_id="a-1", event_type="interaction.recorded").exists()


def test_repeating_an_id_changes_nothing(api):
    post_events(api, make_event("dup-1"))
    before = _counts()
    response = post_events(api, [make_event("dup-1"), make_event("dup-1")])
    assert [r["status"] for r in response.json()["results"]] == ["duplicate", "duplicate"]
    assert _counts() == before


def test_duplicate_inside_one_batch_is_applied_once(api):
    response = post_events(api, [make_event("twice"), make_event("twice")])
    assert [r["status"] for r in response.json()["results"]] == ["created", "duplicate"]
    assert Interaction.objects.filter(event_id="twice").count() == 1


def test_rejected_event_reports_fields_and_writes_nothing(api):
    bad_phone = make_event("bad-1", customer={"phone": "12"})
    no_subject = make_event("bad-2", payload={"direction": "inbound"})
    naive_time = make_event("bad-3", occurred_at="2026-11-02T10:00:00")
    good = make_event("good-1")
    response = post_events(api, [bad_phone, good, no_subject, naive_time])
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "created", "rejected", "rejected"]
    assert results[0]["errors"][0]["field"] == "customer.phone"
    assert results[2]["errors"][0]["field"] == "payload"
    assert results[3]["errors"][0]["field"] == "occurred_at"
    for event_id in ("bad-1", "bad-2", "bad-3"):
        assert not ReceivedEvent.objects.filter(event_id=event_id).exists()
        assert not AuditEntry.objects.filter(event_id=event_id).exists()
        assert not OutboxMessage.objects.filter(event_id=event_id).exists()


def test_unknown_type_and_channel_are_rejected(api):
    response = post_events(
        api, [make_event("t-1", type="order.teleported"), make_event("c-1", channel="telepathy")]
    )
    fields = [r["errors"][0]["field"] for r in response.json()["results"]]
    assert fields == ["type", "channel"]


def test_registered_external_system_may_speak_as_a_channel(api):
    ExternalSystem.objects.create(name="facturacion_legacy")
    response = post_events(api, make_event("x-1", channel="facturacion_legacy"))
    assert response.json()["created"] == 1


def test_batch_limit_and_bad_bodies(api):
    assert post_events(api, [make_event(f"b-{i}") for i in range(1001)]).status_code == 413
    assert api.post("/api/v1/events", data="{", content_type="application/json").status_code == 400
    assert post_events(api, [1, 2]).status_code == 400
    assert _counts() == (0, 0, 0, 0, 0)


def test_token_scoped_to_a_channel_cannot_speak_for_another(token_client):
    client = token_client("api_client", ("events:write", "channel:pos"))
    results = post_events(
        client, [make_event("p-1", channel="pos"), make_event("w-1", channel="web")]
    )
    statuses = [r["status"] for r in results.json()["results"]]
    assert statuses == ["created", "rejected"]


def test_token_without_ingest_scope_is_refused(token_client):
    client = token_client("admin", ("customers:read",))
    assert post_events(client, make_event()).status_code == 403
    assert ReceivedEvent.objects.count() == 0


def test_anonymous_is_refused(client):
    assert post_events(client, make_event()).status_code == 401


def test_events_on_different_channels_land_on_one_customer(api):
    upsert = make_event(
        "u-1",
        type="customer.upserted",
        channel="pos",
        customer={"phone": "0993757370", "name": "Rodrigo Juárez Ortega"},
        payload={"emails": ["RJuarez@Gmail.com"]},
    )
    web = make_event("w-1", channel="web", customer={"email": "rjuarez@gmail.com"})
    ivr = make_event("i-1", channel="ivr", customer={"phone": "+593 99 375 7370"})
    results = post_events(api, [upsert, web, ivr]).json()["results"]
    assert len({r["customer_id"] for r in results}) == 1
    assert Customer.objects.count() == 1
    channels = set(Interaction.objects.values_list("channel", flat=True))
    assert channels == {"web", "ivr"}


def test_conflicting_identifiers_open_a_review_never_merge(api):
    a = post_events(api, make_event("a", customer={"email": "ana@example.com"})).json()
    b = post_events(api, make_event("b", customer={"phone": "0987654321"})).json()
    both = make_event("ab", customer={"email": "ana@example.com", "phone": "0987654321"})
    result = post_events(api, both).json()["results"][0]
    a_id, b_id = a["results"][0]["customer_id"], b["results"][0]["customer_id"]
    assert result["customer_id"] == a_id
    review = IdentityReview.objects.get(event_id="ab")
    assert {review.customer_a_id, review.customer_b_id} == {a_id, b_id}
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0


def test_shared_landline_does_not_identify_a_person(api):
    one = make_event("l-1", customer={"phone": "02 245 6789", "name": "Ana Quishpe"})
    two = make_event("l-2", customer={"phone": "(02) 2456-789", "name": "Luis Quishpe"})
    results = post_events(api, [one, two]).json()["results"]
    assert results[0]["customer_id"] != results[1]["customer_id"]


def test_every_business_row_has_its_audit_and_outbox_row(api):
    events = [make_event(f"m-{i}", customer={"email": f"p{i % 7}@example.com"}) for i in range(40)]
    post_events(api, events)
    for interaction in Interaction.objects.all():
        assert OutboxMessage.objects.filter(event_id=interaction.event_id).count() == 1
        assert AuditEntry.objects.filter(event_id=interaction.event_id).exists()
    for customer in Customer.objects.all():
        assert AuditEntry.objects.filter(customer_id=customer.pk, action="create").exists()


def test_schemas_are_published(api):
    body = api.get("/api/v1/events/schemas").json()
    assert {"customer.upserted", "interaction.recorded"} <= set(body["types"])
    assert "occurred_at" in body["envelope"]["properties"]


junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "id": junk | st.text(min_size=1, max_size=10),
        "type": st.sampled_from(["interaction.recorded", "customer.upserted"]) | junk,
        "channel": st.sampled_from(["web", "pos"]) | junk,
        "occurred_at": st.sampled_from(["2026-01-01T00:00:00Z", "2026-13-01", ""]) | junk,
        "customer": st.fixed_dictionaries(
            {}, optional={"phone": st.text(max_size=14), "email": st.text(max_size=14)}
        )
        | junk,
        "payload": st.fixed_dictionaries({}, optional={"subject": junk, "birth_date": junk}) | junk,
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(event=fields)
def test_arbitrary_input_never_errors_and_rejections_write_nothing(api, event: dict[str, Any]):
    before = _counts()
    response = post_events(api, event)
    if "\\u0000" in json.dumps(event):  # NUL is refused whole, before any view
        assert response.status_code == 400 and _counts() == before
        return
    assert response.status_code == 200
    result = response.json()["results"][0]
    if result["status"] == "rejected":
        assert result["errors"]
        assert _counts() == before


def test_a_channels_spelling_does_not_overwrite_a_known_name(api):
    first = make_event(
        "n-1",
        type="customer.upserted",
        customer={"email": "rj@example.com", "name": "Rodrigo Juárez Ortega"},
        payload={},
    )
    legacy = make_event(
        "n-2",
        type="customer.upserted",
        customer={"email": "rj@example.com", "name": "JUAREZ O. RODRIGO"},
        payload={"gender": "male"},
    )
    post_events(api, [first, legacy])
    customer = Customer.objects.get()
    assert customer.display_name == "Rodrigo Juárez Ortega"
    assert customer.gender == "male"


def test_values_longer_than_their_columns_are_rejected_at_the_edge(api):
    long_id = make_event("long-1", customer={"national_id": "1" * 25})
    long_system = make_event("long-2", customer={"external_ids": {"s" * 61: "1"}})
    results = post_events(api, [long_id, long_system]).json()["results"]
    assert [r["errors"][0]["field"] for r in results] == [
        "customer.national_id",
        "customer.external_ids",
    ]
    long_name = make_event("long-3", customer={"email": "x@example.com", "name": "Ana " * 60})
    assert post_events(api, long_name).json()["created"] == 1
    assert len(Customer.objects.get().display_name) <= 250


def test_nul_characters_are_refused_at_the_edge(api):
    event = make_event("nul-1", payload={"subject": "a\u0000b"})
    assert post_events(api, event).status_code == 400
    assert api.get("/api/v1/customers", {"q": "ab\x00"}).status_code == 400
    assert ReceivedEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_single_posts_each_land_once_even_when_repeated():
    """Single events posted at once by several threads (committed together on SQLite): each
    id is created once, every repeat answers ``duplicate``, nothing is lost."""
    import threading

    from django.db import connection

    from lealtad.channels import services as channel_services
    from lealtad.core.audit import Actor

    events = [
        make_event(f"gc-{n % 12}", customer={"phone": f"0993{n % 12:06d}", "name": "Ana Mora"})
        for n in range(36)
    ]
    statuses: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def client(mine: list[dict[str, Any]]) -> None:
        try:
            start.wait()
            for event in mine:
                (result,) = channel_services.ingest([event], Actor.system("t"))
                with lock:
                    statuses.append(result.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(events[n::6],)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(set(statuses)) == ["created", "duplicate"]
    assert statuses.count("created") == 12 and statuses.count("duplicate") == 24
    assert ReceivedEvent.objects.filter(event_id__startswith="gc-").count() == 12
    assert Interaction.objects.count() == 12
