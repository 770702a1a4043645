"""CTI events: their rules, their JSON shape (what a PBX posts), the disturbed feed and the
real-time driver."""

from __future__ import annotations

import functools
import random
from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.contact_engine.telephony import (
    EVENT_TYPES,
    ArrivalCurve,
    CallAnswered,
    CallerProfile,
    CallFailed,
    CallOffered,
    CallReleased,
    CallTransferred,
    DialOutcome,
    SwitchConfig,
    SwitchRestarted,
    SwitchSimulator,
    WireError,
    disturb,
    drive,
    from_wire,
    to_wire,
)

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
BASE = {"switch_id": "pbx-quito", "epoch": 3, "at": "2026-03-02T09:30:00+00:00"}


@functools.cache
def a_day(seed: int = 1) -> list:
    sim = SwitchSimulator(
        SwitchConfig(
            trunks=3,
            phones=("a1",),
            arrivals=ArrivalCurve.flat(200),
            callers=CallerProfile(known_numbers=("+593991111111",), withheld_share=0.1),
        ),
        seed=seed,
    )
    events = sim.advance(600)
    ref = next(iter(sim.calls))
    sim.answer(ref, "a1")
    sim.transfer(ref, "a1", to_queue="fraud")
    sim.dial("+593990000001", queue="collections")
    sim.collect(ref, "account", max_digits=6, timeout=10)
    events += sim.advance(3600)
    sim.restart()
    return events + sim.advance(3700)


def test_every_event_of_a_day_survives_the_wire():
    events = a_day()
    assert {e.type for e in events} >= {
        "call.offered",
        "call.answered",
        "call.transferred",
        "call.abandoned",
        "call.blocked",
        "call.dialled",
        "ivr.digits",
        "switch.restarted",
    }
    for event in events:
        wire = to_wire(event)
        assert wire["type"] == event.type
        assert from_wire(wire) == event


def test_the_json_a_pbx_posts():
    event = from_wire(
        {
            "type": "call.offered",
            **BASE,
            "call_ref": "1733390000.42",
            "seq": 1,
            "caller_id": "+593991234567",
            "queue": "billing",
            "collected": {"account": "123456"},
        }
    )
    assert isinstance(event, CallOffered)
    assert event.key == ("pbx-quito", 3, "1733390000.42", 1)
    assert event.collected["account"] == "123456" and event.direction == "inbound"
    released = from_wire(
        {"type": "call.released", **BASE, "call_ref": "x", "seq": 4, "at": "2026-03-02T09:30:00Z"}
    )
    assert isinstance(released, CallReleased) and released.call_ended
    restarted = from_wire({"type": "switch.restarted", **BASE})
    assert isinstance(restarted, SwitchRestarted) and restarted.epoch == 3


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ([], "event"),
        ({"type": "call.teleported", **BASE}, "type"),
        ({"type": "call.answered", **BASE, "call_ref": "c", "seq": 2}, "agent"),
        ({"type": "call.answered", **BASE, "call_ref": "c", "seq": "2", "agent": "a"}, "seq"),
        ({"type": "call.answered", **BASE, "call_ref": "c", "seq": True, "agent": "a"}, "seq"),
        ({"type": "call.answered", **BASE, "call_ref": "c", "seq": 0, "agent": "a"}, "seq"),
        ({"type": "call.answered", **BASE, "call_ref": "", "seq": 1, "agent": "a"}, "call_ref"),
        ({"type": "call.answered", **BASE, "call_ref": "c", "seq": 1, "agent": "a", "x": 1}, "x"),
        ({"type": "switch.restarted", **BASE, "at": "2026-03-02T09:30:00"}, "at"),
        ({"type": "switch.restarted", **BASE, "at": "yesterday"}, "at"),
        ({"type": "switch.restarted", **BASE, "epoch": -1}, "epoch"),
        ({"type": "switch.restarted", **BASE, "switch_id": ""}, "switch_id"),
        (
            {"type": "call.offered", **BASE, "call_ref": "c", "seq": 1, "direction": "up"},
            "direction",
        ),
        (
            {"type": "call.offered", **BASE, "call_ref": "c", "seq": 1, "collected": {"a": 1}},
            "collected",
        ),
        ({"type": "ivr.digits", **BASE, "call_ref": "c", "seq": 3, "digits": "12a"}, "digits"),
        ({"type": "call.abandoned", **BASE, "call_ref": "c", "seq": 2, "waited": -3}, "waited"),
        ({"type": "call.transferred", **BASE, "call_ref": "c", "seq": 3, "agent": "a"}, "to_agent"),
        (
            {"type": "call.failed", **BASE, "call_ref": "c", "seq": 2, "outcome": "answered"},
            "outcome",
        ),
        ({"type": "call.dialled", **BASE, "call_ref": "c", "seq": 1, "number": "+1"}, "queue"),
    ],
)
def test_a_bad_event_names_its_field(raw, field):
    with pytest.raises(WireError) as error:
        from_wire(raw)
    assert error.value.field == field


def test_every_event_type_is_listed_once():
    assert len(EVENT_TYPES) == 13
    assert all(cls.type == name for name, cls in EVENT_TYPES.items())


def test_events_are_values():
    one = CallAnswered(switch_id="s", epoch=0, at=AT, call_ref="c", seq=2, agent="a1")
    same = CallAnswered(switch_id="s", epoch=0, at=AT, call_ref="c", seq=2, agent="a1")
    assert one == same and hash(one) == hash(same)
    moved = CallTransferred(
        switch_id="s", epoch=0, at=AT, call_ref="c", seq=3, agent="a1", to_queue="fraud"
    )
    assert moved.mode == "blind"
    with pytest.raises(ValueError, match="outcome"):
        CallFailed(switch_id="s", epoch=0, at=AT, call_ref="c", seq=2, outcome=DialOutcome.ANSWERED)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 1000),
    share=st.floats(0, 1),
    window=st.integers(0, 20),
)
def test_a_disturbed_feed_loses_nothing(seed, share, window):
    events = a_day(seed % 7)
    spoiled = disturb(events, random.Random(seed), duplicate_share=share, reorder_window=window)
    assert set(spoiled) == set(events)
    counts = Counter(spoiled)
    assert all(1 <= counts[e] <= 2 for e in events)
    if window == 0:
        assert list(dict.fromkeys(spoiled)) == events  # only repeats, in place


def test_drive_follows_a_clock_at_any_speed():
    sim = SwitchSimulator(SwitchConfig(arrivals=ArrivalCurve.flat(3600), trunks=10_000), seed=2)
    wall = [0.0]
    batches: list[list] = []
    ticks: list[float] = []

    def sleep(seconds: float) -> None:
        wall[0] += seconds

    reached = drive(
        sim,
        batches.append,
        speed=60.0,
        until=1800.0,
        tick=1.0,
        clock=lambda: wall[0],
        sleep=sleep,
        before_tick=ticks.append,
    )
    assert reached == 1800.0
    assert wall[0] == pytest.approx(30.0)  # half an hour at sixty times real time
    assert ticks == sorted(ticks) and ticks[-1] == 1740.0  # one tick a simulated minute
    flat = [e for batch in batches for e in batch]
    same = SwitchSimulator(SwitchConfig(arrivals=ArrivalCurve.flat(3600), trunks=10_000), seed=2)
    assert flat == same.advance(1800.0)
    with pytest.raises(ValueError, match="speed"):
        drive(sim, batches.append, speed=0)
