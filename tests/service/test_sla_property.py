"""Hypothesis: whatever agents and customers do to a case, in any order, the SLA stored on
it is what the history says — refreshing again changes nothing and records no new policy, a
paused or finished case has no resolution due time, and an answered one no response due."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.service.models import BusinessCalendar, Case, SlaPolicy, SupportGroup
from lealtad.service.services import cases, sla
from lealtad.service.services.cases import NewCase

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
STEPS = st.lists(
    st.sampled_from(
        [
            "reply",
            "note",
            "message",
            "pending_customer",
            "pending_part",
            "open",
            "resolve",
            "priority",
        ]
    ),
    max_size=8,
)


@pytest.fixture
def desk(db):
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    office = BusinessCalendar.objects.create(name="ec", label="EC", country="EC")
    SlaPolicy.objects.create(
        name="urgente",
        label="U",
        calendar=office,
        first_response_minutes=15,
        resolution_minutes=120,
        priorities=[4],
        rank=1,
    )
    SlaPolicy.objects.create(
        name="estandar",
        label="E",
        calendar=office,
        first_response_minutes=240,
        resolution_minutes=2880,
        rank=9,
    )


def _apply(case_id: int, step: str) -> None:
    try:
        if step == "reply":
            cases.reply(case_id, "Respuesta", ACTOR)
        elif step == "note":
            cases.note(case_id, "Nota", ACTOR)
        elif step == "message":
            cases.customer_message(case_id, "Sigue igual", ACTOR)
        elif step == "resolve":
            cases.resolve(case_id, ACTOR)
        elif step == "priority":
            Case.objects.filter(pk=case_id).update(priority=4)
            sla.refresh_case(case_id)
        else:
            cases.set_status(case_id, step, ACTOR)
    except DomainError:
        pass  # a refused step (resolving twice) writes nothing


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_the_stored_sla_is_what_the_history_says(desk, steps):
    case = cases.open_case(NewCase(subject="Caso", category="post_sale", customer_id=1), ACTOR)
    for step in steps:
        _apply(case.pk, step)
    case.refresh_from_db()
    before = (case.first_response_due, case.resolution_due, case.sla_breached, case.sla_policy_id)
    lines = case.entries.filter(kind="sla").count()
    sla.refresh_case(case.pk)
    case.refresh_from_db()
    after = (case.first_response_due, case.resolution_due, case.sla_breached, case.sla_policy_id)
    assert after == before and case.entries.filter(kind="sla").count() == lines
    if case.status in ("pending_customer", "pending_part", "resolved", "closed"):
        assert case.resolution_due is None
    if case.first_response_at is not None:
        assert case.first_response_due is None
    expected = "urgente" if "priority" in steps and case.status != "resolved" else None
    if expected:
        assert case.sla_policy.name == "urgente"
