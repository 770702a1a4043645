"""Choosing the technician for a field visit, and when: plain values in, a plan out.

A visit needs one skill, happens in one zone and lasts some minutes. A technician can take it
when they have the skill and a gap in their working day long enough for the visit (plus the
travel buffer when their neighbouring visits are in another zone). Of those, the dispatcher
wants a technician who covers the visit's zone (no drive across town; one from another zone
only when nobody in the zone is free that day), then the soonest visit, then the one with the
fewest booked minutes that day (spread the load), then the lowest id (a stable answer for the
same input).

Times are naive or aware ``datetime`` values, as long as they are all of one kind: the core
never looks at a clock or a time zone.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Booking:
    """A visit already on a technician's day, and the zone it is in."""

    start: datetime
    end: datetime
    zone: str = ""


@dataclass(frozen=True)
class Technician:
    id: int
    skills: frozenset[str]
    zones: frozenset[str]
    day_start: datetime
    day_end: datetime
    bookings: tuple[Booking, ...] = ()


@dataclass(frozen=True)
class Visit:
    skill: str
    zone: str
    minutes: int
    earliest: datetime | None = None


@dataclass(frozen=True)
class Plan:
    technician_id: int
    start: datetime
    end: datetime
    in_zone: bool
    booked_minutes: int
    alternatives: tuple[int, ...] = field(default=())


class DispatchError(ValueError):
    """A visit that cannot be planned as asked (bad minutes, an empty skill)."""


def _minutes(bookings: Iterable[Booking]) -> int:
    return sum(int((b.end - b.start).total_seconds() // 60) for b in bookings)


def free_slots(
    day_start: datetime,
    day_end: datetime,
    bookings: Sequence[Booking],
    minutes: int,
    zone: str = "",
    travel_minutes: int = 0,
    earliest: datetime | None = None,
) -> list[tuple[datetime, datetime]]:
    """Every gap in the day where a visit of ``minutes`` in ``zone`` fits: ``(start, end)``
    of the gap, already shrunk by the travel buffer next to a visit in another zone."""
    if minutes <= 0:
        raise DispatchError("minutes: a visit lasts at least one minute")
    need = timedelta(minutes=minutes)
    travel = timedelta(minutes=travel_minutes)
    found: list[tuple[datetime, datetime]] = []
    cursor, before_zone = day_start, zone
    within = [b for b in bookings if b.start < day_end and b.end > day_start]
    for booked in sorted(within, key=lambda b: (b.start, b.end)):
        _gap(found, cursor, booked.start, need, travel, zone, before_zone, booked.zone, earliest)
        if booked.end > cursor:
            cursor, before_zone = booked.end, booked.zone
    _gap(found, cursor, day_end, need, travel, zone, before_zone, zone, earliest)
    return found


def _gap(
    found: list[tuple[datetime, datetime]],
    start: datetime,
    end: datetime,
    need: timedelta,
    travel: timedelta,
    zone: str,
    zone_before: str,
    zone_after: str,
    earliest: datetime | None,
) -> None:
    if zone_before != zone:
        start += travel
    if zone_after != zone:
        end -= travel
    if earliest is not None and start < earliest:
        start = earliest
    if end - start >= need:
        found.append((start, end))


def choose(
    visit: Visit, technicians: Iterable[Technician], travel_minutes: int = 30
) -> Plan | None:
    """The technician and the time for ``visit``, or ``None`` when nobody can take it that
    day. ``alternatives`` lists the others who could, best first (for the dispatcher's board)."""
    if not visit.skill:
        raise DispatchError("skill: a visit needs a skill")
    candidates: list[tuple[tuple[int, datetime, int, int], Plan]] = []
    for tech in technicians:
        if visit.skill not in tech.skills:
            continue
        slots = free_slots(
            tech.day_start,
            tech.day_end,
            tech.bookings,
            visit.minutes,
            visit.zone,
            travel_minutes,
            visit.earliest,
        )
        if not slots:
            continue
        start = slots[0][0]
        in_zone = visit.zone in tech.zones
        booked = _minutes(tech.bookings)
        plan = Plan(tech.id, start, start + timedelta(minutes=visit.minutes), in_zone, booked)
        candidates.append(((0 if in_zone else 1, start, booked, tech.id), plan))
    if not candidates:
        return None
    candidates.sort(key=lambda pair: pair[0])
    best = candidates[0][1]
    others = tuple(plan.technician_id for _, plan in candidates[1:])
    return Plan(best.technician_id, best.start, best.end, best.in_zone, best.booked_minutes, others)


def overlaps(bookings: Sequence[Booking]) -> bool:
    """Whether any two visits of one technician overlap (a plan that must never be made)."""
    ordered = sorted(bookings, key=lambda b: b.start)
    return any(a.end > b.start for a, b in itertools.pairwise(ordered))
