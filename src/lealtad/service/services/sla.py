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
from lealtad.core.db import new_row
from lealtad.customers.selectors.standing import current_tiers
from lealtad.service import models as m
from lealtad.service.choices import OPEN_STATUSES, PAUSING_STATUSES, EntryKind
from lealtad.service.services.contracts import support_levels_of
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
    return _conditions([case], at)[0]


def _conditions(cases: list[m.Case], at: datetime) -> list[dict[str, Any]]:
    """:func:`conditions_of` for many cases, with one read of tiers and one of contracts."""
    customers = [c.customer_id for c in cases if c.customer_id is not None]
    tiers = current_tiers(customers) if customers else {}
    levels = support_levels_of(customers, at) if customers else {}
    return [
        {
            "value_tier": tiers.get(case.customer_id or 0) or case.value_tier,
            "support_level": levels.get(case.customer_id or 0),
            "priority": case.priority,
        }
        for case in cases
    ]


def policy_for(case: m.Case, at: datetime | None = None) -> m.SlaPolicy | None:
    """The first active policy (by rank) whose conditions all match; empty means any."""
    return _choose(conditions_of(case, at or timezone.now()), _Policies.load().active)


def _choose(facts: dict[str, Any], active: list[m.SlaPolicy]) -> m.SlaPolicy | None:
    """A policy naming segments matches nothing until marketing's segments exist."""
    for policy in active:
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


class _Policies:
    """Every policy by name, the active ones by rank, and each one's engine policy compiled
    once (a calendar with its holidays is dear to build for every case of a batch)."""

    def __init__(self, rows: list[m.SlaPolicy]) -> None:
        self.by_name = {p.name: p for p in rows}
        self.active = [p for p in rows if p.active]
        self._engines: dict[str, engine.SlaPolicy] = {}

    @classmethod
    def load(cls) -> _Policies:
        return cls(list(m.SlaPolicy.objects.select_related("calendar").order_by("rank", "name")))

    def engine(self, name: str) -> engine.SlaPolicy | None:
        row = self.by_name.get(name)
        if row is None:
            return None
        if name not in self._engines:
            self._engines[name] = engine_policy(row)
        return self._engines[name]


def history_of(
    entries: list[m.CaseEntry], policies: _Policies
) -> tuple[engine.CaseHistory, list[engine.PolicyPeriod]]:
    """The case's history lines as the engine's events and policy periods."""
    events: list[engine.CaseEvent] = []
    periods: list[engine.PolicyPeriod] = []
    opened = entries[0].at if entries else None
    for line in entries:
        if line.kind == EntryKind.SLA and "policy" in line.data:
            periods.append(engine.PolicyPeriod(line.at, policies.engine(line.data["policy"] or "")))
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
    at = now or timezone.now()
    entries = list(case.entries.order_by("at", "id"))
    folded = _fold(case, entries, conditions_of(case, at), _Policies.load(), at)
    if folded is None:
        return None
    state, line, clock = folded
    if line is not None:
        line.save()
    _store(case)
    values = {name: getattr(clock, name) for name in _CLOCK_FIELDS}
    m.CaseClock.objects.update_or_create(case=case, defaults=values)
    return state


def fold_opened(
    cases: list[m.Case], entries: dict[int, list[m.CaseEntry]], now: datetime
) -> tuple[list[m.CaseEntry], list[m.CaseClock]]:
    """:func:`refresh` for cases being opened (not yet written), whose whole history is in
    ``entries`` (by case id): the same fold, with one read of what the policies look at.
    Sets the SLA on the cases; answers the policy lines and clock rows to write with them."""
    policies = _Policies.load()
    lines: list[m.CaseEntry] = []
    clocks: list[m.CaseClock] = []
    for case, facts in zip(cases, _conditions(cases, now), strict=True):
        history = sorted(entries.get(case.pk, []), key=lambda e: e.at)
        folded = _fold(case, history, facts, policies, now, opening=True)
        if folded is None:
            continue
        _state, line, clock = folded
        lines += [line] if line is not None else []
        clocks.append(clock)
    return lines, clocks


_SLA_FIELDS = ["sla_policy", "first_response_due", "resolution_due", "sla_breached"]


def _fold(
    case: m.Case,
    entries: list[m.CaseEntry],
    facts: dict[str, Any],
    policies: _Policies,
    now: datetime,
    opening: bool = False,
) -> tuple[engine.SlaState, m.CaseEntry | None, m.CaseClock] | None:
    """The SLA state folded from the history (plus the policy line to write when the policy
    in force changes), set on ``case`` (unsaved) and as its clock row (unsaved)."""
    recorded = _recorded_policy(entries)
    line = None
    if case.status in OPEN_STATUSES:
        chosen = _choose(facts, policies.active)
        name = chosen.name if chosen else ""
        if recorded != name and not (recorded is None and not name):
            # A case being opened (an imported one too) owes its policy from its opening; a
            # policy that starts to apply later counts from now on, never backwards.
            since = entries[0].at if opening and entries else now
            line = new_row(
                m.CaseEntry,
                case_id=case.pk,
                at=since,
                kind=EntryKind.SLA,
                author=SYSTEM.label,
                data={"policy": name},
            )
            entries = sorted([*entries, line], key=lambda e: e.at)
    try:
        history, periods = history_of(entries, policies)
        state = engine.evaluate(history, periods, max(now, entries[0].at) if entries else now)
    except engine.SlaInputError:
        log.exception("SLA of case %s not recomputed", case.pk)
        return None
    policy = policies.by_name.get(state.policy or "")
    case.sla_policy = policy
    case.first_response_due = state.first_response.due_at
    case.resolution_due = state.resolution.due_at
    case.sla_breached = state.first_response.breached or state.resolution.breached
    return state, line, _clock(case, policy, state, now)


def _store(case: m.Case) -> None:
    m.Case.objects.filter(pk=case.pk).update(**{f: getattr(case, f) for f in _SLA_FIELDS})


def _clock(
    case: m.Case, policy: m.SlaPolicy | None, state: engine.SlaState, now: datetime
) -> m.CaseClock:
    first, resolution = state.first_response, state.resolution
    return new_row(
        m.CaseClock,
        case_id=case.pk,
        calendar_id=policy.calendar_id if policy else None,
        as_of=now,
        warn_at=policy.warn_at if policy else 0.8,
        open=case.status in OPEN_STATUSES,
        first_elapsed=first.elapsed_seconds,
        first_target=first.target_seconds,
        first_running=first.running and first.met_at is None,
        resolution_elapsed=resolution.elapsed_seconds,
        resolution_target=resolution.target_seconds,
        resolution_running=resolution.running and resolution.met_at is None,
    )


_CLOCK_FIELDS = (
    "calendar_id",
    "as_of",
    "warn_at",
    "open",
    "first_elapsed",
    "first_target",
    "first_running",
    "resolution_elapsed",
    "resolution_target",
    "resolution_running",
)


def refresh_case(case_id: int, now: datetime | None = None) -> engine.SlaState | None:
    with transaction.atomic():
        return refresh(m.Case.objects.get(pk=case_id), now)
