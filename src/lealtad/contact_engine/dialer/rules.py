"""May this call-list entry be dialled now? If not, why, and from when.

The dialer asks before every line it starts, so a customer without consent for phone calls,
on the do-not-call list, outside calling hours *in their own time zone*, past the attempt
limit or called too recently is never dialled — and the refusal says which rule held it back
and when the entry may next be tried, so a call list can show it and sort by it.

Calling hours are wall-clock hours in the customer's zone (``zoneinfo``): Ecuador and
Colombia keep one offset all year, Mexico City has kept one since 2022, and a zone that still
moves its clocks is handled by the same arithmetic because hours are compared on the local
clock, never as UTC offsets. A customer with no known zone takes the list's default zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class CallResult(StrEnum):
    """How one attempt ended, as the entry records it."""

    CONNECTED = "connected"  # a live person talked to an agent: the entry is done
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    MACHINE = "machine"  # an answering machine or voicemail
    ABANDONED = "abandoned"  # answered with no agent free: the dialer dropped it
    REJECTED = "rejected"  # the agent passed on the record in preview mode
    WRONG_NUMBER = "wrong_number"
    REFUSED = "refused"  # the person asked not to be called again


FINAL_RESULTS = frozenset({CallResult.CONNECTED, CallResult.WRONG_NUMBER, CallResult.REFUSED})


class Refusal(StrEnum):
    """Why an entry may not be dialled now."""

    NO_PHONE = "no_phone"
    DO_NOT_CALL = "do_not_call"
    NO_CONSENT = "no_consent"
    FINISHED = "finished"
    MAX_ATTEMPTS = "max_attempts"
    RETRY_TOO_SOON = "retry_too_soon"
    OUTSIDE_HOURS = "outside_hours"


Window = tuple[time, time]


def _standard_days() -> tuple[Window | None, ...]:
    weekday = (time(9), time(20))
    return (weekday,) * 5 + ((time(9), time(14)), None)


@dataclass(frozen=True)
class CallingHours:
    """The hours a customer may be called, Monday to Sunday, on their own clock.

    Each day is a ``(start, end)`` window (start included, end excluded) or ``None`` (no calls);
    ``holidays`` are local dates with no calls. The default: 09:00-20:00 on weekdays,
    09:00-14:00 on Saturday, none on Sunday.
    """

    days: tuple[Window | None, ...] = field(default_factory=_standard_days)
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError(f"days: must give 7 days, Monday to Sunday (got {len(self.days)})")
        for name, window in zip(DAYS, self.days, strict=True):
            if window is not None and not window[0] < window[1]:
                raise ValueError(f"{name}: the window must end after it starts")

    @classmethod
    def parse(cls, spec: Mapping[str, object]) -> CallingHours:
        """From a mapping such as a YAML block: ``weekdays: "09:00-20:00"``, ``saturday:
        "09:00-14:00"``, ``sunday: null``, ``holidays: ["2026-12-25"]``. A day not named keeps
        the default window."""
        days = list(_standard_days())
        holidays: set[date] = set()
        for key, value in spec.items():
            if key == "holidays":
                holidays = {_parse_date(item, key) for item in _as_list(value, key)}
            elif key == "weekdays":
                days[:5] = [_parse_window(value, key)] * 5
            elif key in DAYS:
                days[DAYS.index(key)] = _parse_window(value, key)
            else:
                raise ValueError(f"{key}: not a day; use monday … sunday, weekdays or holidays")
        return cls(tuple(days), frozenset(holidays))

    def window(self, day: date) -> Window | None:
        if day in self.holidays:
            return None
        return self.days[day.weekday()]

    def is_open(self, local: datetime) -> bool:
        window = self.window(local.date())
        return window is not None and window[0] <= local.time() < window[1]

    def next_open(self, local: datetime) -> datetime | None:
        """The first moment at or after ``local`` (an aware local time) when calls are allowed;
        ``None`` when no day of the next two weeks allows any."""
        if self.is_open(local):
            return local
        for ahead in range(15):
            day = local.date() + timedelta(days=ahead)
            window = self.window(day)
            if window is None:
                continue
            start = datetime.combine(day, window[0], tzinfo=local.tzinfo)
            if start >= local:
                return start
        return None


def _as_list(value: object, key: str) -> list[object]:
    if not isinstance(value, list | tuple | set | frozenset):
        raise ValueError(f"{key}: must be a list of dates")
    return list(value)


def _parse_date(value: object, key: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{key}: {value!r} is not a date (YYYY-MM-DD)") from None


def _parse_window(value: object, key: str) -> Window | None:
    if value is None or value == "" or value is False:
        return None
    try:
        start, end = str(value).split("-")
        window = (time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
    except ValueError:
        raise ValueError(f"{key}: {value!r} is not a window such as 09:00-20:00") from None
    if not window[0] < window[1]:
        raise ValueError(f"{key}: the window must end after it starts")
    return window


def _standard_spacing() -> dict[CallResult, timedelta]:
    return {
        CallResult.NO_ANSWER: timedelta(hours=2),
        CallResult.BUSY: timedelta(minutes=15),
        CallResult.MACHINE: timedelta(hours=4),
        # Ofcom's rule: a number whose call was abandoned is not dialled again for 72 hours
        # unless an agent is sure to be there; the dialer cannot promise that, so it waits.
        CallResult.ABANDONED: timedelta(hours=72),
        CallResult.REJECTED: timedelta(days=1),
    }


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts an entry gets and how long to wait after each kind of result."""

    max_attempts: int = 5
    spacing: Mapping[CallResult, timedelta] = field(default_factory=_standard_spacing)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts: must be at least 1 (got {self.max_attempts})")
        for result, wait in self.spacing.items():
            if wait < timedelta(0):
                raise ValueError(f"spacing.{result}: must not be negative")

    def wait_after(self, result: CallResult) -> timedelta:
        return self.spacing.get(result, timedelta(0))


