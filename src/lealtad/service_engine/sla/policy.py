"""What an SLA promises and what a case's history says happened, as plain values.

The ``service`` context reads its tables into these; the clock folds them. A policy carries
its own calendar, so the policy in force at each moment also decides which hours count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from lealtad.service_engine.sla.calendar import BusinessCalendar, to_micros
from lealtad.service_engine.sla.errors import SlaInputError

DEFAULT_PAUSE = frozenset({"waiting_customer", "waiting_part"})
DEFAULT_RESOLVED = frozenset({"resolved", "closed"})


class Target(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class Trigger(StrEnum):
    WARNING = "warning"
    BREACH = "breach"


@dataclass(frozen=True)
class EscalationStep:
    """When ``target`` reaches ``trigger`` (plus ``after_minutes`` business minutes), hand
    the case to ``to_group`` (the next tier or a named group)."""

    target: Target
    trigger: Trigger
    to_group: str
    after_minutes: int = 0


@dataclass(frozen=True)
class SlaPolicy:
    name: str
    calendar: BusinessCalendar
    first_response_minutes: int | None
    resolution_minutes: int | None
    warning_ratio: float = 0.8
    pause_statuses: frozenset[str] = DEFAULT_PAUSE
    resolved_statuses: frozenset[str] = DEFAULT_RESOLVED
    escalations: tuple[EscalationStep, ...] = ()

    def __post_init__(self) -> None:
        for name in ("first_response_minutes", "resolution_minutes"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise SlaInputError(name, f"must be a positive number of minutes (got {value})")
        if not 0 < self.warning_ratio < 1:
            raise SlaInputError("warning_ratio", f"must lie between 0 and 1 ({self.warning_ratio})")
        if self.pause_statuses & self.resolved_statuses:
            raise SlaInputError("pause_statuses", "a status cannot both pause and resolve")
        for step in self.escalations:
            if step.after_minutes < 0:
                raise SlaInputError("escalations", f"{step.to_group}: after_minutes below zero")

    def target_seconds(self, target: Target) -> float | None:
        minutes = (
            self.first_response_minutes
            if target is Target.FIRST_RESPONSE
            else self.resolution_minutes
        )
        return None if minutes is None else minutes * 60.0


@dataclass(frozen=True)
class PolicyPeriod:
    """From ``start`` on, ``policy`` is in force; ``None`` means the SLA was deactivated."""

    start: datetime
    policy: SlaPolicy | None


class EventKind(StrEnum):
    OPENED = "opened"
    STATUS = "status"
    PUBLIC_REPLY = "public_reply"  # an agent's answer the customer sees: the first response
    INTERNAL_NOTE = "internal_note"  # never a response, whoever writes it
    CUSTOMER_MESSAGE = "customer_message"


@dataclass(frozen=True)
class CaseEvent:
    at: datetime
    kind: EventKind
    status: str | None = None

    def __post_init__(self) -> None:
        if self.kind is EventKind.STATUS and not self.status:
            raise SlaInputError("status", f"a status change at {self.at} names no status")


@dataclass(frozen=True)
class CaseHistory:
    """The case's events in any order; they are sorted by time (stable) before the fold."""

    events: Sequence[CaseEvent]
    initial_status: str = "new"
    opened_at: datetime | None = field(default=None)

    def ordered(self) -> list[CaseEvent]:
        for i, event in enumerate(self.events):
            to_micros(event.at, f"events[{i}].at")
        return sorted(self.events, key=lambda e: e.at)
