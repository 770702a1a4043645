"""Ingest without a deterministic key: the trained matcher links, opens a review, or creates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lealtad.core.models import AuditEntry
from lealtad.customers import dedupe
from lealtad.customers.models import Customer, Identifier, IdentityReview
from tests.api_fixtures import make_event, post_events
from tests.matching.test_dedupe_django import _load

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(settings: Any, tmp_path: Path) -> Customer:
    """A base with duplicates (so EM has matches to learn from), trained; returns one person."""
    settings.LEALTAD_HOME = tmp_path
    settings.LEALTAD_IDENTITY_REALTIME = True
    _load()
    dedupe.train_model()
    first = Identifier.objects.filter(system="crm").order_by("customer_id").first()
    assert first is not None
    return first.customer


def _upsert(event_id: str, c: Customer, **payload: Any) -> dict[str, Any]:
    name = f"{c.given_names} {c.first_surname} {c.second_surname}".upper()
    address = c.addresses.first()
    if address is not None:
        payload.setdefault("addresses", [{"line1": address.line1, "city": address.city}])
    return make_event(
        event_id, type="customer.upserted", channel="web", customer={"name": name}, payload=payload
    )


def test_same_person_without_a_shared_key_is_linked(api, trained):
    event = _upsert("link-1", trained, birth_date=trained.birth_date.isoformat())
    result = post_events(api, event).json()["results"][0]
    assert result["customer_id"] == trained.pk
    assert AuditEntry.objects.filter(action="probabilistic_link", event_id="link-1").exists()


def test_a_stranger_is_created(api, trained):
    known = set(Customer.objects.values_list("pk", flat=True))
    stranger = make_event(
        "new-1",
        type="customer.upserted",
        customer={"name": "Wilmer Yánez Chuquimarca"},
        payload={"birth_date": "1950-01-01"},
    )
    result = post_events(api, stranger).json()["results"][0]
    assert result["customer_id"] not in known
    assert not IdentityReview.objects.filter(event_id="new-1").exists()


def test_a_doubtful_match_gets_a_provisional_customer_and_a_review(api, trained, settings):
    settings.LEALTAD_IDENTITY_UPPER = 1.1  # nothing is sure enough to link
    settings.LEALTAD_IDENTITY_LOWER = 0.01
    event = _upsert("maybe-1", trained, birth_date=trained.birth_date.isoformat())
    result = post_events(api, event).json()["results"][0]
    assert result["customer_id"] != trained.pk
    review = IdentityReview.objects.get(event_id="maybe-1")
    assert {review.customer_a_id, review.customer_b_id} == {trained.pk, result["customer_id"]}
    assert "probable match" in review.reason


def test_without_a_trained_model_ingest_stays_deterministic(api, settings, tmp_path):
    settings.LEALTAD_HOME = tmp_path
    settings.LEALTAD_IDENTITY_REALTIME = True
    _load(20)
    c = Customer.objects.order_by("pk").first()
    result = post_events(api, _upsert("det-1", c)).json()["results"][0]
    assert result["customer_id"] != c.pk


def test_matching_at_ingest_can_be_turned_off(api, trained, settings):
    settings.LEALTAD_IDENTITY_REALTIME = False
    event = _upsert("off-1", trained, birth_date=trained.birth_date.isoformat())
    result = post_events(api, event).json()["results"][0]
    assert result["customer_id"] != trained.pk


@pytest.mark.django_db(transaction=True)  # the warm-up thread reads on its own connection
def test_a_server_builds_the_index_before_the_first_event_needs_it(settings, tmp_path):
    from lealtad.customers import realtime

    settings.LEALTAD_HOME = tmp_path
    settings.LEALTAD_IDENTITY_REALTIME = True
    assert realtime.warm_up() is None  # no model yet: nothing to build
    _load()
    dedupe.train_model()
    thread = realtime.warm_up()
    assert thread is not None
    thread.join(timeout=120)
    index = realtime._state.index
    assert index is not None
    assert (
        realtime._state.max_id == Customer.objects.order_by("-pk").values_list("pk", flat=True)[0]
    )
    settings.LEALTAD_IDENTITY_REALTIME = False
    assert realtime.warm_up() is None  # turned off: never built


def _stranger(event_id: str, **customer: Any) -> dict[str, Any]:
    return make_event(
        event_id,
        type="customer.upserted",
        channel="web",
        customer={"name": "Wilmer Yánez Chuquimarca", **customer},
        payload={
            "birth_date": "1950-01-01",
            "addresses": [{"line1": "Calle Sucre 1-23 y Bolívar", "city": "Cuenca"}],
        },
    )


def test_a_person_twice_in_one_batch_is_one_customer(api, trained):
    """The second event shares no key with the first; the matcher, run for the whole batch
    at once, still finds the customer the first one created a moment before."""
    first = _stranger("twice-1", email="wilmer.yanez@correo.ec")
    second = _stranger("twice-2", email="wyanez@trabajo.ec")
    results = post_events(api, [first, second]).json()["results"]
    assert results[0]["status"] == results[1]["status"] == "created"
    assert results[1]["customer_id"] == results[0]["customer_id"]
    assert AuditEntry.objects.filter(action="probabilistic_link", event_id="twice-2").exists()


def test_a_known_person_and_a_stranger_in_one_batch_each_get_their_own_decision(api, trained):
    """Candidates found for the whole batch at once stay with the event they belong to."""
    known = _upsert("alike-1", trained, birth_date=trained.birth_date.isoformat())
    stranger = _stranger("alike-2", email="otro@correo.ec")
    batch = post_events(api, [known, stranger]).json()["results"]
    assert batch[0]["customer_id"] == trained.pk
    assert batch[1]["customer_id"] != trained.pk
    assert not IdentityReview.objects.filter(event_id__in=["alike-1", "alike-2"]).exists()


def test_serving_processes_share_one_index_snapshot(api, trained, monkeypatch):
    """The first process builds the index once and saves it; the next maps the snapshot
    instead of reading and normalizing the whole base again."""
    from lealtad.customers import realtime
    from lealtad.matching import snapshot

    realtime.reset()
    event = _upsert("shared-1", trained, birth_date=trained.birth_date.isoformat())
    assert post_events(api, event).json()["results"][0]["customer_id"] == trained.pk
    assert snapshot.stamp_of(dedupe.model_path().with_name("index")) is not None

    realtime.reset()  # as a new worker starts
    monkeypatch.setattr(dedupe, "load_records", lambda *a, **k: pytest.fail("rebuilt"))
    again = _upsert("shared-2", trained, birth_date=trained.birth_date.isoformat())
    assert post_events(api, again).json()["results"][0]["customer_id"] == trained.pk
    assert isinstance(realtime._state.index.records, snapshot.MappedRecords)
