"""A case's life through the service desk's services."""

from __future__ import annotations

import pytest

from lealtad.core.audit import Actor
from lealtad.core.models import OutboxMessage
from lealtad.service.models import Case, CaseEntry, SupportGroup
from lealtad.service.services import cases
from lealtad.service.services.cases import CaseNotFound, CaseRefused, CaseState, NewCase

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def _groups(db: None) -> None:
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    SupportGroup.objects.create(name="expertos", label="Expertos", level=2)


def _open(**more) -> Case:
    fields = {
        "subject": "No me llega la factura",
        "category": "billing_inquiry",
        "subtype": "billing_cycle",
        "customer_id": 41,
    }
    return cases.open_case(NewCase(**{**fields, **more}), ACTOR)


def test_a_case_gets_a_number_a_group_and_announces_itself():
    case = _open()
    assert case.number == f"CASO-{case.pk:06d}"
    assert case.group.name == "nivel1"
    assert OutboxMessage.objects.filter(event_type="case.opened", customer_id=41).count() == 1


def test_only_a_public_reply_is_the_first_response():
    case = _open()
    cases.note(case.pk, "Revisar con facturación", ACTOR)
    assert Case.objects.get(pk=case.pk).first_response_at is None
    cases.reply(case.pk, "Estimada cliente, ya la reenviamos.", ACTOR)
    case.refresh_from_db()
    assert case.first_response_at is not None
    assert case.status == "open"


def test_the_customer_writing_again_reopens_a_paused_or_resolved_case():
    case = _open()
    cases.set_status(case.pk, "pending_customer", ACTOR)
    cases.customer_message(case.pk, "Aquí está el dato", ACTOR)
    assert Case.objects.get(pk=case.pk).status == "open"
    cases.resolve(case.pk, ACTOR)
    cases.customer_message(case.pk, "Sigue sin llegar", ACTOR)
    assert Case.objects.get(pk=case.pk).status == "open"


def test_bad_requests_are_refused_and_write_nothing():
    with pytest.raises(CaseRefused):
        _open(subtype="rate_change", category="pre_sale")
    with pytest.raises(CaseRefused):
        _open(customer_id=None)
    with pytest.raises(CaseNotFound):
        _open(group="nadie")
    assert Case.objects.count() == 0
    case = _open()
    with pytest.raises(CaseRefused):
        cases.resolve(case.pk, ACTOR, outcome="commitment")
    cases.set_status(case.pk, "closed", ACTOR)
    with pytest.raises(CaseState):
        cases.reply(case.pk, "tarde", ACTOR)
    assert CaseEntry.objects.filter(case=case).count() == 2


def test_resolving_charges_each_group_the_case_passed_through_once():
    SupportGroup.objects.filter(name="nivel1").update(cost_per_case=12)
    SupportGroup.objects.filter(name="expertos").update(cost_per_case=30)
    case = _open()
    cases.assign(case.pk, ACTOR, group="expertos")
    line = CaseEntry.objects.filter(case=case, kind="assigned").last()
    assert (line.data["from"], line.data["group"]) == ("nivel1", "expertos")
    cases.resolve(case.pk, ACTOR)
    assert Case.objects.get(pk=case.pk).cost == 42
    cases.customer_message(case.pk, "Sigue igual", ACTOR)  # reopened
    cases.resolve(case.pk, ACTOR)
    assert Case.objects.get(pk=case.pk).cost == 42  # no group is charged twice
