"""The SLA clock folded from history, with one test per bug of the open desks (issue 14)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.service_engine.sla import (
    NONE,
    BusinessCalendar,
    CaseEvent,
    CaseHistory,
    ClockBatch,
    EscalationStep,
    EventKind,
    PolicyPeriod,
    SlaPolicy,
    Target,
    Trigger,
    evaluate,
    evaluate_many,
)
from lealtad.service_engine.sla.calendar import to_micros

QUITO = ZoneInfo("America/Guayaquil")
EC = BusinessCalendar.office("ec", "America/Guayaquil", country="EC", years=(2020, 2030))
TIER2 = EscalationStep(Target.FIRST_RESPONSE, Trigger.BREACH, "tier2")
WARN_SUP = EscalationStep(Target.RESOLUTION, Trigger.WARNING, "supervisors")
GOLD = SlaPolicy("gold", EC, 60, 8 * 60, escalations=(TIER2, WARN_SUP))
SILVER = SlaPolicy("silver", EC, 4 * 60, 16 * 60, escalations=(TIER2,))
HOUR = 3600.0


def ec(*args: int) -> datetime:
    return datetime(*args, tzinfo=QUITO)


OPEN = ec(2026, 12, 1, 9)  # Tuesday 09:00


def event(at: datetime, kind: EventKind, status: str | None = None) -> CaseEvent:
    return CaseEvent(at, kind, status)


def history(*events: CaseEvent) -> CaseHistory:
    return CaseHistory([event(OPEN, EventKind.OPENED), *events])


def test_a_fresh_case_runs_on_business_hours_and_warns_at_80_percent() -> None:
    state = evaluate(history(), [PolicyPeriod(OPEN, GOLD)], ec(2026, 12, 1, 9, 50))
    first = state.first_response
    assert first.due_at == ec(2026, 12, 1, 10)
    assert first.warning_at == ec(2026, 12, 1, 9, 48)
    assert state.warnings == (Target.FIRST_RESPONSE,)
    assert not first.breached and state.escalations == ()
    # Resolution: 8 business hours from 09:00 crosses lunch: due 18:00 the same day.
    assert state.resolution.due_at == ec(2026, 12, 1, 18)


def test_a_breach_escalates_to_the_next_tier() -> None:
    state = evaluate(history(), [PolicyPeriod(OPEN, GOLD)], ec(2026, 12, 1, 11))
    assert state.first_response.breached_at == ec(2026, 12, 1, 10)
    assert [(e.to_group, e.at) for e in state.escalations] == [("tier2", ec(2026, 12, 1, 10))]


def test_osticket_internal_note_is_never_the_first_response() -> None:
    h = history(
        event(ec(2026, 12, 1, 9, 5), EventKind.INTERNAL_NOTE),
        event(ec(2026, 12, 1, 9, 10), EventKind.CUSTOMER_MESSAGE),
    )
    state = evaluate(h, [PolicyPeriod(OPEN, GOLD)], ec(2026, 12, 1, 11))
    assert state.first_response.met_at is None
    assert state.first_response.breached
    replied = evaluate(
        CaseHistory([*h.events, event(ec(2026, 12, 1, 9, 30), EventKind.PUBLIC_REPLY)]),
        [PolicyPeriod(OPEN, GOLD)],
        ec(2026, 12, 1, 11),
    )
    assert replied.first_response.met_at == ec(2026, 12, 1, 9, 30)
    assert not replied.first_response.breached
    assert all(e.target is not Target.FIRST_RESPONSE for e in replied.escalations)


def test_zammad_sla_change_keeps_the_pause_and_the_time_already_paused() -> None:
    # Opened 09:00, waiting for the customer 10:00-12:00 (paused), SLA switched at 11:00.
    h = history(
        event(ec(2026, 12, 1, 9, 30), EventKind.PUBLIC_REPLY),
        event(ec(2026, 12, 1, 10), EventKind.STATUS, "waiting_customer"),
    )
    periods = [PolicyPeriod(OPEN, GOLD), PolicyPeriod(ec(2026, 12, 1, 11), SILVER)]
    at_noon = evaluate(h, periods, ec(2026, 12, 1, 12))
    assert at_noon.policy == "silver"
    assert at_noon.paused and at_noon.resolution.due_at is None
    assert at_noon.paused_seconds == 2 * HOUR
    assert at_noon.resolution.elapsed_seconds == 1 * HOUR  # not recounted from creation
    resumed = evaluate(
        CaseHistory([*h.events, event(ec(2026, 12, 1, 12), EventKind.STATUS, "open")]),
        periods,
        ec(2026, 12, 1, 12),
    )
    # 15 silver hours left from 12:00: 1 h to lunch, 4 h after, 8 h Wed, 2 h Thu → 11:00.
    assert resumed.resolution.due_at == ec(2026, 12, 3, 11)
    assert resumed.paused_seconds == 2 * HOUR


def test_lunch_and_holidays_still_count_as_closed_after_an_sla_change() -> None:
    # Friday 7 August 2026; Monday 10 August is a holiday in Ecuador.
    opened = ec(2026, 8, 7, 12)
    h = CaseHistory([event(opened, EventKind.OPENED)])
    periods = [PolicyPeriod(opened, GOLD), PolicyPeriod(ec(2026, 8, 7, 13, 30), SILVER)]
    state = evaluate(h, periods, ec(2026, 8, 11, 9, 30))
    # 12-13 (1 h), 14-18 (4 h), Tue 9:00-9:30: lunch, the weekend and the holiday excluded.
    assert state.resolution.elapsed_seconds == 5.5 * HOUR
    # 10.5 silver hours left: Tue 9:30-13 and 14-18 (7.5 h), Wed 9-12 (3 h).
    assert state.resolution.due_at == ec(2026, 8, 12, 12)


def test_glpi_deactivated_sla_clears_its_escalations() -> None:
    h = history()
    periods = [PolicyPeriod(OPEN, GOLD)]
    assert evaluate(h, periods, ec(2026, 12, 1, 17)).escalations
    off = evaluate(h, [*periods, PolicyPeriod(ec(2026, 12, 1, 16), None)], ec(2026, 12, 1, 17))
    assert off.policy is None
    assert off.escalations == () and off.warnings == ()
    assert off.first_response.due_at is None and off.resolution.due_at is None


def test_a_tighter_policy_already_past_its_target_breaches_when_it_takes_over() -> None:
    relaxed = SlaPolicy("bronze", EC, 8 * 60, 40 * 60)
    change = ec(2026, 12, 1, 11)
    periods = [PolicyPeriod(OPEN, relaxed), PolicyPeriod(change, GOLD)]
    state = evaluate(history(), periods, ec(2026, 12, 1, 11, 30))
    assert state.first_response.breached_at == change


def test_reopening_a_resolved_case_resumes_the_resolution_clock() -> None:
    h = history(
        event(ec(2026, 12, 1, 10), EventKind.STATUS, "resolved"),
        event(ec(2026, 12, 2, 9), EventKind.STATUS, "open"),
    )
    resolved = evaluate(CaseHistory(h.events[:2]), [PolicyPeriod(OPEN, GOLD)], ec(2026, 12, 2))
    assert resolved.resolution.met_at == ec(2026, 12, 1, 10)
    state = evaluate(h, [PolicyPeriod(OPEN, GOLD)], ec(2026, 12, 2, 10))
    assert state.resolution.met_at is None
    assert state.resolution.elapsed_seconds == 2 * HOUR
    assert state.resolution.due_at == ec(2026, 12, 2, 17)


def test_events_after_now_are_not_seen() -> None:
    h = history(event(ec(2026, 12, 1, 12), EventKind.PUBLIC_REPLY))
    assert (
        evaluate(h, [PolicyPeriod(OPEN, GOLD)], ec(2026, 12, 1, 9, 30)).first_response.met_at
        is None
    )


pause_windows = st.lists(
    st.tuples(st.integers(0, 30 * 24), st.integers(1, 72)), min_size=0, max_size=4
)


def _with_pauses(windows: list[tuple[int, int]]) -> CaseHistory:
    """Pauses over the union of the windows (hours from opening), as status changes."""
    merged: list[list[int]] = []
    for start_h, length_h in sorted(windows):
        if merged and start_h <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], start_h + length_h)
        else:
            merged.append([start_h, start_h + length_h])
    events = [event(OPEN, EventKind.OPENED)]
    for start_h, end_h in merged:
        events.append(event(OPEN + timedelta(hours=start_h), EventKind.STATUS, "waiting_part"))
        events.append(event(OPEN + timedelta(hours=end_h), EventKind.STATUS, "open"))
    return CaseHistory(events)


@settings(max_examples=120, deadline=None)
@given(pause_windows, st.tuples(st.integers(0, 30 * 24), st.integers(1, 72)))
def test_a_pause_never_shortens_the_remaining_time(
    windows: list[tuple[int, int]], extra: tuple[int, int]
) -> None:
    periods = [PolicyPeriod(OPEN, SlaPolicy("long", EC, 60 * 60, 200 * 60))]
    now = OPEN + timedelta(days=40)
    before = evaluate(_with_pauses(windows), periods, now).resolution
    after = evaluate(_with_pauses([*windows, extra]), periods, now).resolution
    assert after.elapsed_seconds <= before.elapsed_seconds
    if before.breached_at and after.breached_at:
        assert after.breached_at >= before.breached_at


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 20 * 24 * 60), st.integers(0, 10 * 24 * 60), st.booleans())
def test_the_batch_job_agrees_with_the_fold(snap_min: int, later_min: int, paused: bool) -> None:
    """Snapshot the fold at one moment, extrapolate with the batch to a later one: the same
    due time, warning time, elapsed time and breach as folding again at that later moment."""
    h = history(
        event(
            OPEN + timedelta(minutes=1), EventKind.STATUS, "waiting_customer" if paused else "open"
        )
    )
    periods = [PolicyPeriod(OPEN, GOLD)]
    snap_at = OPEN + timedelta(minutes=1 + snap_min)
    now = snap_at + timedelta(minutes=later_min)
    snap = evaluate(h, periods, snap_at).resolution
    batch = ClockBatch.from_states([(0, snap_at, snap, GOLD.warning_ratio)])
    result = evaluate_many([EC], batch, now)
    truth = evaluate(h, periods, now).resolution
    assert result.elapsed_seconds[0] == truth.elapsed_seconds
    assert bool(result.breached[0]) == truth.breached
    if truth.running:
        assert result.due_at[0] == to_micros(truth.due_at)  # type: ignore[arg-type]
        assert result.warning_at[0] == to_micros(truth.warning_at)  # type: ignore[arg-type]
    else:
        assert result.due_at[0] == NONE


def test_batch_refuses_rows_that_do_not_line_up() -> None:
    import pytest

    from lealtad.service_engine.sla import SlaInputError

    with pytest.raises(SlaInputError) as err:
        ClockBatch(
            np.zeros(2, np.int64),
            np.zeros(1, np.int64),
            np.zeros(2),
            np.zeros(2),
            np.zeros(2),
            np.zeros(2, bool),
        )
    assert err.value.field == "as_of"


def test_the_batch_keeps_each_row_on_its_own_calendar() -> None:
    """Rows of several calendars, interleaved: each row extrapolated on its own hours."""
    always = BusinessCalendar.always_open("24x7", "America/Guayaquil")
    snap = ec(2026, 12, 4, 17)  # Friday 17:00
    now = ec(2026, 12, 7, 10)  # Monday 10:00
    n = 6
    batch = ClockBatch(
        calendar_index=np.array([1, 0, 1, 0, 0, 1], dtype=np.int64),
        as_of=np.full(n, to_micros(snap), dtype=np.int64),
        elapsed_seconds=np.zeros(n),
        target_seconds=np.full(n, 4 * HOUR),
        warning_ratio=np.full(n, 0.8),
        running=np.array([True, True, True, True, False, True]),
    )
    result = evaluate_many([EC, always], batch, now)
    office, nonstop = 2 * HOUR, 65 * HOUR
    assert list(result.elapsed_seconds) == [nonstop, office, nonstop, office, 0, nonstop]
    assert list(result.breached) == [True, False, True, False, False, True]
    assert result.due_at[1] == to_micros(ec(2026, 12, 7, 12))
    assert result.due_at[0] == to_micros(ec(2026, 12, 4, 21))
    assert result.due_at[4] == NONE


def test_a_warning_step_escalates_after_its_delay_in_business_minutes() -> None:
    # Resolution warning at 80 % of 8 h = 6 h 24 min after 09:00 → 16:24; +30 min → 16:54.
    step = EscalationStep(Target.RESOLUTION, Trigger.WARNING, "supervisors", after_minutes=30)
    policy = SlaPolicy("p", EC, None, 8 * 60, escalations=(step,))
    h = history()
    assert evaluate(h, [PolicyPeriod(OPEN, policy)], ec(2026, 12, 1, 16, 50)).escalations == ()
    due = evaluate(h, [PolicyPeriod(OPEN, policy)], ec(2026, 12, 1, 17)).escalations
    assert [(e.to_group, e.at) for e in due] == [("supervisors", ec(2026, 12, 1, 16, 54))]


def test_a_resolved_case_escalates_no_more() -> None:
    h = history(event(ec(2026, 12, 1, 9, 30), EventKind.STATUS, "resolved"))
    state = evaluate(h, [PolicyPeriod(OPEN, GOLD)], ec(2026, 12, 3, 9))
    assert state.resolution.met_at == ec(2026, 12, 1, 9, 30)
    assert not state.resolution.breached
    assert all(e.target is not Target.RESOLUTION for e in state.escalations)


def test_bad_policies_are_refused_naming_the_field() -> None:
    import pytest

    from lealtad.service_engine.sla import SlaInputError

    cases = [
        ({"first_response_minutes": 0}, "first_response_minutes"),
        ({"warning_ratio": 1.5}, "warning_ratio"),
        ({"pause_statuses": frozenset({"resolved"})}, "pause_statuses"),
    ]
    for override, name in cases:
        kwargs = {"first_response_minutes": 60, "resolution_minutes": 480, **override}
        with pytest.raises(SlaInputError) as err:
            SlaPolicy("bad", EC, **kwargs)  # type: ignore[arg-type]
        assert err.value.field == name
    with pytest.raises(SlaInputError) as err:
        CaseEvent(OPEN, EventKind.STATUS)
    assert err.value.field == "status"
    opened_later = CaseHistory([event(OPEN, EventKind.OPENED)], opened_at=OPEN)
    with pytest.raises(SlaInputError) as err:
        evaluate(opened_later, [PolicyPeriod(OPEN, GOLD)], OPEN - timedelta(hours=1))
    assert err.value.field == "now"
    with pytest.raises(SlaInputError) as err:
        evaluate(history(), [PolicyPeriod(OPEN, GOLD)], datetime(2026, 12, 2, 9))
    assert err.value.field == "now"


def test_a_relaxed_policy_lifts_a_breach_of_the_stricter_one_it_replaced() -> None:
    # Gold (1 h first response) breached at 10:00; at 11:00 the case moves to silver (4 h):
    # 2 h elapsed of 4: due at 13:00 (the last 2 h before lunch), not breached, no escalation.
    periods = [PolicyPeriod(OPEN, GOLD), PolicyPeriod(ec(2026, 12, 1, 11), SILVER)]
    state = evaluate(history(), periods, ec(2026, 12, 1, 11))
    first = state.first_response
    assert not first.breached and first.remaining_seconds == 2 * HOUR
    assert first.due_at == ec(2026, 12, 1, 13)
    assert state.escalations == ()
    later = evaluate(history(), periods, ec(2026, 12, 1, 14, 30)).first_response
    assert later.breached_at == ec(2026, 12, 1, 13)


def test_a_stricter_policy_counts_the_time_spent_on_the_old_calendar() -> None:
    # 24x7 from Friday 17:00 (100 h target); at Monday 09:00 the case moves to an office
    # policy with a 60 h target, which the non-stop hours had passed at Monday 05:00.
    always = BusinessCalendar.always_open("24x7", "America/Guayaquil")
    nonstop = SlaPolicy("nonstop", always, None, 100 * 60)
    office = SlaPolicy("office", EC, None, 60 * 60)
    opened = ec(2026, 12, 4, 17)
    periods = [PolicyPeriod(opened, nonstop), PolicyPeriod(ec(2026, 12, 7, 9), office)]
    h = CaseHistory([event(opened, EventKind.OPENED)])
    state = evaluate(h, periods, ec(2026, 12, 7, 10)).resolution
    assert state.elapsed_seconds == 64 * HOUR + 1 * HOUR  # 64 h non-stop, then 1 office hour
    # 60 h were reached on Monday 05:00 under 24x7; office took over at 09:00: breach then.
    assert state.breached_at == ec(2026, 12, 7, 9)


STATUSES = ["open", "waiting_customer", "waiting_part", "resolved", "in_progress"]
steps = st.lists(
    st.tuples(
        st.integers(1, 3 * 24 * 60),
        st.sampled_from(["status", "reply", "note", "policy"]),
        st.integers(0, 4),
    ),
    max_size=12,
)


def _random_case(
    script: list[tuple[int, str, int]],
) -> tuple[CaseHistory, list[PolicyPeriod], datetime]:
    events, periods, at = [event(OPEN, EventKind.OPENED)], [PolicyPeriod(OPEN, GOLD)], OPEN
    policies = [GOLD, SILVER, None, GOLD, SILVER]
    for minutes, kind, pick in script:
        at = at + timedelta(minutes=minutes)
        if kind == "status":
            events.append(event(at, EventKind.STATUS, STATUSES[pick]))
        elif kind == "reply":
            events.append(event(at, EventKind.PUBLIC_REPLY))
        elif kind == "note":
            events.append(event(at, EventKind.INTERNAL_NOTE))
        else:
            periods.append(PolicyPeriod(at, policies[pick]))
    return CaseHistory(events), periods, at


@settings(max_examples=150, deadline=None)
@given(steps, st.integers(0, 5 * 24 * 60))
def test_any_history_obeys_the_clocks_invariants(
    script: list[tuple[int, str, int]], after: int
) -> None:
    h, periods, last = _random_case(script)
    now = last + timedelta(minutes=after)
    state = evaluate(h, periods, now)
    open_time = EC.business_seconds(OPEN, now)
    res = state.resolution
    # Counted time never exceeds the business time since opening, pauses included.
    assert 0 <= res.elapsed_seconds <= open_time + 1e-6
    assert res.elapsed_seconds + state.paused_seconds <= open_time + 1e-6
    # Notes never answer; the first public reply does.
    replies = [e.at for e in h.events if e.kind is EventKind.PUBLIC_REPLY]
    assert state.first_response.met_at == (min(replies) if replies else None)
    # Restating the policy in force changes nothing.
    restated = [*periods, PolicyPeriod(last, _policy_now(periods, last))]
    assert evaluate(h, restated, now) == state
    # No SLA now: nothing due, nothing to escalate.
    if state.policy is None:
        assert state.escalations == () and res.due_at is None


def _policy_now(periods: list[PolicyPeriod], at: datetime) -> SlaPolicy | None:
    return [p.policy for p in sorted(periods, key=lambda p: p.start) if p.start <= at][-1]


@settings(max_examples=100, deadline=None)
@given(steps, st.integers(0, 5 * 24 * 60))
def test_the_batch_extrapolates_any_history_like_the_fold(
    script: list[tuple[int, str, int]], after: int
) -> None:
    h, periods, last = _random_case(script)
    now = last + timedelta(minutes=after)
    policy = _policy_now(periods, last)
    for target in Target:
        snap = getattr(evaluate(h, periods, last), target.value)
        truth = getattr(evaluate(h, periods, now), target.value)
        ratio = policy.warning_ratio if policy else 0.8
        result = evaluate_many([EC], ClockBatch.from_states([(0, last, snap, ratio)]), now)
        assert result.elapsed_seconds[0] == pytest.approx(truth.elapsed_seconds, abs=1e-6)
        if truth.running and not truth.breached:
            assert result.due_at[0] == to_micros(truth.due_at)  # type: ignore[arg-type]
            assert not result.breached[0]
        if truth.running and truth.breached:
            assert result.breached[0]
