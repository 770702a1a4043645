"""A whole spoiled feed — repeats, reordering, the PBX re-sending what was refused — ends
the center in the state the switch says: each call one contact, ended as it ended."""

from __future__ import annotations

import random

import pytest

from lealtad.contact_engine.telephony import (
    ArrivalCurve,
    CallAbandoned,
    CallerProfile,
    CallOffered,
    CallReleased,
    SwitchConfig,
    SwitchSimulator,
    disturb,
)
from lealtad.contactcenter.choices import AgentState, ContactStatus
from lealtad.contactcenter.models import Agent, Contact, CtiPending
from lealtad.contactcenter.services import agents, cti, setup

from .conftest import ACTOR

S = ContactStatus
PHONES = ("301", "302", "303")


def switch_day(seed: int) -> tuple[list, dict[str, str]]:
    """Half an hour on a switch whose agents take calls as their phones free up; the feed
    and how each call ended (answered or abandoned)."""
    switch = SwitchSimulator(
        SwitchConfig(
            switch_id="pbx",
            phones=PHONES,
            arrivals=ArrivalCurve.flat(150, hours=0.5),
            callers=CallerProfile(
                queues={"general": 2, "billing": 1}, patience_mean=60, talk_mean=120
            ),
        ),
        seed=seed,
    )
    feed: list = []
    waiting: list[str] = []
    ended: dict[str, str] = {}
    while switch.now < 1800 or switch.calls:
        for event in switch.advance(switch.now + 5):
            feed.append(event)
            if isinstance(event, CallOffered):
                waiting.append(event.call_ref)
            elif isinstance(event, CallAbandoned):
                waiting.remove(event.call_ref)
                ended[event.call_ref] = "abandoned"
        for phone in PHONES:
            if waiting and not switch.phones[phone]:
                ref = waiting.pop(0)
                switch.answer(ref, phone)
                ended[ref] = "answered"
        feed.extend(switch.take_events())
    return feed, ended


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_spoiled_feed_ends_where_the_switch_ended(center, seed):
    for n, phone in enumerate(PHONES):
        found = setup.save_agent(
            f"Agente {n}", skills={"general": 6, "billing": 6}, extension=phone
        )
        agents.log_in(found.pk, ACTOR)
    feed, ended = switch_day(seed)
    assert any(isinstance(e, CallReleased) for e in feed) and "abandoned" in ended.values()
    spoiled = disturb(feed, random.Random(seed), duplicate_share=0.2, reorder_window=8)
    resend: list = []
    for start in range(0, len(spoiled), 10):
        batch = resend + spoiled[start : start + 10]
        results = cti.apply_events(batch)
        resend = [e for e, r in zip(batch, results, strict=True) if r.code == "unknown_call"]
        assert all(r.status != "refused" or r.code == "unknown_call" for r in results)
    assert [r.status for r in cti.apply_events(resend)].count("refused") == 0
    assert not CtiPending.objects.exists()  # every held event found its turn
    contacts = {c.external_ref.split(":", 1)[1]: c for c in Contact.objects.all()}
    assert set(contacts) == set(ended)  # each offered call is one contact
    for ref, how in ended.items():
        # answered: in wrap-up, or done once the agent's phone took the next call
        expected = {S.WRAP_UP, S.DONE} if how == "answered" else {S.ABANDONED}
        assert contacts[ref].status in expected, ref
        assert (contacts[ref].answered_at is not None) == (how == "answered"), ref
    states = set(Agent.objects.filter(extension__in=PHONES).values_list("state", flat=True))
    assert states <= {AgentState.AVAILABLE, AgentState.WRAP_UP}
