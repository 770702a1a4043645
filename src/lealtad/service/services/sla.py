"""The SLA of the cases: which policy applies, the clock folded from each case's history
after every change, and the periodic job that warns, breaches and escalates.

The clock itself is ``service_engine.sla``: a fold over the history (``evaluate``) after a
change, and the batch (``evaluate_many``) over every open case's stored snapshot
(``CaseClock``) once a minute. The policy in force is written into the history (an ``sla``
entry) whenever it changes, so the fold sees the periods and a change mid-case keeps the
time already elapsed and paused.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.customers.selectors.standing import standing_of
from lealtad.service import models as m
from lealtad.service.choices import OPEN_STATUSES, PAUSING_STATUSES, EntryKind
from lealtad.service.services.contracts import support_level_of
from lealtad.service_engine import sla as engine

log = logging.getLogger(__name__)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SYSTEM = Actor.system("sla")
_KINDS = {
    EntryKind.REPLY: engine.EventKind.PUBLIC_REPLY,
    EntryKind.NOTE: engine.EventKind.INTERNAL_NOTE,
    EntryKind.MESSAGE: engine.EventKind.CUSTOMER_MESSAGE,
}


def _clock_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours) % 24, int(minutes))


def engine_calendar(row: m.BusinessCalendar) -> engine.BusinessCalendar:
    """The table's calendar as the engine's (compiled once per distinct definition)."""
    if row.always_open:
        return engine.BusinessCalendar.always_open(row.name, row.time_zone)
    weekly = {
        DAYS.index(day): tuple((_clock_time(a), _clock_time(b)) for a, b in spans)
        for day, spans in (row.hours or {}).items()
        if day in DAYS and spans
    }
    return engine.BusinessCalendar(
        row.name,
        row.time_zone,
        weekly,
        country=row.country or None,
        extra_holidays=frozenset(datetime.fromisoformat(d).date() for d in row.extra_holidays),
    )


def engine_policy(row: m.SlaPolicy) -> engine.SlaPolicy:
    return engine.SlaPolicy(
        row.name,
        engine_calendar(row.calendar),
        row.first_response_minutes or None,
        row.resolution_minutes or None,
        warning_ratio=row.warn_at,
        pause_statuses=frozenset(PAUSING_STATUSES),
    )


def conditions_of(case: m.Case, at: datetime) -> dict[str, Any]:
    """What the policies' conditions look at: value tier, support level, priority."""
    tier = case.value_tier
    if case.customer_id is not None:
        standing = standing_of(case.customer_id)
        if standing and standing.get("value_tier"):
            tier = standing["value_tier"]
    return {
        "value_tier": tier,
        "support_level": support_level_of(case.customer_id, at),
        "priority": case.priority,
    }


def policy_for(case: m.Case, at: datetime | None = None) -> m.SlaPolicy | None:
    """The first active policy (by rank) whose conditions all match; empty means any.
    A policy naming segments matches nothing until marketing's segments exist."""
    facts = conditions_of(case, at or timezone.now())
    for policy in m.SlaPolicy.objects.filter(active=True).select_related("calendar"):
        if policy.segments:
            continue
        if policy.value_tiers and facts["value_tier"] not in policy.value_tiers:
            continue
        if policy.support_levels and facts["support_level"] not in policy.support_levels:
            continue
        if policy.priorities and facts["priority"] not in policy.priorities:
            continue
        return policy
    return None


def history_of(
    entries: list[m.CaseEntry], policies: dict[str, m.SlaPolicy]
) -> tuple[engine.CaseHistory, list[engine.PolicyPeriod]]:
    """The case's history lines as the engine's events and policy periods."""
    events: list[engine.CaseEvent] = []
    periods: list[engine.PolicyPeriod] = []
    opened = entries[0].at if entries else None
    for line in entries:
        if line.kind == EntryKind.SLA and "policy" in line.data:
            row = policies.get(line.data["policy"] or "")
            periods.append(engine.PolicyPeriod(line.at, engine_policy(row) if row else None))
            continue
        if line.kind == EntryKind.OPENED:
            events.append(engine.CaseEvent(line.at, engine.EventKind.OPENED))
        kind = _KINDS.get(line.kind)  # type: ignore[call-overload]
        if kind is not None:
            events.append(engine.CaseEvent(line.at, kind))
        if line.status and line.kind != EntryKind.OPENED:
            events.append(engine.CaseEvent(line.at, engine.EventKind.STATUS, line.status))
    return engine.CaseHistory(events, opened_at=opened), periods


def _recorded_policy(entries: list[m.CaseEntry]) -> str | None:
    """The policy the history says is in force (None: never recorded)."""
    found = None
    for line in entries:
        if line.kind == EntryKind.SLA and "policy" in line.data:
            found = line.data["policy"] or ""
    return found


def refresh(case: m.Case, now: datetime | None = None) -> engine.SlaState | None:
    """Recompute the case's SLA from its history and store it on the case and its clock.
    Runs inside the caller's transaction, after the change it follows. A calendar the
    engine refuses (a bad time zone or hours saved outside the admin) is logged and leaves
    the stored SLA as it was: a broken calendar must not stop agents working cases."""
    try:
        return _refresh(case, now or timezone.now())
    except engine.SlaInputError:
        log.exception("SLA of case %s not recomputed", case.pk)
        return None


def _refresh(case: m.Case, now: datetime) -> engine.SlaState:
    entries = list(case.entries.order_by("at", "id"))
    recorded = _recorded_policy(entries)
    if case.status in OPEN_STATUSES:
        chosen = policy_for(case, now)
        name = chosen.name if chosen else ""
        if recorded != name and not (recorded is None and not name):
            entries.append(_sla_line(case, now, {"policy": name}))
    policies = {p.name: p for p in m.SlaPolicy.objects.select_related("calendar")}
    history, periods = history_of(entries, policies)
    state = engine.evaluate(history, periods, max(now, entries[0].at) if entries else now)
    policy = policies.get(state.policy or "")
    case.sla_policy = policy
    case.first_response_due = state.first_response.due_at
    case.resolution_due = state.resolution.due_at
    case.sla_breached = state.first_response.breached or state.resolution.breached
    m.Case.objects.filter(pk=case.pk).update(
        sla_policy=policy,
        first_response_due=case.first_response_due,
        resolution_due=case.resolution_due,
        sla_breached=case.sla_breached,
    )
    _store_clock(case, policy, state, now)
    return state


def _sla_line(case: m.Case, at: datetime, data: dict[str, Any]) -> m.CaseEntry:
    return m.CaseEntry.objects.create(
        case=case, at=at, kind=EntryKind.SLA, author=SYSTEM.label, data=data
    )


def _store_clock(
    case: m.Case, policy: m.SlaPolicy | None, state: engine.SlaState, now: datetime
) -> None:
    first, resolution = state.first_response, state.resolution
    m.CaseClock.objects.update_or_create(
        case=case,
        defaults={
            "calendar_id": policy.calendar_id if policy else None,
            "as_of": now,
            "warn_at": policy.warn_at if policy else 0.8,
            "open": case.status in OPEN_STATUSES,
            "first_elapsed": first.elapsed_seconds,
            "first_target": first.target_seconds,
            "first_running": first.running and first.met_at is None,
            "resolution_elapsed": resolution.elapsed_seconds,
            "resolution_target": resolution.target_seconds,
            "resolution_running": resolution.running and resolution.met_at is None,
        },
    )


def refresh_case(case_id: int, now: datetime | None = None) -> engine.SlaState | None:
    with transaction.atomic():
        return refresh(m.Case.objects.get(pk=case_id), now)
