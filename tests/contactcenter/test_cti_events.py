"""CTI events applied to the center: a call's life, who is calling, and every kind of bad
feed — repeated, out of order, about unknown calls or agents, from a PBX that restarted."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from lealtad.contact_engine.telephony import (
    CallAbandoned,
    CallAnswered,
    CallConferenced,
    CallHeld,
    CallOffered,
    CallReleased,
    CallRetrieved,
    CallTransferred,
    SwitchRestarted,
)
from lealtad.contactcenter.choices import AgentState, ContactStatus
from lealtad.contactcenter.models import Agent, CenterEvent, Contact, CtiCall, CtiPending
from lealtad.contactcenter.services import agents, cti, setup
from lealtad.contactcenter.services.runtime import RouterRuntime

from .conftest import ACTOR

S = ContactStatus
AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
_refs = itertools.count(1)


@pytest.fixture
def phones(center) -> dict[str, Agent]:
    """Ana on extension 201 and Luis on 202, both logged in."""
    ana, luis = center["ana"], center["luis"]
    setup.save_agent(
        ana.name, skills={"general": 8, "billing": 7}, extension="201", agent_id=ana.pk
    )
    setup.save_agent(luis.name, skills={"general": 5}, extension="202", agent_id=luis.pk)
    agents.log_in(ana.pk, ACTOR)
    agents.log_in(luis.pk, ACTOR)
    return {"201": ana, "202": luis}


class Call:
    """Events of one call on switch 'pbx', numbered as a PBX would."""

    def __init__(self, epoch: int = 0, ref: str | None = None) -> None:
        self.ref = ref or f"c{next(_refs)}"
        self.epoch = epoch
        self.seq = 0

    def __call__(self, cls: type, **fields: Any):
        self.seq += 1
        return cls(
            switch_id="pbx", epoch=self.epoch, at=AT, call_ref=self.ref, seq=self.seq, **fields
        )


def contact_of(call: Call) -> Contact:
    return Contact.objects.get(source="cti:pbx", external_ref=f"{call.epoch}:{call.ref}")


def state(agent: Agent) -> str:
    return Agent.objects.get(pk=agent.pk).state


def apply(*events):
    return cti.apply_events(list(events))


def test_a_call_from_offered_to_wrap_up(phones, make_customer):
    customer = make_customer(phone="0991234567")
    call = Call()
    [arrived] = apply(
        call(CallOffered, caller_id="+593991234567", queue="general", collected={"account": "77"})
    )
    assert arrived.status == "applied"
    contact = contact_of(call)
    assert (contact.status, contact.customer_id) == (S.QUEUED, customer.pk)
    assert contact.ivr_data == {"account": "77"} and arrived.contact_id == contact.pk
    RouterRuntime().step()
    ringing = contact_of(call).agent
    assert ringing is not None and contact_of(call).status == S.OFFERED
    results = apply(
        call(CallAnswered, agent=ringing.extension),
        call(CallHeld, agent=ringing.extension),
        call(CallRetrieved, agent=ringing.extension),
    )
    assert [r.status for r in results] == ["applied"] * 3
    assert contact_of(call).status == S.HANDLING and state(ringing) == AgentState.BUSY
    apply(call(CallReleased))
    assert contact_of(call).status == S.WRAP_UP and state(ringing) == AgentState.WRAP_UP
    kinds = list(CenterEvent.objects.filter(contact_id=contact.pk).values_list("kind", flat=True))
    assert kinds == [
        "contact.arrived",
        "contact.offered",
        "contact.answered",
        "contact.held",
        "contact.retrieved",
        "contact.released",
    ]


def test_a_shared_number_gives_a_short_list_never_a_silent_first_match(phones, make_customer):
    from lealtad.customers import services as customer_services
    from lealtad.customers.schemas import PhoneIn

    one = make_customer(phone="022634567", given="Rosa")
    two = make_customer(given="Jorge")
    home = PhoneIn(number="022634567", kind="home", is_mobile=False)
    customer_services.add_phone(two, home, customer_services.ChangeContext(ACTOR))
    shared, stranger, withheld = Call(), Call(), Call()
    apply(
        shared(CallOffered, caller_id="+59322634567", queue="general"),
        stranger(CallOffered, caller_id="+593990000001", queue="general"),
        withheld(CallOffered, caller_id="", queue="general"),
    )
    assert contact_of(shared).customer_id is None
    assert sorted(contact_of(shared).candidates) == sorted([one.pk, two.pk])
    for unknown in (stranger, withheld):
        assert (contact_of(unknown).customer_id, contact_of(unknown).candidates) == (None, [])


def test_the_same_feed_twice_writes_nothing_the_second_time(phones):
    call = Call()
    feed = [
        call(CallOffered, caller_id="+593990000002", queue="billing"),
        call(CallAnswered, agent="201"),
        call(CallReleased),
    ]
    assert [r.status for r in apply(*feed)] == ["applied"] * 3
    journal = CenterEvent.objects.count()
    again = apply(*feed, feed[1])
    assert [r.status for r in again] == ["duplicate"] * 4
    assert CenterEvent.objects.count() == journal
    assert Contact.objects.count() == 1 and contact_of(call).status == S.WRAP_UP


def test_events_out_of_order_wait_for_their_turn(phones):
    call = Call()
    offered = call(CallOffered, caller_id="+593990000003", queue="general")
    answered = call(CallAnswered, agent="202")
    held = call(CallHeld, agent="202")
    released = call(CallReleased)
    assert apply(offered)[0].status == "applied"
    later = apply(released, held)
    assert [r.status for r in later] == ["held", "held"]
    assert contact_of(call).status == S.QUEUED  # nothing applied ahead of its turn
    assert apply(held)[0].status == "duplicate"  # a repeat of a held event is a repeat
    [filled] = apply(answered)
    assert filled.status == "applied" and "2 held events" in filled.note
    assert contact_of(call).status == S.WRAP_UP and not CtiPending.objects.exists()
    # a whole batch backwards, its first event last: applied in the call's order
    other = Call()
    batch = [
        other(CallOffered, caller_id="", queue="general"),
        other(CallAnswered, agent="201"),
        other(CallReleased),
    ]
    assert [r.status for r in apply(*reversed(batch))] == ["applied"] * 3
    assert contact_of(other).status == S.WRAP_UP


def test_an_event_about_an_unknown_call_is_refused_and_writes_nothing(phones):
    journal = CenterEvent.objects.count()
    stray = Call()
    stray.seq = 1
    [refused] = apply(stray(CallAnswered, agent="201"))
    assert refused.status == "refused" and refused.code == "unknown_call"
    assert refused.error.field == "call_ref"
    assert CenterEvent.objects.count() == journal
    assert not CtiCall.objects.exists() and state(phones["201"]) == AgentState.AVAILABLE


def test_an_unknown_agent_or_queue_is_refused_and_the_call_goes_on(phones):
    call = Call()
    apply(call(CallOffered, caller_id="", queue="general"))
    journal = CenterEvent.objects.count()
    [ghost] = apply(call(CallAnswered, agent="999"))
    assert (ghost.status, ghost.code, ghost.error.field) == ("refused", "unknown_agent", "agent")
    assert CenterEvent.objects.count() == journal and contact_of(call).status == S.QUEUED
    call.seq -= 1  # the PBX fixes its agent map and sends seq 2 again
    assert apply(call(CallAnswered, agent="201"))[0].status == "applied"
    assert contact_of(call).status == S.HANDLING
    nowhere = Call()
    [bad_queue] = apply(nowhere(CallOffered, caller_id="", queue="astrology"))
    assert (bad_queue.status, bad_queue.error.field) == ("refused", "queue")
    assert not CtiCall.objects.filter(call_ref=nowhere.ref).exists()


def test_a_caller_who_hangs_up_while_ringing_frees_the_agent(phones):
    call = Call()
    apply(call(CallOffered, caller_id="", queue="billing"))
    RouterRuntime().step()
    ringing = contact_of(call).agent
    assert ringing is not None
    apply(call(CallAbandoned, waited=12.0))
    assert contact_of(call).status == S.ABANDONED
    assert state(ringing) == AgentState.AVAILABLE


def test_transfers_keep_the_place_in_line(phones):
    call = Call()
    apply(call(CallOffered, caller_id="", queue="general"), call(CallAnswered, agent="201"))
    place = contact_of(call).place_at
    apply(call(CallTransferred, agent="201", to_queue="billing"))
    moved = contact_of(call)
    assert (moved.status, moved.queue.name, moved.place_at) == (S.QUEUED, "billing", place)
    apply(call(CallAnswered, agent="201"), call(CallTransferred, agent="201", to_agent="202"))
    taken = contact_of(call)
    assert (taken.status, taken.agent_id, taken.place_at) == (S.HANDLING, phones["202"].pk, place)
    assert state(phones["201"]) != AgentState.BUSY
    [three_way] = apply(call(CallConferenced, agent="202", party="201"))
    assert three_way.status == "applied"
    assert CenterEvent.objects.filter(kind="contact.conferenced").count() == 1


def test_a_restarted_switch_closes_its_old_calls_and_frees_their_agents(phones):
    talking, waiting = Call(), Call()
    apply(
        talking(CallOffered, caller_id="", queue="general"),
        talking(CallAnswered, agent="201"),
        waiting(CallOffered, caller_id="", queue="billing"),
    )
    [restart] = apply(SwitchRestarted(switch_id="pbx", epoch=1, at=AT))
    assert restart.status == "applied" and "2 calls reconciled" in restart.note
    assert contact_of(talking).status == S.WRAP_UP
    assert contact_of(waiting).status == S.ABANDONED
    assert state(phones["201"]) == AgentState.WRAP_UP
    RouterRuntime().step(timezone.now() + timedelta(seconds=31))  # wrap-up (30 s) is over
    assert state(phones["201"]) == AgentState.AVAILABLE
    [late] = apply(talking(CallReleased))
    assert (late.status, late.code) == ("refused", "stale_epoch")
    assert apply(SwitchRestarted(switch_id="pbx", epoch=1, at=AT))[0].status == "duplicate"
    # the same call id in the new epoch is a new call
    reused = Call(epoch=1, ref=talking.ref)
    assert apply(reused(CallOffered, caller_id="", queue="general"))[0].status == "applied"
    assert contact_of(reused).pk != contact_of(talking).pk


def test_a_lost_restart_is_noticed_from_the_next_epochs_events(phones):
    old = Call()
    apply(old(CallOffered, caller_id="", queue="general"), old(CallAnswered, agent="202"))
    fresh = Call(epoch=4)
    assert apply(fresh(CallOffered, caller_id="", queue="general"))[0].status == "applied"
    assert contact_of(old).status == S.WRAP_UP
    assert CtiCall.objects.get(call_ref=old.ref).outcome == "restart"


def test_a_gap_that_never_fills_is_skipped_so_no_call_is_stranded(phones):
    call = Call()
    apply(call(CallOffered, caller_id="", queue="general"))
    call.seq += 1  # seq 2 (answered) is lost on the way
    apply(call(CallReleased))
    assert contact_of(call).status == S.QUEUED
    assert cti.skip_open_gaps(older_than=timedelta(0)) == 1
    assert contact_of(call).status == S.ABANDONED and not CtiPending.objects.exists()


def test_a_talking_agent_who_answers_another_call_ends_their_wrap_up(phones):
    first, second = Call(), Call()
    apply(
        first(CallOffered, caller_id="", queue="general"),
        first(CallAnswered, agent="201"),
        first(CallReleased),
    )
    assert state(phones["201"]) == AgentState.WRAP_UP
    apply(second(CallOffered, caller_id="", queue="general"), second(CallAnswered, agent="201"))
    assert contact_of(first).status == S.DONE
    assert contact_of(second).status == S.HANDLING and state(phones["201"]) == AgentState.BUSY


def test_a_fact_that_contradicts_lealtad_is_ignored_and_does_not_hold_the_call_back(phones):
    call = Call()
    apply(call(CallOffered, caller_id="", queue="billing"))  # only Ana has billing
    RouterRuntime().step()
    assert contact_of(call).agent_id == phones["201"].pk
    agents.set_state(phones["202"].pk, "break", ACTOR)
    with translation.override("en"):
        [odd] = apply(call(CallAnswered, agent="202"))  # Luis, on a break, says he has it
    assert odd.status == "ignored" and "not ringing at Luis" in odd.note
    assert contact_of(call).status == S.OFFERED  # nothing changed …
    [gone] = apply(call(CallReleased))  # … and the next event is not held back
    assert gone.status == "applied" and contact_of(call).status == S.ABANDONED
    assert state(phones["201"]) == AgentState.AVAILABLE


def test_wrap_ups_past_their_end_close_even_with_no_router(phones):
    setup.update_settings(wrap_up_seconds=0)
    call = Call()
    apply(
        call(CallOffered, caller_id="", queue="general"),
        call(CallAnswered, agent="201"),
        call(CallReleased),
    )
    assert state(phones["201"]) == AgentState.WRAP_UP
    cti._swept[0] = 0.0  # the sweep runs at most once a second
    apply()  # the next batch from the PBX, whatever it holds
    assert contact_of(call).status == S.DONE and state(phones["201"]) == AgentState.AVAILABLE
