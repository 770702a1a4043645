"""The SLA clock as a fold over a case's history.

Nothing about the clock is stored as mutable counters: the elapsed business time of each
target is recomputed from the status changes, replies and the policy in force at every
moment. That is why the failures of the open desks cannot happen here: a policy change
keeps the time already elapsed and the time already paused (Zammad recomputing from the
creation date), holidays and lunch breaks are those of the calendar in force during each
stretch, a deactivated SLA has no warnings or escalations left (GLPI firing them anyway),
and only a public reply counts as the first response, never an internal note (osTicket).

Between two consecutive moments (an event or a policy change) the state is constant, so
each stretch adds ``business_seconds`` of its policy's calendar to the targets whose clock
runs. Warnings and breaches are then measured against the policy in force *now* over all
that elapsed time: a relaxed policy lifts the stricter one's breach, and a stricter one
that is already past its target breaches the moment it takes over, not before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from lealtad.service_engine.sla.calendar import BusinessCalendar, to_micros
from lealtad.service_engine.sla.errors import SlaInputError
from lealtad.service_engine.sla.policy import (
    DEFAULT_RESOLVED,
    CaseEvent,
    CaseHistory,
    EventKind,
    PolicyPeriod,
    SlaPolicy,
    Target,
    Trigger,
)


@dataclass(frozen=True)
class ClockState:
    """One target (first response or resolution) as of ``now``.

    ``due_at`` is when the target breaches if the clock keeps running (``None`` while paused,
    once met, or without a target); ``remaining_seconds`` is business time left (negative
    once breached). ``elapsed_seconds`` and ``running`` are the snapshot the batch job
    extrapolates from.
    """

    target_seconds: float | None
    elapsed_seconds: float
    running: bool
    met_at: datetime | None
    due_at: datetime | None
    warning_at: datetime | None
    breached_at: datetime | None

    @property
    def breached(self) -> bool:
        return self.breached_at is not None

    @property
    def remaining_seconds(self) -> float | None:
        return None if self.target_seconds is None else self.target_seconds - self.elapsed_seconds


@dataclass(frozen=True)
class EscalationDue:
    target: Target
    trigger: Trigger
    to_group: str
    at: datetime


@dataclass(frozen=True)
class SlaState:
    policy: str | None
    status: str
    paused: bool
    paused_seconds: float  # business seconds spent paused under an active SLA
    first_response: ClockState
    resolution: ClockState
    warnings: tuple[Target, ...]  # warning reached, not yet breached, not met
    escalations: tuple[EscalationDue, ...]


@dataclass(frozen=True)
class _Stretch:
    """A stretch in which a target's clock ran: from ``start``, ``gained`` business seconds
    on ``calendar``, with ``before`` already elapsed."""

    start: datetime
    before: float
    gained: float
    calendar: BusinessCalendar


@dataclass
class _Tally:
    """Running totals of one target through the fold."""

    elapsed: float = 0.0
    met_at: datetime | None = None
    stretches: list[_Stretch] = field(default_factory=list)

    def crossed(self, threshold: float, since: datetime) -> datetime | None:
        """When the elapsed time first went past ``threshold``, but not before ``since``
        (the policy that sets it took over then: no promise is broken before it is made)."""
        for stretch in self.stretches:
            if stretch.before + stretch.gained > threshold:
                at = stretch.calendar.reach(stretch.start, threshold - stretch.before)
                return max(at, since)
        return None


@dataclass
class _Fold:
    status: str
    policy: SlaPolicy | None = None
    since: datetime | None = None  # when the policy in force took over
    paused_seconds: float = 0.0
    tallies: dict[Target, _Tally] = field(default_factory=lambda: {t: _Tally() for t in Target})

    def adopt(self, policy: SlaPolicy | None, moment: datetime) -> None:
        if policy != self.policy or self.since is None:
            self.policy, self.since = policy, moment

    def paused(self) -> bool:
        return self.policy is not None and self.status in self.policy.pause_statuses

    def running(self, target: Target) -> bool:
        p = self.policy
        if p is None or p.target_seconds(target) is None or self.status in p.pause_statuses:
            return False
        return self.tallies[target].met_at is None and self.status not in p.resolved_statuses

    def advance(self, start: datetime, end: datetime) -> None:
        p = self.policy
        if p is None or end <= start:
            return
        gained = p.calendar.business_seconds(start, end)
        if self.paused():
            self.paused_seconds += gained
        for target in Target:
            if self.running(target) and gained > 0:
                tally = self.tallies[target]
                tally.stretches.append(_Stretch(start, tally.elapsed, gained, p.calendar))
                tally.elapsed += gained

    def apply(self, event: CaseEvent) -> None:
        first, resolution = self.tallies[Target.FIRST_RESPONSE], self.tallies[Target.RESOLUTION]
        if event.kind is EventKind.PUBLIC_REPLY and first.met_at is None:
            first.met_at = event.at
        elif event.kind is EventKind.STATUS and event.status is not None:
            self.status = event.status
            resolved = self.policy.resolved_statuses if self.policy else DEFAULT_RESOLVED
            if event.status in resolved:
                resolution.met_at = resolution.met_at or event.at
            else:
                resolution.met_at = None  # reopened: the resolution clock runs again


def _policy_at(periods: Sequence[PolicyPeriod], moment: datetime) -> SlaPolicy | None:
    current = None
    for period in periods:
        if period.start <= moment:
            current = period.policy
    return current


def evaluate(
    history: CaseHistory, policy_by_time: Sequence[PolicyPeriod], now: datetime
) -> SlaState:
    """The SLA of a case as of ``now``, folded from its history and policy timeline."""
    to_micros(now, "now")
    for i, period in enumerate(policy_by_time):
        to_micros(period.start, f"policy_by_time[{i}].start")
    events = [e for e in history.ordered() if e.at <= now]
    opened = history.opened_at or (events[0].at if events else now)
    if opened > now:
        raise SlaInputError("now", f"{now.isoformat()} is before the case opened ({opened})")
    periods = sorted(policy_by_time, key=lambda p: p.start)
    moments = sorted({opened, now, *(e.at for e in events), *(p.start for p in periods)})
    fold = _Fold(history.initial_status)
    fold.adopt(_policy_at(periods, opened), opened)
    pending = iter(events)
    event = next(pending, None)
    previous = opened
    for moment in (m for m in moments if opened <= m <= now):
        fold.advance(previous, moment)
        fold.adopt(_policy_at(periods, moment), moment)
        while event is not None and event.at <= moment:
            fold.apply(event)
            event = next(pending, None)
        previous = moment
    return _state(fold, now)


def _clock(fold: _Fold, target: Target, now: datetime) -> ClockState:
    """The target measured against the policy in force now, over all the time elapsed."""
    tally, p = fold.tallies[target], fold.policy
    goal = p.target_seconds(target) if p else None
    running = fold.running(target)
    if p is None or goal is None or fold.since is None:
        return ClockState(goal, tally.elapsed, running, tally.met_at, None, None, None)
    breached_at = tally.crossed(goal, fold.since)
    warning_at = tally.crossed(goal * p.warning_ratio, fold.since)
    due_at = breached_at
    if tally.met_at is not None:
        due_at = warning_at = None
    elif running:
        due_at = due_at or p.calendar.reach(now, goal - tally.elapsed)
        warning_at = warning_at or p.calendar.reach(now, goal * p.warning_ratio - tally.elapsed)
    return ClockState(goal, tally.elapsed, running, tally.met_at, due_at, warning_at, breached_at)


def _state(fold: _Fold, now: datetime) -> SlaState:
    clocks = {t: _clock(fold, t, now) for t in Target}
    warnings = tuple(
        t
        for t, c in clocks.items()
        if c.warning_at is not None and c.warning_at <= now and not c.breached and c.met_at is None
    )
    return SlaState(
        fold.policy.name if fold.policy else None,
        fold.status,
        fold.paused(),
        fold.paused_seconds,
        clocks[Target.FIRST_RESPONSE],
        clocks[Target.RESOLUTION],
        warnings,
        _escalations(fold.policy, clocks, now),
    )


def _escalations(
    policy: SlaPolicy | None, clocks: dict[Target, ClockState], now: datetime
) -> tuple[EscalationDue, ...]:
    """Steps whose moment has come; none without an SLA in force or once the target is met."""
    if policy is None:
        return ()
    due = []
    for step in policy.escalations:
        clock = clocks[step.target]
        base = clock.warning_at if step.trigger is Trigger.WARNING else clock.breached_at
        if clock.met_at is not None or base is None or base > now:
            continue
        at = policy.calendar.add_business_seconds(base, step.after_minutes * 60.0)
        if at <= now:
            due.append(EscalationDue(step.target, step.trigger, step.to_group, at))
    return tuple(due)
