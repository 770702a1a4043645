"""What the agent does at the desktop happens on the switch the call is on, after commit,
and what the switch then reports is not sent back to it."""

from __future__ import annotations

import pytest
from django.db import transaction

from lealtad.contact_engine.telephony.simulator import CallState, SwitchConfig, SwitchSimulator
from lealtad.contactcenter.choices import ContactStatus
from lealtad.contactcenter.models import Contact
from lealtad.contactcenter.services import agents, contacts, setup, telephony
from lealtad.contactcenter.services.cti import apply_events
from lealtad.contactcenter.services.runtime import RouterRuntime

from .conftest import ACTOR

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def switch(center):
    setup.save_agent("Ana", agent_id=center["ana"].pk, skills={"general": 8}, extension="ext-ana")
    sim = SwitchSimulator(SwitchConfig(switch_id="pbx1", phones=("ext-ana",)))
    telephony.register_switch(sim)
    yield sim
    telephony.unregister_switch("pbx1")


def _ring(sim: SwitchSimulator) -> tuple[str, Contact]:
    ref = sim.place_call("0991112233", "general", patience=600, talk=600)
    apply_events(sim.take_events())
    return ref, Contact.objects.get(source="cti:pbx1")


def test_answer_hold_and_release_at_the_desktop_move_the_call_on_the_switch(center, switch):
    agents.log_in(center["ana"].pk, ACTOR)
    ref, contact = _ring(switch)
    assert contact.status == ContactStatus.QUEUED
    RouterRuntime().step()
    contacts.answer(contact.pk, ACTOR)
    assert switch.calls[ref].state == CallState.TALKING
    apply_events(switch.take_events())  # the switch reports the answer: no echo, no error
    contacts.hold(contact.pk, ACTOR)
    assert switch.calls[ref].state == CallState.HELD
    apply_events(switch.take_events())
    contacts.retrieve(contact.pk, ACTOR)
    contacts.release(contact.pk, ACTOR)
    assert ref not in switch.calls
    apply_events(switch.take_events())
    assert Contact.objects.get(pk=contact.pk).status == ContactStatus.WRAP_UP


def test_nothing_reaches_the_switch_when_the_change_rolls_back(center, switch):
    agents.log_in(center["ana"].pk, ACTOR)
    ref, contact = _ring(switch)
    RouterRuntime().step()
    with pytest.raises(RuntimeError), transaction.atomic():
        contacts.answer(contact.pk, ACTOR)
        raise RuntimeError("the request failed after the answer")
    assert switch.calls[ref].state == CallState.WAITING
    assert Contact.objects.get(pk=contact.pk).status == ContactStatus.OFFERED
