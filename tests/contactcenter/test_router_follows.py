"""A long-lived router moved by the journal equals one rebuilt from the rows, whatever the
center did in between (calls, answers, missed offers, transfers, hang-ups, breaks)."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.contactcenter.errors import CenterRefused, NotThere, WrongState
from lealtad.contactcenter.models import Contact
from lealtad.contactcenter.schemas import ContactIn
from lealtad.contactcenter.services import agents, contacts
from lealtad.contactcenter.services.runtime import RouterRuntime

from .conftest import ACTOR

pytestmark = pytest.mark.django_db(transaction=True)

STEPS = st.lists(
    st.sampled_from(
        [
            "call",
            "call",
            "chat",
            "answer",
            "release",
            "wrap",
            "decline",
            "abandon",
            "transfer",
            "break",
            "back",
            "tick",
        ]
    ),
    min_size=5,
    max_size=18,
)


def _picture(snapshot: dict) -> tuple:
    people = sorted(
        (a["id"], a["logged_in"], a["presence"], sorted(w[0] for w in a["wrapping"]))
        for a in snapshot["agents"]
    )
    calls = sorted((c["id"], c["status"], c["agent_id"], c["queue"]) for c in snapshot["contacts"])
    return people, calls


def _do(step: str, center: dict, clock: list) -> None:
    live = list(Contact.objects.exclude(status__in=["done", "abandoned", "blocked"]))
    pick = {
        s: [c for c in live if c.status == s] for s in ("queued", "offered", "handling", "wrap_up")
    }
    if step in ("call", "chat"):
        medium = "voice" if step == "call" else "chat"
        contacts.receive(ContactIn(queue="general", medium=medium), ACTOR, at=clock[0])
    elif step == "answer" and pick["offered"]:
        contacts.answer(pick["offered"][0].pk, ACTOR)
    elif step == "release" and pick["handling"]:
        contacts.release(pick["handling"][0].pk, ACTOR)
    elif step == "wrap" and pick["wrap_up"]:
        contacts.wrap_up(pick["wrap_up"][0].pk, ACTOR, outcome="resolved")
    elif step == "decline" and pick["offered"]:
        contacts.decline(pick["offered"][0].pk, ACTOR)
    elif step == "abandon" and (pick["queued"] or pick["offered"]):
        contacts.abandon((pick["queued"] + pick["offered"])[0].pk)
    elif step == "transfer" and pick["handling"]:
        contacts.transfer(pick["handling"][0].pk, "premier", ACTOR)
    elif step == "break":
        agents.set_state(center["luis"].pk, "break", ACTOR)
    elif step == "back":
        agents.set_state(center["luis"].pk, "available", ACTOR)
    elif step == "tick":
        clock[0] += timedelta(seconds=25)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=STEPS)
def test_the_followed_router_equals_the_rebuilt_one(center, steps):
    Contact.objects.all().delete()
    for agent in (center["ana"], center["luis"]):
        agents.log_in(agent.pk, ACTOR)
    runtime = RouterRuntime(reconcile_every=3600)
    clock = [timezone.now()]
    runtime.step(clock[0])
    for step in steps:
        with contextlib.suppress(WrongState, CenterRefused, NotThere):
            _do(step, center, clock)  # a step the center refuses changes nothing
        runtime.step(clock[0])
        followed = _picture(runtime.current().snapshot())
        assert followed == _picture(RouterRuntime().rebuild().snapshot())
    for agent in (center["ana"], center["luis"]):
        for contact in Contact.objects.filter(agent=agent).exclude(status="done"):
            contacts.abandon(contact.pk) if contact.status in ("queued", "offered") else None
    assert runtime.rebuilds <= 1 + sum(s == "transfer" for s in steps) + len(steps) // 2
