"""A data-subject request goes received → verified → in progress → completed or rejected,
due within the legal term, each step recorded and audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from lealtad.core.audit import Actor
from lealtad.core.models import AuditEntry
from lealtad.customers.models import Consent
from lealtad.privacy import services
from lealtad.privacy.models import DataSubjectRequest
from tests.privacy.conftest import open_verified

pytestmark = pytest.mark.django_db


def _post(client: Any, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/privacy{path}", body or {}, content_type="application/json")


def test_a_request_is_due_fifteen_days_after_it_was_received(officer, story):
    received = timezone.now() - timedelta(days=3)
    answer = _post(
        officer,
        "/requests",
        {"customer_id": story.customer_id, "kind": "access", "received_at": received.isoformat()},
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["status"] == "received"
    due = DataSubjectRequest.objects.get(pk=body["id"]).due_at
    assert due - received == timedelta(days=15)
    assert [s["action"] for s in body["steps"]] == ["received"]


def test_the_term_is_a_setting(officer, story, settings):
    settings.LEALTAD_PRIVACY_DUE_DAYS = 10
    made = _post(officer, "/requests", {"customer_id": story.customer_id, "kind": "erasure"})
    r = DataSubjectRequest.objects.get(pk=made.json()["id"])
    assert r.due_at - r.received_at == timedelta(days=10)


def test_nothing_is_done_before_the_identity_is_verified(officer, story):
    rid = _post(officer, "/requests", {"customer_id": story.customer_id, "kind": "access"})
    rid = rid.json()["id"]
    refused = officer.get(f"/api/v1/privacy/requests/{rid}/export")
    assert refused.status_code == 409
    assert "verify" in refused.json()["detail"]
    assert _post(officer, f"/requests/{rid}/complete").status_code == 409


def test_the_whole_way_with_each_step_recorded_and_audited(officer, story):
    r = open_verified(officer, story.customer_id, "objection")
    rid = r["id"]
    assert _post(officer, f"/requests/{rid}/start").json()["status"] == "in_progress"
    premature = _post(officer, f"/requests/{rid}/complete", {"note": "listo"})
    assert premature.status_code == 409  # the objection was not carried out yet
    assert _post(officer, f"/requests/{rid}/object").status_code == 200
    done = _post(officer, f"/requests/{rid}/complete", {"note": "Retiramos sus consentimientos"})
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "completed"
    assert [s["action"] for s in body["steps"]] == [
        "received",
        "verified",
        "started",
        "objected",
        "completed",
    ]
    assert body["handled_by"].startswith("privacy_officer")
    audited = AuditEntry.objects.filter(entity_type="privacy_request", entity_id=str(rid))
    assert sorted(audited.values_list("action", flat=True)) == sorted(
        f"privacy_{a}" for a in ("received", "verified", "started", "objected", "completed")
    )
    assert _post(officer, f"/requests/{rid}/reject", {"reason": "x"}).status_code == 409


def test_a_rejection_needs_a_reason_and_closes_the_request(officer, story):
    rid = _post(officer, "/requests", {"customer_id": story.customer_id, "kind": "erasure"})
    rid = rid.json()["id"]
    assert _post(officer, f"/requests/{rid}/reject", {"reason": ""}).status_code == 422
    done = _post(officer, f"/requests/{rid}/reject", {"reason": "No acreditó su identidad"})
    assert done.json()["status"] == "rejected"
    assert done.json()["outcome"] == "No acreditó su identidad"


def test_overdue_requests_are_listed_and_closed_ones_are_not(officer, story):
    late = _post(
        officer,
        "/requests",
        {
            "customer_id": story.customer_id,
            "kind": "access",
            "received_at": (timezone.now() - timedelta(days=20)).isoformat(),
        },
    ).json()["id"]
    recent = _post(officer, "/requests", {"customer_id": story.customer_id, "kind": "access"})
    recent_id = recent.json()["id"]
    overdue = officer.get("/api/v1/privacy/requests?overdue=true").json()["requests"]
    assert [r["id"] for r in overdue] == [late]
    assert overdue[0]["overdue"] is True
    listed = officer.get("/api/v1/privacy/requests").json()["requests"]
    assert [r["id"] for r in listed] == [late, recent_id]  # soonest due first
    _post(officer, f"/requests/{late}/reject", {"reason": "duplicada"})
    assert officer.get("/api/v1/privacy/requests?overdue=true").json()["requests"] == []


def test_objection_withdraws_every_marketing_consent_and_keeps_service(officer, story):
    from lealtad.customers import services as customer_services
    from lealtad.customers.models import Customer
    from lealtad.customers.schemas import ConsentIn

    customer = Customer.objects.get(pk=story.customer_id)
    ctx = customer_services.ChangeContext(Actor.system("test"), event_id="evt-consent")
    for purpose in ("marketing", "service"):
        stated = {"channel": "email", "purpose": purpose, "granted": True}
        consent = ConsentIn.model_validate(stated)
        customer_services.record_consent(customer, consent, ctx)
    rid = open_verified(officer, story.customer_id, "objection")["id"]
    assert _post(officer, f"/requests/{rid}/object").status_code == 200
    held = {(c.channel, c.purpose): c.granted for c in Consent.objects.filter(customer=customer)}
    assert held[("email", "service")] is True
    for channel in ("email", "sms", "phone", "whatsapp", "mail"):
        for purpose in ("marketing", "profiling", "third_party"):
            assert held[(channel, purpose)] is False
    assert customer.consent_log.filter(method__contains=f"#{rid}", granted=False).exists()


def test_rectification_corrects_the_profile_with_an_audited_change(officer, story):
    rid = open_verified(officer, story.customer_id, "rectification")["id"]
    bad = _post(officer, f"/requests/{rid}/rectify", {"changes": {"password": "x"}})
    assert bad.status_code == 422  # only profile fields are in the schema
    assert "password" in str(bad.json()["detail"])
    empty = _post(officer, f"/requests/{rid}/rectify", {"changes": {}})
    assert empty.status_code == 422 and empty.json()["detail"].startswith("changes:")
    fixed = _post(officer, f"/requests/{rid}/rectify", {"changes": {"second_surname": "Ortíz"}})
    assert fixed.status_code == 200
    entry = AuditEntry.objects.filter(customer_id=story.customer_id, action="update").latest("id")
    assert entry.changes["second_surname"] == ["Ortega", "Ortíz"]
    assert entry.channel == "privacy"


def test_a_request_on_an_unknown_or_merged_customer_is_refused(officer, story):
    missing = _post(officer, "/requests", {"customer_id": 999999, "kind": "access"})
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("customer:")
    assert missing.json()["code"] == "privacy_request_refused"


@hsettings(max_examples=25, deadline=None)
@given(days=st.integers(min_value=0, max_value=400), term=st.integers(min_value=1, max_value=60))
def test_due_date_and_overdue_follow_the_term(days, term):
    from django.conf import settings as django_settings

    received = timezone.now() - timedelta(days=days, minutes=1)
    original = django_settings.LEALTAD_PRIVACY_DUE_DAYS
    django_settings.LEALTAD_PRIVACY_DUE_DAYS = term
    try:
        due = services.due_date(received)
    finally:
        django_settings.LEALTAD_PRIVACY_DUE_DAYS = original
    assert due - received == timedelta(days=term)
    assert (due < timezone.now()) == (days >= term)