@dataclass(frozen=True)
class DialRules:
    hours: CallingHours = field(default_factory=CallingHours)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    default_time_zone: str = "America/Guayaquil"

    def __post_init__(self) -> None:
        zone_of(self.default_time_zone, "default_time_zone")


@dataclass(frozen=True)
class EntryFacts:
    """What the rules need to know about one call-list entry and its customer."""

    phone: str | None
    phone_consent: bool
    do_not_call: bool
    time_zone: str | None = None
    attempts: int = 0
    last_result: CallResult | None = None
    last_attempt_at: datetime | None = None


@dataclass(frozen=True)
class Verdict:
    """``retry_at`` is the earliest moment (in the customer's zone) the entry may be dialled,
    ``None`` when it never may; ``local_time`` is the customer's clock at the check."""

    dialable: bool
    reason: Refusal | None
    retry_at: datetime | None
    local_time: datetime


def zone_of(name: str, field_name: str = "time_zone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{field_name}: {name!r} is not a known time zone") from None


def _never(entry: EntryFacts, retry: RetryPolicy) -> Refusal | None:
    if not entry.phone:
        return Refusal.NO_PHONE
    if entry.do_not_call:
        return Refusal.DO_NOT_CALL
    if not entry.phone_consent:
        return Refusal.NO_CONSENT
    if entry.last_result in FINAL_RESULTS:
        return Refusal.FINISHED
    if entry.attempts >= retry.max_attempts:
        return Refusal.MAX_ATTEMPTS
    return None


def check_entry(entry: EntryFacts, now: datetime, rules: DialRules | None = None) -> Verdict:
    """May ``entry`` be dialled at ``now`` (an aware datetime)? The first rule that holds it
    back is the reason: consent and do-not-call before attempts, attempts before spacing,
    spacing before hours."""
    if now.tzinfo is None:
        raise ValueError("now: must carry a time zone")
    rules = rules or DialRules()
    zone = zone_of(entry.time_zone or rules.default_time_zone)
    local = now.astimezone(zone)
    never = _never(entry, rules.retry)
    if never is not None:
        return Verdict(False, never, None, local)
    earliest = local
    if entry.last_result is not None and entry.last_attempt_at is not None:
        if entry.last_attempt_at.tzinfo is None:
            raise ValueError("last_attempt_at: must carry a time zone")
        spaced = entry.last_attempt_at + rules.retry.wait_after(entry.last_result)
        earliest = max(local, spaced.astimezone(zone))
    next_open = rules.hours.next_open(earliest)
    if earliest > local:
        return Verdict(False, Refusal.RETRY_TOO_SOON, next_open, local)
    if next_open != local:
        return Verdict(False, Refusal.OUTSIDE_HOURS, next_open, local)
    return Verdict(True, None, local, local)
