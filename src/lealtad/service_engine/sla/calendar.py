"""Business-hours calendars compiled to open segments on the UTC axis.

A calendar is described on the wall clock (weekly hours with breaks, a time zone, a
country's holidays plus the company's own dates), but every question the SLA clock asks
("how much business time lies between A and B", "when is B business seconds after A") is
answered on the UTC axis, where a day with a clock change is simply shorter or longer. The
calendar is therefore compiled once into sorted open segments ``[start, end)`` in epoch
microseconds with the business time accumulated before each one; a question then costs a
binary search and a subtraction, which is also what lets the batch job evaluate a million
cases with a few numpy lookups. Integer microseconds keep the arithmetic exact, so adding
back the business time between two instants lands on the instant itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import numpy as np
import numpy.typing as npt

from lealtad.service_engine.sla.errors import SlaInputError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROS = 1_000_000
Interval = tuple[time, time]
COUNTRIES = ("EC", "CO", "PE", "MX")
FULL_DAY: tuple[Interval, ...] = ((time(0), time(0)),)  # 00:00 to the next midnight
I64 = npt.NDArray[np.int64]
_COMPILED: dict[tuple[object, ...], CompiledSegments] = {}


def to_micros(moment: datetime, field_name: str = "moment") -> int:
    """Epoch microseconds of an aware instant; a naive one is refused (whose wall clock?)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise SlaInputError(field_name, "must carry a time zone (got a naive datetime)")
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_micros(micros: int, zone: ZoneInfo) -> datetime:
    return (EPOCH + timedelta(microseconds=int(micros))).astimezone(zone)


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly open hours (weekday 0 = Monday) in ``timezone``, closed on holidays.

    ``weekly_hours[d]`` lists the open intervals of weekday ``d`` in wall time; a break such
    as lunch is the gap between two intervals. An interval ending at 00:00 runs to midnight.
    ``country`` takes the public holidays from the ``holidays`` package; ``extra_holidays``
    adds the company's own closed dates. ``years`` bounds the compiled span: an instant
    outside it is refused rather than silently treated as closed.
    """

    name: str
    timezone: str
    weekly_hours: Mapping[int, tuple[Interval, ...]]
    country: str | None = None
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    years: tuple[int, int] = (2015, 2040)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SlaInputError("timezone", f"unknown time zone {self.timezone!r}") from exc
        for day, intervals in self.weekly_hours.items():
            if day not in range(7):
                raise SlaInputError("weekly_hours", f"weekday {day!r} is not 0 (Mon) to 6 (Sun)")
            _check_intervals(day, intervals)
        if self.years[0] > self.years[1]:
            raise SlaInputError("years", f"first year {self.years[0]} after last {self.years[1]}")

    @classmethod
    def office(
        cls,
        name: str,
        timezone: str,
        *,
        country: str | None = None,
        opens: time = time(9),
        closes: time = time(18),
        lunch: Interval | None = (time(13), time(14)),
        weekdays: Iterable[int] = range(5),
        extra_holidays: Iterable[date] = (),
        years: tuple[int, int] = (2015, 2040),
    ) -> BusinessCalendar:
        """The usual office: the same hours each working day, with a lunch break."""
        day: tuple[Interval, ...] = (
            ((opens, lunch[0]), (lunch[1], closes)) if lunch else ((opens, closes),)
        )
        return cls(
            name,
            timezone,
            {d: day for d in weekdays},
            country=country,
            extra_holidays=frozenset(extra_holidays),
            years=years,
        )

    @classmethod
    def always_open(cls, name: str = "24x7", timezone: str = "UTC") -> BusinessCalendar:
        """A 24x7 desk: every instant is business time, holidays included."""
        return cls(name, timezone, {d: FULL_DAY for d in range(7)})

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def closed_dates(self) -> frozenset[date]:
        if self.country is None:
            return frozenset(self.extra_holidays)
        try:
            public = holidays.country_holidays(
                self.country, years=range(self.years[0], self.years[1] + 1)
            )
        except NotImplementedError as exc:
            raise SlaInputError("country", f"no holiday calendar for {self.country!r}") from exc
        return frozenset(public.keys()) | self.extra_holidays

    @cached_property
    def key(self) -> tuple[object, ...]:
        """Everything that decides the open segments: equal keys, equal calendars."""
        hours = tuple(sorted((d, tuple(iv)) for d, iv in self.weekly_hours.items()))
        return (self.timezone, hours, self.country, tuple(sorted(self.extra_holidays)), self.years)

    @property
    def segments(self) -> CompiledSegments:
        """Compiled once per distinct calendar in the process (a service that rebuilds the
        calendar for every request does not pay the ~0.1 s compile each time)."""
        compiled = _COMPILED.get(self.key)
        if compiled is None:
            if len(_COMPILED) >= 256:
                _COMPILED.pop(next(iter(_COMPILED)))
            compiled = _COMPILED[self.key] = _compile(self)
        return compiled

    # The scalar questions; the batch job uses ``segments`` directly.
    def business_seconds(self, start: datetime, end: datetime) -> float:
        return business_seconds(self, start, end)

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        return add_business_seconds(self, start, seconds)

    def reach(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant by which ``seconds`` more business time than at ``start`` has
        elapsed. Unlike :meth:`add_business_seconds`, zero seconds from a closed instant
        gives the last closing time: a target reached exactly at 18:00 was due at 18:00.
        Negative ``seconds`` look back: when a target already overrun was crossed."""
        seg = self.segments
        origin = seg.position_of(seg.check(to_micros(start, "start"), "start"))
        position = max(origin + round(seconds * MICROS), 0)
        return from_micros(seg.instant_of(position), self.zone)

    def is_open(self, moment: datetime) -> bool:
        t = self.segments.check(to_micros(moment), "moment")
        k = int(np.searchsorted(self.segments.starts, t, side="right")) - 1
        return k >= 0 and t < int(self.segments.ends[k])


