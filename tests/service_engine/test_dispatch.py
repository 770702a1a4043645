"""The dispatch core: who takes a field visit, and when (plain values, no database)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.service_engine.dispatch import (
    Booking,
    DispatchError,
    Technician,
    Visit,
    choose,
    free_slots,
    overlaps,
)

DAY = datetime(2026, 12, 7, 8, 0)
END = datetime(2026, 12, 7, 17, 0)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


def tech(pk: int, skills=("boiler",), zones=("norte",), bookings=()) -> Technician:
    return Technician(pk, frozenset(skills), frozenset(zones), DAY, END, tuple(bookings))


def test_only_a_technician_with_the_skill_is_chosen():
    plan = choose(Visit("fridge", "norte", 60), [tech(1), tech(2, skills=("fridge",))])
    assert plan is not None and plan.technician_id == 2


def test_the_zone_wins_over_an_earlier_slot_elsewhere():
    busy_morning = [Booking(at(8), at(10), "norte")]
    plan = choose(
        Visit("boiler", "norte", 60),
        [tech(1, zones=("sur",)), tech(2, bookings=busy_morning)],
    )
    assert plan is not None
    assert (plan.technician_id, plan.start, plan.in_zone) == (2, at(10), True)
    assert plan.alternatives == (1,)


def test_soonest_then_least_loaded_then_lowest_id():
    loaded = [Booking(at(15), at(17), "norte")]
    plan = choose(Visit("boiler", "norte", 60), [tech(3, bookings=loaded), tech(4), tech(5)])
    assert plan is not None and plan.technician_id == 4 and plan.start == at(8)


def test_nobody_free_for_the_whole_visit_gives_none():
    full = [Booking(at(8), at(12), "norte"), Booking(at(12, 30), at(17), "norte")]
    assert choose(Visit("boiler", "norte", 45), [tech(1, bookings=full)]) is None
    assert choose(Visit("boiler", "norte", 30), [tech(1, bookings=full)]) is not None


def test_a_visit_in_another_zone_leaves_room_to_drive():
    booked = [Booking(at(8), at(9), "sur")]
    slots = free_slots(DAY, END, booked, 60, zone="norte", travel_minutes=30)
    assert slots[0] == (at(9, 30), END)
    same_zone = free_slots(DAY, END, booked, 60, zone="sur", travel_minutes=30)
    assert same_zone[0] == (at(9), END)


def test_visits_of_other_days_neither_block_nor_stretch_the_day():
    tomorrow = Booking(END + timedelta(hours=15), END + timedelta(hours=17), "sur")
    yesterday = Booking(DAY - timedelta(hours=20), DAY - timedelta(hours=18), "sur")
    slots = free_slots(DAY, END, [yesterday, tomorrow], 60, zone="norte", travel_minutes=30)
    assert slots == [(DAY, END)]


def test_earliest_pushes_the_visit_later():
    plan = choose(Visit("boiler", "norte", 60, earliest=at(13)), [tech(1)])
    assert plan is not None and plan.start == at(13)


def test_bad_visits_are_refused():
    with pytest.raises(DispatchError, match="minutes"):
        free_slots(DAY, END, [], 0)
    with pytest.raises(DispatchError, match="skill"):
        choose(Visit("", "norte", 30), [tech(1)])


bookings = st.lists(
    st.tuples(st.integers(0, 17 * 4), st.integers(1, 8)).map(
        lambda p: Booking(
            DAY + timedelta(minutes=15 * p[0]),
            DAY + timedelta(minutes=15 * (p[0] + p[1])),
            "norte",
        )
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(bookings, st.integers(15, 240))
def test_a_plan_never_overlaps_what_is_booked_and_stays_in_the_day(booked, minutes):
    booked = [b for b in booked if b.end <= END]
    # keep the existing day consistent (no overlaps to start from)
    clean: list[Booking] = []
    for b in sorted(booked, key=lambda b: b.start):
        if not clean or clean[-1].end <= b.start:
            clean.append(b)
    plan = choose(Visit("boiler", "norte", minutes), [tech(1, bookings=clean)])
    if plan is None:
        return
    new = Booking(plan.start, plan.end, "norte")
    assert not overlaps([*clean, new])
    assert plan.start >= DAY and plan.end <= END
    assert plan.end - plan.start == timedelta(minutes=minutes)
