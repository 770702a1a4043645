"""Who the caller is, who goes first, and a router that restarts mid-offer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from lealtad.contactcenter.choices import AgentState, ContactStatus
from lealtad.contactcenter.errors import CenterRefused, NotThere, WrongState
from lealtad.contactcenter.models import Agent, CenterEvent, Contact
from lealtad.contactcenter.schemas import ContactIn
from lealtad.contactcenter.services import agents, contacts
from lealtad.contactcenter.services.runtime import RouterRuntime
from lealtad.core.audit import Actor
from lealtad.customers.services.standing import record_standings

from .conftest import ACTOR

pytestmark = pytest.mark.django_db(transaction=True)


def _stand(customer_id: int, tier: str, clv: float = 0.0) -> None:
    row = [customer_id, tier, "loyal", date(2026, 1, 1), 3, 3, 3, 100.0, 5.0, clv]
    row += [1.0, 50.0, 0.9, 0.1, "low", "[]", 3, date(2026, 11, 1), None]
    record_standings([row], run_id=None, computed_at=timezone.now(), actor=ACTOR)


def test_a_caller_id_held_by_several_customers_gives_a_short_list(center, make_customer):
    shared = "022634567"
    one = make_customer(phone=shared, given="Rosa")
    two_ref_phone = make_customer(given="Pedro")
    from lealtad.customers import services as customer_services
    from lealtad.customers.schemas import PhoneIn

    customer_services.add_phone(
        two_ref_phone,
        PhoneIn(number=shared, kind="home", is_mobile=False),
        customer_services.ChangeContext(ACTOR),
    )
    call = contacts.receive(ContactIn(queue="general", caller_id="(02) 263 4567"), ACTOR)
    assert call.customer_id is None
    assert sorted(call.candidates) == sorted([one.pk, two_ref_phone.pk])
    contacts.link_customer(call.pk, one.pk, ACTOR)
    call.refresh_from_db()
    assert (call.customer_id, call.candidates) == (one.pk, [])


def test_a_single_holder_is_linked_and_an_unknown_number_is_no_one(center, make_customer):
    known = make_customer(phone="0991234567")
    assert (
        contacts.receive(ContactIn(queue="general", caller_id="099 123 4567"), ACTOR).customer_id
        == known.pk
    )
    stranger = contacts.receive(ContactIn(queue="general", caller_id="0987654321"), ACTOR)
    assert (stranger.customer_id, stranger.candidates) == (None, [])
    withheld = contacts.receive(ContactIn(queue="general", caller_id="anonymous"), ACTOR)
    assert withheld.status == ContactStatus.QUEUED


def test_the_most_valuable_customer_is_served_first_within_the_head_start(center, make_customer):
    regular, valuable = make_customer(), make_customer()
    _stand(regular.pk, "regular")
    _stand(valuable.pk, "mvc", clv=900.0)
    now = timezone.now()
    first = contacts.receive(ContactIn(queue="general", customer_id=regular.pk), ACTOR, at=now)
    second = contacts.receive(
        ContactIn(queue="general", customer_id=valuable.pk), ACTOR, at=now + timedelta(seconds=20)
    )
    assert second.tier == "mvc"
    agents.log_in(center["luis"].pk, ACTOR)
    RouterRuntime().step(now + timedelta(seconds=21))
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == ContactStatus.OFFERED  # 60 s head start beats 20 s of waiting
    assert first.status == ContactStatus.QUEUED


def test_a_regular_caller_who_waited_past_the_cap_is_never_passed(center, make_customer):
    regular, valuable = make_customer(), make_customer()
    _stand(valuable.pk, "mvc")
    now = timezone.now()
    first = contacts.receive(ContactIn(queue="general", customer_id=regular.pk), ACTOR, at=now)
    contacts.receive(
        ContactIn(queue="general", customer_id=valuable.pk),
        ACTOR,
        at=now + timedelta(seconds=125),
    )
    agents.log_in(center["luis"].pk, ACTOR)
    RouterRuntime().step(now + timedelta(seconds=126))
    first.refresh_from_db()
    assert first.status == ContactStatus.OFFERED


def test_a_new_router_keeps_a_ringing_offer_and_its_deadline(center):
    agents.log_in(center["ana"].pk, ACTOR)
    call = contacts.receive(ContactIn(queue="general"), ACTOR)
    RouterRuntime().step()
    call.refresh_from_db()
    assert call.status == ContactStatus.OFFERED
    fresh = RouterRuntime()  # the old router process was killed
    assert fresh.step(timezone.now() + timedelta(seconds=5)) == 0  # still ringing: no double
    assert CenterEvent.objects.filter(kind="contact.offered").count() == 1
    fresh = RouterRuntime()
    fresh.step(timezone.now() + timedelta(seconds=21))
    call.refresh_from_db()
    assert call.status == ContactStatus.QUEUED  # timed out, back in line, nobody else free
    assert Agent.objects.get(pk=center["ana"].pk).state == AgentState.NOT_READY


def test_bad_requests_change_nothing(center):
    with pytest.raises(NotThere):
        contacts.receive(ContactIn(queue="nowhere"), ACTOR)
    call = contacts.receive(ContactIn(queue="general"), ACTOR)
    with pytest.raises(WrongState):
        contacts.answer(call.pk, ACTOR)  # not offered to anyone
    with pytest.raises(WrongState):
        contacts.release(call.pk, ACTOR)
    with pytest.raises(CenterRefused):
        contacts.wrap_up(call.pk, ACTOR, outcome="commitment")  # no follow-up date
    with pytest.raises(NotThere):
        contacts.transfer(call.pk, "nowhere", ACTOR)
    call.refresh_from_db()
    assert call.status == ContactStatus.QUEUED
    assert CenterEvent.objects.count() == 1
    with pytest.raises(WrongState):
        agents.set_state(center["ana"].pk, "break", ACTOR)  # logged out: log in first


def test_an_abandon_while_ringing_frees_the_agent(center):
    agents.log_in(center["ana"].pk, ACTOR)
    call = contacts.receive(ContactIn(queue="general"), ACTOR)
    RouterRuntime().step()
    contacts.abandon(call.pk, Actor.system("pbx"))
    contacts.abandon(call.pk, Actor.system("pbx"))  # repeated: nothing more
    assert Contact.objects.get(pk=call.pk).status == ContactStatus.ABANDONED
    assert Agent.objects.get(pk=center["ana"].pk).state == AgentState.AVAILABLE
    assert CenterEvent.objects.filter(kind="contact.abandoned").count() == 1
