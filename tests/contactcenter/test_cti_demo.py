"""The desktop's steps reach the switch (the mirror), and the demo center runs a stretch of
its day through CTI with every call accounted for."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from lealtad.contact_engine.telephony import (
    CallAnswered,
    CallHeld,
    CallReleased,
    SwitchConfig,
    SwitchSimulator,
)
from lealtad.contact_engine.telephony.simulator import CallState
from lealtad.contactcenter import demo
from lealtad.contactcenter.choices import AgentState, ContactStatus
from lealtad.contactcenter.models import Agent, Contact, CtiCall
from lealtad.contactcenter.services import agents, contacts, cti, setup
from lealtad.contactcenter.services.cti_commands import SwitchMirror
from lealtad.contactcenter.services.runtime import RouterRuntime

from .conftest import ACTOR

S = ContactStatus


def test_what_the_agent_does_at_the_desktop_the_switch_does_to_the_call(center):
    ana = setup.save_agent(
        "Ana Quishpe", skills={"general": 8}, extension="201", agent_id=center["ana"].pk
    )
    agents.log_in(ana.pk, ACTOR)
    switch = SwitchSimulator(SwitchConfig(switch_id="pbx", phones=("201", "202")), seed=1)
    mirror = SwitchMirror(switch)
    ref = switch.place_call("", "general", patience=1e6, talk=1e6)
    cti.apply_events(switch.take_events())
    RouterRuntime().step()
    contact = Contact.objects.get(external_ref=f"0:{ref}")
    assert contact.status == S.OFFERED and switch.calls[ref].state is CallState.WAITING

    contacts.answer(contact.pk, ACTOR)  # the agent clicks "answer"
    assert mirror.step() == 1
    assert switch.calls[ref].state is CallState.TALKING and switch.phones["201"] == ref
    contacts.hold(contact.pk, ACTOR)
    mirror.step()
    assert switch.calls[ref].state is CallState.HELD
    echoed = switch.take_events()
    assert [type(e) for e in echoed] == [CallAnswered, CallHeld]
    assert [r.status for r in cti.apply_events(echoed)] == ["applied", "applied"]
    assert Contact.objects.get(pk=contact.pk).status == S.HELD  # applied twice, changed once

    contacts.retrieve(contact.pk, ACTOR)
    contacts.release(contact.pk, ACTOR)  # the agent hangs up
    mirror.step()
    assert ref not in switch.calls and switch.phones["201"] == ""
    ended = switch.take_events()
    assert isinstance(ended[-1], CallReleased)
    assert [r.status for r in cti.apply_events(ended)] == ["ignored", "applied"]
    assert CtiCall.objects.get(call_ref=ref).ended
    assert Contact.objects.get(pk=contact.pk).status == S.WRAP_UP
    assert mirror.step() == 0  # nothing left to send; the switch's own echoes are refused


def test_the_demo_center_is_created_once(db):
    first = demo.ensure_center()
    again = demo.ensure_center()
    assert [m.agent_id for m in first] == [m.agent_id for m in again]
    assert len(first) == 12 and Agent.objects.count() == 12
    assert [m.username for m in first if m.human] == ["agente1", "agente2"]
    user = User.objects.get(username="agente1")
    assert user.check_password(demo.DEMO_PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == ["agent"]
    assert len({m.extension for m in first}) == 12


def test_half_an_hour_of_the_demo_day_loses_no_call_and_strands_no_agent(db):
    # The demo starts at the time of day it is run (calls follow the day's curve); the test
    # runs at 10:30 today, not in the quiet evening a late run would get (30 calls, not 40+).
    morning = timezone.localtime().replace(hour=10, minute=30, second=0, microsecond=0)
    center = demo.DemoCenter(calls_per_day=3000, seed=3, route=True, now=morning)
    switch = center.switch
    start = switch.now
    while switch.now < start + 1800:
        center.tick(switch.now)
        center.feed(switch.advance(switch.now + 2.0))
    stats = switch.stats
    assert stats.offered > 40 and stats.answered > 20
    calls = CtiCall.objects.filter(switch_id=demo.SWITCH_ID, epoch=switch.epoch)
    offered = calls.exclude(contact=None)
    assert offered.count() == stats.offered  # every call the switch offered is one contact
    assert Contact.objects.filter(source=f"cti:{demo.SWITCH_ID}").count() == stats.offered
    live_on_switch = {f"{switch.epoch}:{ref}" for ref in switch.calls}
    for contact in Contact.objects.filter(source=f"cti:{demo.SWITCH_ID}"):
        alive = contact.status in (S.QUEUED, S.OFFERED, S.HANDLING, S.HELD)
        assert alive == (contact.external_ref in live_on_switch), contact.external_ref
    states = Counter(Agent.objects.values_list("state", flat=True))
    assert states[AgentState.NOT_READY] == 0
    assert states[AgentState.LOGGED_OUT] == 2  # the two left for people to drive
    humans = Agent.objects.filter(user__username__in=demo.HUMANS)
    assert not Contact.objects.filter(agent__in=humans).exists()


@pytest.mark.parametrize("seconds", [0.0, 3599.0, 86399.5, 90000.0])
def test_the_demo_clock_reads_as_a_time_of_day(seconds):
    text = demo.clock_text(seconds)
    assert len(text) == 8 and text.count(":") == 2
    assert demo.clock_text(3661) == "01:01:01"


def test_the_demo_command_sets_the_center_up_and_runs_a_stretch_of_the_day(db):
    from typer.testing import CliRunner

    from lealtad.cli import app

    runner = CliRunner()
    made = runner.invoke(app, ["contactcenter", "demo", "--setup-only"])
    assert made.exit_code == 0, made.output
    assert "agente1" in made.output and Agent.objects.count() == 12
    ran = runner.invoke(
        app, ["contactcenter", "demo", "--speed", "600", "--until", "10", "--route"]
    )
    assert ran.exit_code == 0, ran.output
    assert "calls offered" in ran.output
    assert Contact.objects.filter(source=f"cti:{demo.SWITCH_ID}").exists()
    bad = runner.invoke(app, ["contactcenter", "demo", "--speed", "0"])
    assert bad.exit_code != 0 and "--speed" in bad.output
