"""Dialing rules: consent, do-not-call, calling hours on the customer's own clock (Ecuador,
Colombia, Mexico City), attempts and retry spacing, and the reason given when an entry is
held back."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lealtad.contact_engine.dialer import (
    CallingHours,
    CallResult,
    DialRules,
    EntryFacts,
    Refusal,
    RetryPolicy,
    check_entry,
)

GUAYAQUIL = ZoneInfo("America/Guayaquil")
ZONES = ["America/Guayaquil", "America/Bogota", "America/Mexico_City"]


def entry(**kwargs):
    facts = {"phone": "+593991234567", "phone_consent": True, "do_not_call": False}
    return EntryFacts(**{**facts, **kwargs})


def local(zone, *args):
    return datetime(*args, tzinfo=ZoneInfo(zone))


# 2026-12-07 is a Monday, 2026-12-05 a Saturday, 2026-12-06 a Sunday.
@pytest.mark.parametrize(
    ("when", "dialable"),
    [
        ((2026, 12, 7, 8, 59), False),
        ((2026, 12, 7, 9, 0), True),
        ((2026, 12, 7, 19, 59), True),
        ((2026, 12, 7, 20, 0), False),
        ((2026, 12, 5, 13, 59), True),
        ((2026, 12, 5, 14, 0), False),
        ((2026, 12, 6, 11, 0), False),
    ],
)
def test_standard_hours_on_the_customers_clock(when, dialable):
    verdict = check_entry(entry(time_zone="America/Guayaquil"), local("America/Guayaquil", *when))
    assert verdict.dialable is dialable
    assert verdict.reason is (None if dialable else Refusal.OUTSIDE_HOURS)


def test_the_same_instant_is_open_in_bogota_and_guayaquil_but_not_mexico_city():
    now = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)  # 09:30 in UTC-5, 08:30 in UTC-6
    verdicts = {zone: check_entry(entry(time_zone=zone), now) for zone in ZONES}
    assert verdicts["America/Guayaquil"].dialable
    assert verdicts["America/Bogota"].dialable
    mexico = verdicts["America/Mexico_City"]
    assert mexico.reason is Refusal.OUTSIDE_HOURS
    assert mexico.retry_at == local("America/Mexico_City", 2026, 12, 7, 9, 0)
    assert mexico.local_time.hour == 8


def test_mexico_city_keeps_one_offset_in_summer_since_2022():
    july = datetime(2026, 7, 6, 14, 30, tzinfo=UTC)  # a Monday: still 08:30 in Mexico City
    assert not check_entry(entry(time_zone="America/Mexico_City"), july).dialable
    assert check_entry(entry(time_zone="America/Bogota"), july).dialable


def test_a_zone_that_moves_its_clocks_is_judged_on_its_wall_clock():
    # New York: 09:00 EDT is 13:00 UTC in July, 09:00 EST is 14:00 UTC in December.
    customer = entry(time_zone="America/New_York")
    assert check_entry(customer, datetime(2026, 7, 6, 13, 0, tzinfo=UTC)).dialable
    assert not check_entry(customer, datetime(2026, 12, 7, 13, 0, tzinfo=UTC)).dialable
    assert check_entry(customer, datetime(2026, 12, 7, 14, 0, tzinfo=UTC)).dialable


def test_saturday_afternoon_waits_for_monday_morning():
    verdict = check_entry(entry(), local("America/Guayaquil", 2026, 12, 5, 15, 0))
    assert verdict.reason is Refusal.OUTSIDE_HOURS
    assert verdict.retry_at == local("America/Guayaquil", 2026, 12, 7, 9, 0)


def test_a_customer_without_a_zone_takes_the_lists_default():
    now = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    assert check_entry(entry(), now).dialable  # default Guayaquil: 09:30
    mexico_list = DialRules(default_time_zone="America/Mexico_City")
    assert not check_entry(entry(), now, mexico_list).dialable


def test_holidays_have_no_calling_hours():
    christmas = CallingHours(holidays=frozenset({date(2026, 12, 25)}))
    rules = DialRules(hours=christmas)
    verdict = check_entry(entry(), local("America/Guayaquil", 2026, 12, 25, 10, 0), rules)
    assert verdict.reason is Refusal.OUTSIDE_HOURS
    assert verdict.retry_at == local("America/Guayaquil", 2026, 12, 26, 9, 0)  # Saturday


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        ({"phone": None}, Refusal.NO_PHONE),
        ({"phone": ""}, Refusal.NO_PHONE),
        ({"do_not_call": True}, Refusal.DO_NOT_CALL),
        ({"phone_consent": False}, Refusal.NO_CONSENT),
        ({"do_not_call": True, "phone_consent": False}, Refusal.DO_NOT_CALL),
        ({"last_result": CallResult.CONNECTED}, Refusal.FINISHED),
        ({"last_result": CallResult.REFUSED}, Refusal.FINISHED),
        ({"last_result": CallResult.WRONG_NUMBER}, Refusal.FINISHED),
        ({"attempts": 5, "last_result": CallResult.NO_ANSWER}, Refusal.MAX_ATTEMPTS),
    ],
)
def test_entries_that_may_never_be_dialled_say_why(facts, reason):
    verdict = check_entry(entry(**facts), local("America/Guayaquil", 2026, 12, 7, 10, 0))
    assert not verdict.dialable
    assert verdict.reason is reason
    assert verdict.retry_at is None


@pytest.mark.parametrize(
    ("result", "wait"),
    [
        (CallResult.BUSY, timedelta(minutes=15)),
        (CallResult.NO_ANSWER, timedelta(hours=2)),
        (CallResult.MACHINE, timedelta(hours=4)),
    ],
)
def test_retry_spacing_per_result(result, wait):
    last = local("America/Guayaquil", 2026, 12, 7, 10, 0)
    customer = entry(attempts=1, last_result=result, last_attempt_at=last)
    early = check_entry(customer, last + wait - timedelta(seconds=1))
    assert early.reason is Refusal.RETRY_TOO_SOON
    assert early.retry_at == last + wait
    assert check_entry(customer, last + wait).dialable


def test_spacing_that_runs_past_closing_waits_for_the_next_opening():
    last = local("America/Guayaquil", 2026, 12, 7, 19, 0)
    customer = entry(attempts=2, last_result=CallResult.NO_ANSWER, last_attempt_at=last)
    verdict = check_entry(customer, last + timedelta(minutes=30))
    assert verdict.reason is Refusal.RETRY_TOO_SOON
    assert verdict.retry_at == local("America/Guayaquil", 2026, 12, 8, 9, 0)


def test_an_abandoned_call_is_not_repeated_for_three_days():
    last = local("America/Guayaquil", 2026, 12, 7, 10, 0)
    customer = entry(attempts=1, last_result=CallResult.ABANDONED, last_attempt_at=last)
    assert check_entry(customer, last + timedelta(hours=71)).reason is Refusal.RETRY_TOO_SOON
    assert check_entry(customer, last + timedelta(hours=72)).dialable


def test_policy_is_configurable():
    rules = DialRules(retry=RetryPolicy(max_attempts=2, spacing={CallResult.BUSY: timedelta(0)}))
    last = local("America/Guayaquil", 2026, 12, 7, 10, 0)
    once = entry(attempts=1, last_result=CallResult.BUSY, last_attempt_at=last)
    twice = entry(attempts=2, last_result=CallResult.BUSY, last_attempt_at=last)
    assert check_entry(once, last, rules).dialable
    assert check_entry(twice, last, rules).reason is Refusal.MAX_ATTEMPTS


def test_hours_parse_from_a_mapping():
    spec = {"weekdays": "08:00-18:00", "saturday": None, "sunday": "10:00-12:00"}
    hours = CallingHours.parse({**spec, "holidays": ["2026-01-01"]})
    assert hours.window(date(2026, 12, 7)) == (time(8), time(18))
    assert hours.window(date(2026, 12, 5)) is None
    assert hours.window(date(2026, 12, 6)) == (time(10), time(12))
    assert hours.window(date(2026, 1, 1)) is None
    assert CallingHours.parse({}) == CallingHours()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"friday": "9-17"}, r"^friday: '9-17' is not a window"),
        ({"monday": "18:00-09:00"}, r"^monday: the window must end after it starts"),
        ({"funday": "09:00-10:00"}, r"^funday: not a day"),
        ({"holidays": ["25/12/2026"]}, r"^holidays: '25/12/2026' is not a date"),
        ({"holidays": "2026-12-25"}, r"^holidays: must be a list"),
    ],
)
def test_bad_hours_name_the_key(spec, message):
    with pytest.raises(ValueError, match=message):
        CallingHours.parse(spec)


def test_bad_input_is_refused_with_its_field():
    with pytest.raises(ValueError, match=r"^time_zone: 'Mars/Olympus' is not a known time zone"):
        check_entry(entry(time_zone="Mars/Olympus"), datetime(2026, 12, 7, 15, tzinfo=UTC))
    with pytest.raises(ValueError, match=r"^now: must carry a time zone"):
        check_entry(entry(), datetime(2026, 12, 7, 15))
    with pytest.raises(ValueError, match=r"^default_time_zone"):
        DialRules(default_time_zone="Nowhere")
    with pytest.raises(ValueError, match=r"^max_attempts"):
        RetryPolicy(max_attempts=0)


@given(
    instant=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
    zone=st.sampled_from([*ZONES, "America/New_York", "America/Santiago"]),
)
def test_dialable_exactly_inside_the_local_window(instant, zone):
    now = instant.replace(tzinfo=UTC)
    verdict = check_entry(entry(time_zone=zone), now)
    clock = now.astimezone(ZoneInfo(zone))
    day = clock.weekday()
    window = {5: (time(9), time(14)), 6: None}.get(day, (time(9), time(20)))
    inside = window is not None and window[0] <= clock.time() < window[1]
    assert verdict.dialable is inside
    if not inside:
        assert verdict.reason is Refusal.OUTSIDE_HOURS
        assert verdict.retry_at is not None
        assert verdict.retry_at > clock
        assert verdict.retry_at.time() == time(9)
        assert verdict.retry_at - clock < timedelta(days=2, hours=1)
