"""A call from arrival to the timeline, through the router runtime the ACD process runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lealtad.contactcenter.choices import AgentState, ContactStatus
from lealtad.contactcenter.errors import WrongState
from lealtad.contactcenter.models import Agent, CenterEvent, Contact
from lealtad.contactcenter.schemas import ContactIn
from lealtad.contactcenter.services import agents, contacts
from lealtad.contactcenter.services.runtime import RouterRuntime
from lealtad.core.dispatcher import OutboxDispatcher
from lealtad.customers.models import Interaction

from .conftest import ACTOR

pytestmark = pytest.mark.django_db(transaction=True)


def _call(queue: str = "billing", **more) -> Contact:
    return contacts.receive(ContactIn(queue=queue, caller_id="", **more), ACTOR)


def test_a_call_is_offered_answered_wrapped_and_lands_on_the_timeline(center, make_customer):
    customer = make_customer()
    agents.log_in(center["ana"].pk, ACTOR)
    call = _call(customer_id=customer.pk, subject="factura")
    runtime = RouterRuntime()
    assert runtime.step() == 1
    call.refresh_from_db()
    assert (call.status, call.agent_id) == (ContactStatus.OFFERED, center["ana"].pk)
    contacts.answer(call.pk, ACTOR)
    assert Agent.objects.get(pk=center["ana"].pk).state == AgentState.BUSY
    contacts.release(call.pk, ACTOR)
    contacts.wrap_up(call.pk, ACTOR, code="billing-inquiry", outcome="resolved", notes="ok")
    assert Agent.objects.get(pk=center["ana"].pk).state == AgentState.AVAILABLE
    kinds = list(CenterEvent.objects.filter(contact_id=call.pk).values_list("kind", flat=True))
    assert kinds == [
        "contact.arrived",
        "contact.offered",
        "contact.answered",
        "contact.released",
        "contact.wrapped",
    ]
    OutboxDispatcher().run_once()
    OutboxDispatcher().run_once()  # a repeat delivery writes nothing twice
    steps = Interaction.objects.filter(customer=customer, kind="contact")
    assert steps.count() == 1
    assert steps.get().related_id == str(call.pk)


def test_a_missed_offer_moves_on_at_once_and_keeps_its_place(center):
    agents.log_in(center["ana"].pk, ACTOR)
    agents.log_in(center["luis"].pk, ACTOR)
    first = _call("general")
    runtime = RouterRuntime()
    runtime.step()
    first.refresh_from_db()
    rung = first.agent_id
    later = timezone.now() + timedelta(seconds=21)
    runtime.step(later)  # the offer timed out: back in line, offered to the other agent
    first.refresh_from_db()
    assert first.status == ContactStatus.OFFERED
    assert first.agent_id not in (None, rung)
    assert Agent.objects.get(pk=rung).state == AgentState.NOT_READY


def test_an_agent_with_a_contact_cannot_take_a_break_or_log_out(center):
    agents.log_in(center["ana"].pk, ACTOR)
    call = _call()
    RouterRuntime().step()
    contacts.answer(call.pk, ACTOR)
    with pytest.raises(WrongState):
        agents.set_state(center["ana"].pk, "break", ACTOR)
    with pytest.raises(WrongState):
        agents.log_out(center["ana"].pk, ACTOR)


def test_the_same_outside_reference_twice_is_one_contact(center):
    one = _call(source="pbx-1", external_ref="call-77")
    two = _call(source="pbx-1", external_ref="call-77")
    assert one.pk == two.pk
    assert CenterEvent.objects.filter(kind="contact.arrived").count() == 1


def test_a_transfer_keeps_the_place_in_line(center):
    agents.log_in(center["luis"].pk, ACTOR)
    early = _call("billing")  # nobody may take billing at proficiency 5 but Ana (logged out)
    late = _call("general")
    contacts.transfer(early.pk, "general", ACTOR)
    RouterRuntime().step()
    early.refresh_from_db()
    late.refresh_from_db()
    assert early.status == ContactStatus.OFFERED  # ahead of the later caller
    assert late.status == ContactStatus.QUEUED


def test_wrap_up_ends_by_itself_when_its_time_is_up(center):
    agents.log_in(center["ana"].pk, ACTOR)
    call = _call()
    runtime = RouterRuntime()
    runtime.step()
    contacts.answer(call.pk, ACTOR)
    contacts.release(call.pk, ACTOR)
    runtime.step(timezone.now() + timedelta(seconds=31))
    call.refresh_from_db()
    assert call.status == ContactStatus.DONE
    assert Agent.objects.get(pk=center["ana"].pk).state == AgentState.AVAILABLE


def test_beyond_the_trunks_a_call_is_blocked(center):
    from lealtad.contactcenter.services import setup

    setup.update_settings(trunks=1)
    _call()
    second = _call()
    assert second.status == ContactStatus.BLOCKED


def test_a_call_the_switch_refused_counts_as_all_trunks_busy(center):
    refused = contacts.receive(
        ContactIn(queue="general", source="cti:pbx1", external_ref="0:c9"),
        ACTOR,
        blocked_by_switch=True,
    )
    assert refused.status == ContactStatus.BLOCKED
    assert CenterEvent.objects.get(contact_id=refused.pk).kind == "contact.blocked"


def test_a_wrap_up_can_open_a_service_case_through_the_hub(center, make_customer):
    from lealtad.contactcenter.services import setup
    from lealtad.service.models import Case

    setup.save_wrap_up_code("plan-change", "Cambio de plan", "account_maintenance")
    customer = make_customer()
    agents.log_in(center["ana"].pk, ACTOR)
    call = _call("general", customer_id=customer.pk, subject="Quiere cambiar de plan")
    RouterRuntime().step()
    contacts.answer(call.pk, ACTOR)
    contacts.wrap_up(
        call.pk, ACTOR, code="plan-change", outcome="escalated", notes="Pide 100 h", open_case=True
    )
    OutboxDispatcher().run_once()
    OutboxDispatcher().run_once()
    case = Case.objects.get(contact_id=call.pk)
    assert (case.customer_id, case.category, case.channel) == (
        customer.pk,
        "account_maintenance",
        "call_center",
    )
    assert case.description == "Pide 100 h"
    assert Case.objects.count() == 1
