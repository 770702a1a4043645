"""A user's activities as an RFC 5545 iCalendar feed, for the calendar clients reps use.

Why these choices:

* Written with the ``icalendar`` package (kept, RFC 5545 compliant): CRLF line ends, lines
  folded at 75 octets without splitting a UTF-8 character, and text escaped (``,`` ``;``
  ``\\`` and new lines) are its job, and Spanish text ("Reunión en Guayaquil; traer
  cotización, contrato") is where hand-written writers break.
* Calls and tasks are VEVENTs too, marked by CATEGORIES (CALL, MEETING, TASK): Google
  Calendar and Outlook ignore VTODO in a subscribed feed, and a task with a time is
  something the rep must see in their day.
* The UID is ``<kind>-<id>@<domain>``, stable across feeds, so a client updates an activity
  in place rather than duplicating it; DTSTAMP and LAST-MODIFIED are the activity's last
  change (RFC 5545 3.8.7.2 for a feed without METHOD), so an unchanged activity is
  byte-identical from one fetch to the next and SEQUENCE lets clients see a move.
* Times carry a TZID of the business's zone with its VTIMEZONE, so a meeting at 09:00 in
  Guayaquil is 09:00 there whatever zone the reader's client is in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import icalendar

PRODUCT = "-//Lealtad//Sales activities//ES"


class Kind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    TASK = "task"


@dataclass(frozen=True)
class Activity:
    """One activity on a user's calendar. Datetimes must be time-zone aware; ``updated``
    is its last change, ``sequence`` how many times its time was moved;
    ``reminder_minutes`` adds a reminder that many minutes before the start."""

    id: int
    kind: Kind
    summary: str
    start: datetime
    updated: datetime
    end: datetime | None = None
    description: str = ""
    location: str = ""
    organizer_email: str = ""
    organizer_name: str = ""
    reminder_minutes: int | None = None
    sequence: int = 0
    cancelled: bool = False


def feed(
    activities: Iterable[Activity],
    *,
    calendar_name: str,
    domain: str,
    time_zone: str = "America/Guayaquil",
) -> bytes:
    """The iCalendar bytes (UTF-8, CRLF) of ``activities``, earliest first. ``domain`` is
    the site's host name, making UIDs unique world-wide."""
    zone = ZoneInfo(time_zone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", time_zone)
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    for activity in sorted(activities, key=lambda a: (a.start, a.id)):
        calendar.add_component(_event(activity, zone, domain))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def uid(activity: Activity, domain: str) -> str:
    return f"{activity.kind}-{activity.id}@{domain}"


def _event(activity: Activity, zone: ZoneInfo, domain: str) -> icalendar.Event:
    _check(activity)
    event = icalendar.Event()
    event.add("uid", uid(activity, domain))
    event.add("dtstamp", activity.updated.astimezone(UTC))
    event.add("last-modified", activity.updated.astimezone(UTC))
    event.add("sequence", activity.sequence)
    event.add("dtstart", activity.start.astimezone(zone))
    if activity.end is not None:
        event.add("dtend", activity.end.astimezone(zone))
    event.add("summary", activity.summary)
    event.add("categories", [activity.kind.upper()])
    event.add("status", "CANCELLED" if activity.cancelled else "CONFIRMED")
    if activity.description:
        event.add("description", activity.description)
    if activity.location:
        event.add("location", activity.location)
    if activity.organizer_email:
        organizer = icalendar.vCalAddress(f"mailto:{activity.organizer_email}")
        if activity.organizer_name:
            organizer.params["cn"] = activity.organizer_name
        event.add("organizer", organizer)
    if activity.reminder_minutes is not None:
        event.add_component(_alarm(activity))
    return event


def _alarm(activity: Activity) -> icalendar.Alarm:
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", activity.summary)
    alarm.add("trigger", timedelta(minutes=-(activity.reminder_minutes or 0)))
    return alarm


def _check(activity: Activity) -> None:
    for name in ("start", "updated", "end"):
        value = getattr(activity, name)
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{name}: activity {activity.id} has a time without a time zone")
    if activity.end is not None and activity.end < activity.start:
        raise ValueError(f"end: activity {activity.id} ends before it starts")
    if activity.reminder_minutes is not None and activity.reminder_minutes < 0:
        raise ValueError(f"reminder_minutes: activity {activity.id} has a negative reminder")
    if not activity.summary.strip():
        raise ValueError(f"summary: activity {activity.id} has no summary")
