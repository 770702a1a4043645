"""Retention: a policy applies only once switched on; the dry run lists exactly what the
applied run removes; the dispatcher's ticker applies the policies once per period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.core.dispatcher import default_dispatcher
from lealtad.core.models import OutboxMessage
from lealtad.customers.models import Customer, Interaction
from lealtad.privacy import retention, services
from lealtad.privacy.models import DataSubjectRequest, RetentionRun

pytestmark = pytest.mark.django_db
OFFICER = services.Officer(Actor.system("test officer"))
LONG_AGO = timezone.now() - timedelta(days=5 * 365)


def _customer(name: str, status: str = "prospect", *, old: bool = True) -> Customer:
    customer = Customer.objects.create(
        given_names=name, display_name=name, search_name=name.lower(), lifecycle_status=status
    )
    if old:  # created_at / updated_at are set by the database on save: move them back
        Customer.objects.filter(pk=customer.pk).update(created_at=LONG_AGO, updated_at=LONG_AGO)
    return customer


def _contact(customer: Customer, when: Any, summary: str = "Pidió catálogo") -> Interaction:
    return Interaction.objects.create(
        customer=customer,
        occurred_at=when,
        channel="call_center",
        subject="Consulta",
        summary=summary,
    )


@pytest.fixture
def base(db: Any) -> dict[str, Any]:
    lapsed = _customer("Olvidado Quishpe")
    active = _customer("Activa Tipán")
    _contact(active, timezone.now() - timedelta(days=10))
    buyer = _customer("Cliente Mamani", status="customer")
    old_note = _contact(buyer, LONG_AGO, "Nota de hace cinco años")
    new_note = _contact(buyer, timezone.now(), "Nota de hoy")
    return {"lapsed": lapsed, "active": active, "old": old_note, "new": new_note}


def _switch_on(*classes: str, months: int = 24) -> None:
    for data_class in classes:
        retention.set_policy(data_class, months, True, OFFICER)


def test_nothing_goes_while_no_policy_is_switched_on(base):
    run = retention.run(OFFICER, dry_run=False, trigger="test")
    assert run.results == {}
    assert Customer.objects.get(pk=base["lapsed"].pk).erased_at is None


def test_the_dry_run_lists_exactly_what_the_applied_run_removes(base):
    _switch_on("lapsed_prospects", "interaction_bodies")
    now = timezone.now()
    dry = retention.run(OFFICER, dry_run=True, trigger="test", now=now)
    assert Customer.objects.get(pk=base["lapsed"].pk).erased_at is None  # a dry run removes nothing
    assert dry.results["lapsed_prospects"]["ids"] == [base["lapsed"].pk]
    assert dry.results["interaction_bodies"]["ids"] == [base["old"].pk]
    applied = retention.run(OFFICER, dry_run=False, trigger="test", now=now)
    for data_class, listed in dry.results.items():
        assert applied.results[data_class]["ids"] == listed["ids"]
        assert applied.results[data_class]["removed"] == listed["count"]
    assert Customer.objects.get(pk=base["lapsed"].pk).erased_at is not None
    assert Customer.objects.get(pk=base["active"].pk).erased_at is None
    old, new = (
        Interaction.objects.get(pk=base["old"].pk),
        Interaction.objects.get(pk=base["new"].pk),
    )
    assert (old.subject, old.summary) == ("", "")
    assert new.summary == "Nota de hoy"
    assert (
        retention.run(OFFICER, dry_run=True, trigger="test", now=now).results["lapsed_prospects"][
            "count"
        ]
        == 0
    )


def test_labels_of_a_run_name_no_one(base):
    _switch_on("lapsed_prospects", "interaction_bodies")
    dry = retention.run(OFFICER, dry_run=True, trigger="test")
    text = str(dry.results)
    assert "Olvidado" not in text and "Nota de hace" not in text
    assert f"customer #{base['lapsed'].pk}" in text


def test_delivered_hub_messages_and_closed_requests_go_after_their_term(base):
    from django.db import transaction

    from lealtad.core import hub

    with transaction.atomic():
        hub.publish("test.event", {"name": "x"}, event_id="t-1")
    default_dispatcher().run_once(limit=1000)
    OutboxMessage.objects.update(dispatched_at=LONG_AGO)
    request = services.open_request(base["active"].pk, "access", OFFICER)
    services.reject(request, "duplicada", OFFICER)
    DataSubjectRequest.objects.filter(pk=request.pk).update(closed_at=LONG_AGO)
    _switch_on("hub_messages", "closed_requests", months=3)
    dry = retention.run(OFFICER, dry_run=True, trigger="test")
    assert dry.results["closed_requests"]["ids"] == [request.pk]
    assert dry.results["hub_messages"]["count"] >= 1
    retention.run(OFFICER, dry_run=False, trigger="test")
    assert not DataSubjectRequest.objects.filter(pk=request.pk).exists()
    assert not OutboxMessage.objects.filter(event_id="t-1").exists()


def test_the_ticker_applies_the_policies_once_per_period(base, settings):
    settings.LEALTAD_RETENTION_EVERY_HOURS = 24
    retention.reset_schedule()
    default_dispatcher().run_once()  # no policy on: nothing runs
    assert not RetentionRun.objects.filter(trigger="schedule").exists()
    _switch_on("lapsed_prospects")
    retention.reset_schedule()
    default_dispatcher().run_once()
    assert RetentionRun.objects.filter(trigger="schedule", dry_run=False).count() == 1
    assert Customer.objects.get(pk=base["lapsed"].pk).erased_at is not None
    retention.reset_schedule()
    default_dispatcher().run_once()  # ran less than a day ago: not again
    assert RetentionRun.objects.filter(trigger="schedule").count() == 1
    RetentionRun.objects.update(started_at=timezone.now() - timedelta(hours=25))
    retention.reset_schedule()
    default_dispatcher().run_once()
    assert RetentionRun.objects.filter(trigger="schedule").count() == 2
    retention.reset_schedule()


def test_a_policy_needs_a_known_class_and_a_sensible_term(officer):
    bad = officer.put(
        "/api/v1/privacy/retention/policies/recordings",
        {"months": 6, "active": True},
        content_type="application/json",
    )
    assert bad.status_code == 422  # the data classes are an enumeration in the schema
    zero = officer.put(
        "/api/v1/privacy/retention/policies/hub_messages",
        {"months": 0, "active": True},
        content_type="application/json",
    )
    assert zero.status_code == 422
    ok = officer.put(
        "/api/v1/privacy/retention/policies/hub_messages",
        {"months": 6, "active": True},
        content_type="application/json",
    )
    assert ok.json() == {"data_class": "hub_messages", "months": 6, "active": True}
    run = officer.post(
        "/api/v1/privacy/retention/run", {"dry_run": True}, content_type="application/json"
    )
    assert run.status_code == 200
    assert run.json()["dry_run"] is True and "hub_messages" in run.json()["results"]