@dataclass(frozen=True)
class CompiledSegments:
    """Open segments in epoch µs: ``starts``/``ends`` sorted, ``before[k]`` = business µs
    before segment ``k``, ``through[k]`` = business µs up to its end."""

    starts: I64
    ends: I64
    before: I64
    through: I64
    low: int
    high: int

    def check(self, micros: int, field_name: str) -> int:
        if not self.low <= micros <= self.high:
            raise SlaInputError(field_name, "lies outside the calendar's compiled years")
        return micros

    def position(self, micros: I64) -> I64:
        """Business µs from the start of the span to each instant (vectorised)."""
        k = np.searchsorted(self.starts, micros, side="right") - 1
        safe = np.maximum(k, 0)
        inside = np.clip(micros - self.starts[safe], 0, self.ends[safe] - self.starts[safe])
        return np.where(k >= 0, self.before[safe] + inside, 0)

    def position_of(self, micros: int) -> int:
        """:meth:`position` of one instant, in plain integers: a case's fold asks a few of
        these, where numpy's per-call cost on one-element arrays would be most of the work."""
        k = int(np.searchsorted(self.starts, micros, side="right")) - 1
        if k < 0:
            return 0
        start = int(self.starts[k])
        return int(self.before[k]) + min(max(micros - start, 0), int(self.ends[k]) - start)

    def instant_of(self, position: int) -> int:
        """:meth:`instant` of one position, in plain integers."""
        k = int(np.searchsorted(self.through, position, side="left"))
        if k >= len(self.starts):
            raise SlaInputError("seconds", "runs past the calendar's compiled years")
        return int(self.starts[k]) + position - int(self.before[k])

    def instant(self, position: I64) -> I64:
        """The earliest instant at which ``position`` business µs have elapsed."""
        k = np.searchsorted(self.through, position, side="left")
        if np.any(k >= len(self.starts)):
            raise SlaInputError("seconds", "runs past the calendar's compiled years")
        return self.starts[k] + (position - self.before[k])


def _check_intervals(day: int, intervals: tuple[Interval, ...]) -> None:
    last = time(0)
    for i, (opens, closes) in enumerate(intervals):
        closes_minutes = closes.hour * 60 + closes.minute or 24 * 60
        if opens.hour * 60 + opens.minute >= closes_minutes or (i and opens < last):
            raise SlaInputError(
                "weekly_hours", f"weekday {day}: interval {opens}-{closes} is empty or overlaps"
            )
        last = closes


def _day_bounds(cal: BusinessCalendar, day: date) -> list[tuple[int, int]]:
    out = []
    for opens, closes in cal.weekly_hours.get(day.weekday(), ()):
        start = datetime.combine(day, opens, cal.zone)
        end_day = day + timedelta(days=1) if closes == time(0) else day
        end = datetime.combine(end_day, closes, cal.zone)
        a, b = to_micros(start), to_micros(end)
        if b > a:  # a wall interval swallowed by a clock change has no length
            out.append((a, b))
    return out


def _compile(cal: BusinessCalendar) -> CompiledSegments:
    first, last = date(cal.years[0], 1, 1), date(cal.years[1], 12, 31)
    closed = cal.closed_dates
    merged: list[list[int]] = []
    day = first
    while day <= last:
        if day not in closed:
            for a, b in _day_bounds(cal, day):
                if merged and merged[-1][1] >= a:
                    merged[-1][1] = max(merged[-1][1], b)
                else:
                    merged.append([a, b])
        day += timedelta(days=1)
    if not merged:
        raise SlaInputError("weekly_hours", f"calendar {cal.name!r} is never open")
    arr = np.asarray(merged, dtype=np.int64)
    lengths = arr[:, 1] - arr[:, 0]
    through = np.cumsum(lengths)
    low = to_micros(datetime.combine(first, time(0), cal.zone))
    high = to_micros(datetime.combine(last + timedelta(days=1), time(0), cal.zone))
    return CompiledSegments(
        arr[:, 0].copy(), arr[:, 1].copy(), through - lengths, through, low, high
    )


def business_seconds(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Business seconds from ``start`` to ``end`` (negative when ``end`` comes first)."""
    seg = calendar.segments
    a = seg.check(to_micros(start, "start"), "start")
    b = seg.check(to_micros(end, "end"), "end")
    return (seg.position_of(b) - seg.position_of(a)) / MICROS


def add_business_seconds(calendar: BusinessCalendar, start: datetime, seconds: float) -> datetime:
    """The instant ``seconds`` business seconds after ``start``, in the calendar's zone.

    Zero seconds gives ``start`` itself; a positive amount that ends exactly at a closing time
    gives that closing time (the work is due at 13:00, not at 14:00 after lunch).
    """
    if seconds < 0 or seconds != seconds:
        raise SlaInputError("seconds", f"must be zero or more (got {seconds!r})")
    seg = calendar.segments
    a = seg.check(to_micros(start, "start"), "start")
    amount = round(seconds * MICROS)
    if amount == 0:
        return from_micros(a, calendar.zone)
    return from_micros(seg.instant_of(seg.position_of(a) + amount), calendar.zone)
