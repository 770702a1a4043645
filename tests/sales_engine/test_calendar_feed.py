"""The iCalendar feed: it parses back with what was put in, Spanish text survives escaping
and 75-octet folding, UIDs are stable and the same activities give the same bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lealtad.sales_engine.calendar_feed import Activity, Kind, feed

GYE = ZoneInfo("America/Guayaquil")
UPDATED = datetime(2027, 1, 4, 17, 30, tzinfo=UTC)
SPANISH = (
    "Reunión con María José Núñez; revisar la cotización, el contrato y los\n"
    "descuentos del año: señal de compromiso, «acuerdo» — niño, pingüino, ÁÉÍÓÚ"
)


def meeting(**changes) -> Activity:
    values = {
        "id": 42,
        "kind": Kind.MEETING,
        "summary": "Visita a Farmacias Guamán, Cuenca; demo",
        "start": datetime(2027, 1, 5, 9, tzinfo=GYE),
        "end": datetime(2027, 1, 5, 10, 30, tzinfo=GYE),
        "updated": UPDATED,
        "description": SPANISH,
        "location": "Av. 12 de Octubre N24-593 y Luis Cordero, Quito",
        "organizer_email": "ana.quishpe@ejemplo.ec",
        "organizer_name": "Ana Quishpe",
        "reminder_minutes": 15,
    }
    return Activity(**(values | changes))


def render(*activities: Activity) -> bytes:
    return feed(activities, calendar_name="Ana Quishpe — ventas", domain="crm.ejemplo.ec")


def test_the_feed_parses_back_with_every_field():
    parsed = icalendar.Calendar.from_ical(render(meeting()))
    (event,) = parsed.walk("VEVENT")
    assert str(event["uid"]) == "meeting-42@crm.ejemplo.ec"
    assert str(event["summary"]) == "Visita a Farmacias Guamán, Cuenca; demo"
    assert str(event["description"]) == SPANISH
    assert str(event["location"]) == "Av. 12 de Octubre N24-593 y Luis Cordero, Quito"
    assert event.decoded("dtstart") == datetime(2027, 1, 5, 9, tzinfo=GYE)
    assert event["dtstart"].params["TZID"] == "America/Guayaquil"
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=90)
    assert event.decoded("dtstamp") == UPDATED
    assert str(event["organizer"]) == "mailto:ana.quishpe@ejemplo.ec"
    assert event["organizer"].params["CN"] == "Ana Quishpe"
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(minutes=-15)
    assert str(alarm["action"]) == "DISPLAY"
    assert [str(t["tzid"]) for t in parsed.walk("VTIMEZONE")] == ["America/Guayaquil"]
    assert str(parsed["version"]) == "2.0"


def test_lines_end_in_crlf_and_fold_at_75_octets_without_splitting_a_character():
    raw = render(meeting(description=SPANISH * 5))
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the description was folded
    for line in lines:
        line.decode("utf-8")  # each physical line is whole UTF-8: no character cut in two


def test_text_is_escaped_as_rfc_5545_says():
    unfolded = render(meeting()).replace(b"\r\n ", b"").decode()
    assert "SUMMARY:Visita a Farmacias Guamán\\, Cuenca\\; demo\r\n" in unfolded
    assert "DESCRIPTION:Reunión con María José Núñez\\; revisar la cotización\\, el" in unfolded
    assert "y los\\ndescuentos" in unfolded
    assert "LOCATION:Av. 12 de Octubre N24-593 y Luis Cordero\\, Quito\r\n" in unfolded


def test_same_activities_same_bytes_and_a_stable_uid():
    first = render(meeting(), meeting(id=7, kind=Kind.CALL, summary="Llamar a Tipán"))
    again = render(meeting(id=7, kind=Kind.CALL, summary="Llamar a Tipán"), meeting())
    assert first == again
    moved = render(meeting(start=datetime(2027, 1, 6, 9, tzinfo=GYE), end=None, sequence=1))
    (event,) = icalendar.Calendar.from_ical(moved).walk("VEVENT")
    assert str(event["uid"]) == "meeting-42@crm.ejemplo.ec"
    assert int(event["sequence"]) == 1
    assert "dtend" not in event


def test_calls_and_tasks_are_events_marked_by_category_earliest_first():
    call = meeting(id=1, kind=Kind.CALL, start=datetime(2027, 1, 5, 8, tzinfo=GYE), end=None)
    task = meeting(id=2, kind=Kind.TASK, reminder_minutes=None, cancelled=True)
    events = icalendar.Calendar.from_ical(render(task, call)).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == ["call-1@crm.ejemplo.ec", "task-2@crm.ejemplo.ec"]
    assert [e["categories"].cats for e in events] == [["CALL"], ["TASK"]]
    assert events[1].walk("VALARM") == []
    assert str(events[1]["status"]) == "CANCELLED"


def test_a_time_in_another_zone_is_shown_in_the_business_zone():
    start = datetime(2027, 1, 5, 14, tzinfo=UTC)
    (event,) = icalendar.Calendar.from_ical(render(meeting(start=start, end=None))).walk("VEVENT")
    assert event.decoded("dtstart").replace(tzinfo=None) == datetime(2027, 1, 5, 9)


def test_bad_activities_are_refused_naming_the_field():
    with pytest.raises(ValueError, match="start: activity 42"):
        render(meeting(start=datetime(2027, 1, 5, 9), end=None))
    with pytest.raises(ValueError, match="end: activity 42 ends before"):
        render(meeting(end=datetime(2027, 1, 5, 8, tzinfo=GYE)))
    with pytest.raises(ValueError, match="reminder_minutes"):
        render(meeting(reminder_minutes=-5))
    with pytest.raises(ValueError, match="summary"):
        render(meeting(summary="  "))


TEXT = st.text(
    alphabet=st.sampled_from(list("abcñáéíóúüÑÁ ,;:\\\n\"'«»—€xyz0123456789")), min_size=1
)


@given(summary=TEXT.filter(str.strip), description=TEXT, location=TEXT)
def test_any_spanish_text_round_trips(summary, description, location):
    raw = render(meeting(summary=summary, description=description, location=location))
    assert max(len(line) for line in raw.split(b"\r\n")) <= 75
    (event,) = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    assert str(event["summary"]) == summary
    assert str(event["description"]) == description
    assert str(event["location"]) == location
