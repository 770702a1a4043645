"""Business calendars: exact business time across lunch, weekends, holidays and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.service_engine.sla import (
    BusinessCalendar,
    SlaInputError,
    add_business_seconds,
    business_seconds,
)

QUITO = ZoneInfo("America/Guayaquil")
MEXICO = ZoneInfo("America/Mexico_City")
EC = BusinessCalendar.office("ec", "America/Guayaquil", country="EC", years=(2020, 2030))
MX = BusinessCalendar.office("mx", "America/Mexico_City", country="MX", years=(2020, 2030))
CO = BusinessCalendar.office("co", "America/Bogota", country="CO", years=(2020, 2030))
PE = BusinessCalendar.office("pe", "America/Lima", country="PE", years=(2020, 2030))
ALWAYS = BusinessCalendar.always_open("24x7", "America/Mexico_City")
HOUR = 3600.0


def ec(*args: int) -> datetime:
    return datetime(*args, tzinfo=QUITO)


def test_lunch_break_and_weekend_are_not_business_time() -> None:
    # Friday 12:00 to Monday 10:00: 1 h before lunch, 4 h after, 1 h on Monday.
    assert business_seconds(EC, ec(2026, 12, 4, 12), ec(2026, 12, 7, 10)) == 6 * HOUR
    assert add_business_seconds(EC, ec(2026, 12, 4, 12), 2 * HOUR) == ec(2026, 12, 4, 15)


def test_work_due_at_a_closing_time_is_due_then_not_after_the_break() -> None:
    assert add_business_seconds(EC, ec(2026, 12, 4, 12), HOUR) == ec(2026, 12, 4, 13)


def test_business_time_is_negative_when_end_comes_first() -> None:
    assert business_seconds(EC, ec(2026, 12, 7, 10), ec(2026, 12, 4, 12)) == -6 * HOUR


@pytest.mark.parametrize(
    ("calendar", "zone", "holiday"),
    [
        (EC, QUITO, date(2026, 8, 10)),  # Primer Grito de Independencia
        (CO, ZoneInfo("America/Bogota"), date(2026, 7, 20)),  # Independencia
        (PE, ZoneInfo("America/Lima"), date(2026, 7, 28)),  # Fiestas Patrias
        (MX, MEXICO, date(2026, 9, 16)),  # Independencia
    ],
)
def test_each_countrys_public_holiday_is_closed(
    calendar: BusinessCalendar, zone: ZoneInfo, holiday: date
) -> None:
    start = datetime.combine(holiday, time(0), zone)
    assert business_seconds(calendar, start, start + timedelta(days=1)) == 0
    assert not calendar.is_open(datetime.combine(holiday, time(10), zone))


def test_a_company_holiday_closes_only_that_company() -> None:
    own = BusinessCalendar.office(
        "ec-own",
        "America/Guayaquil",
        country="EC",
        extra_holidays=[date(2026, 12, 7)],
        years=(2020, 2030),
    )
    start, end = ec(2026, 12, 7, 0), ec(2026, 12, 8, 0)
    assert business_seconds(own, start, end) == 0
    assert business_seconds(EC, start, end) == 8 * HOUR


def test_christmas_eve_work_rolls_over_christmas_and_the_weekend() -> None:
    assert add_business_seconds(EC, ec(2026, 12, 24, 17), 2 * HOUR) == ec(2026, 12, 28, 10)


def test_mexico_old_dst_night_is_an_hour_shorter_on_a_24x7_desk() -> None:
    # 3 April 2022, the last spring-forward Mexico City had: 02:00 became 03:00.
    start = datetime(2022, 4, 2, 12, tzinfo=MEXICO)
    end = datetime(2022, 4, 3, 12, tzinfo=MEXICO)
    assert business_seconds(ALWAYS, start, end) == 23 * HOUR
    assert add_business_seconds(ALWAYS, start, 23 * HOUR) == end
    after_abolition = business_seconds(
        ALWAYS, datetime(2023, 4, 1, 12, tzinfo=MEXICO), datetime(2023, 4, 2, 12, tzinfo=MEXICO)
    )
    assert after_abolition == 24 * HOUR


def test_office_hours_keep_their_wall_clock_across_mexicos_dst() -> None:
    # Friday 1 April 2022 (UTC-6) 17:00 to Monday 4 April (UTC-5) 10:00 is 2 business hours.
    start = datetime(2022, 4, 1, 17, tzinfo=MEXICO)
    end = datetime(2022, 4, 4, 10, tzinfo=MEXICO)
    assert business_seconds(MX, start, end) == 2 * HOUR
    assert start.utcoffset() != end.utcoffset()


def test_ecuador_has_no_dst_so_every_day_is_24_hours() -> None:
    always = BusinessCalendar.always_open("ec24", "America/Guayaquil")
    for month in range(1, 13):
        start = ec(2026, month, 1)
        assert business_seconds(always, start, start + timedelta(days=1)) == 24 * HOUR


def test_naive_datetimes_and_unknown_zones_are_refused_by_name() -> None:
    with pytest.raises(SlaInputError) as err:
        business_seconds(EC, datetime(2026, 1, 5, 10), ec(2026, 1, 6))
    assert err.value.field == "start"
    with pytest.raises(SlaInputError) as err:
        BusinessCalendar.office("x", "Mars/Olympus")
    assert err.value.field == "timezone"
    with pytest.raises(SlaInputError) as err:
        BusinessCalendar("x", "UTC", {1: ((time(14), time(13)),)})
    assert err.value.field == "weekly_hours"
    with pytest.raises(SlaInputError) as err:
        add_business_seconds(EC, ec(2026, 1, 5), -1)
    assert err.value.field == "seconds"


def test_instants_outside_the_compiled_years_are_refused() -> None:
    with pytest.raises(SlaInputError, match="compiled years"):
        business_seconds(EC, ec(2019, 6, 1), ec(2026, 1, 1))


instants = st.datetimes(
    min_value=datetime(2021, 1, 1), max_value=datetime(2029, 6, 1), timezones=st.just(UTC)
)
calendars = st.sampled_from([EC, MX, CO, PE, ALWAYS])


@settings(max_examples=300, deadline=None)
@given(calendars, instants, instants)
def test_adding_back_the_business_time_lands_on_an_open_end(
    calendar: BusinessCalendar, start: datetime, end: datetime
) -> None:
    start, end = min(start, end), max(start, end)
    # "Inside business hours": open at end and just before it (not the opening instant,
    # which is the same business position as the previous closing time).
    inside = calendar.is_open(end) and calendar.is_open(end - timedelta(microseconds=1))
    if not inside or business_seconds(calendar, start, end) == 0:
        return
    seconds = business_seconds(calendar, start, end)
    assert add_business_seconds(calendar, start, seconds) == end


@settings(max_examples=300, deadline=None)
@given(calendars, instants, st.floats(0, 90 * 86400), st.floats(0, 90 * 86400))
def test_more_business_time_is_never_due_earlier(
    calendar: BusinessCalendar, start: datetime, a: float, b: float
) -> None:
    small, big = min(a, b), max(a, b)
    due_small = add_business_seconds(calendar, start, small)
    due_big = add_business_seconds(calendar, start, big)
    assert start <= due_small <= due_big
    assert business_seconds(calendar, start, due_big) == pytest.approx(big, abs=1e-6)


def test_a_calendar_rebuilt_per_request_is_compiled_once_and_never_confused() -> None:
    again = BusinessCalendar.office(
        "ec again", "America/Guayaquil", country="EC", years=(2020, 2030)
    )
    assert again.segments is EC.segments
    other = BusinessCalendar.office(
        "ec+",
        "America/Guayaquil",
        country="EC",
        extra_holidays=[date(2026, 3, 2)],
        years=(2020, 2030),
    )
    assert other.segments is not EC.segments
    day = datetime(2026, 3, 2, tzinfo=QUITO)
    assert business_seconds(other, day, day + timedelta(days=1)) == 0
    assert business_seconds(EC, day, day + timedelta(days=1)) == 8 * HOUR


@given(calendars, instants, st.integers(-(10**14), 10**14))
def test_one_instant_answers_as_the_vectorised_path_does(
    cal: BusinessCalendar, moment: datetime, offset: int
) -> None:
    import numpy as np

    seg = cal.segments
    micros = min(max(int(moment.timestamp() * 1_000_000), seg.low), seg.high)
    assert seg.position_of(micros) == int(seg.position(np.array([micros]))[0])
    position = max(seg.position_of(micros) + offset, 0)
    if position <= int(seg.through[-1]):
        assert seg.instant_of(position) == int(seg.instant(np.array([position]))[0])
    else:
        with pytest.raises(SlaInputError):
            seg.instant_of(position)
