"""The SLA clock: business calendars, policies, the fold over a case's history and the
batch job over every open case (docs/service-sla.md)."""

from lealtad.service_engine.sla.batch import NONE, BatchResult, ClockBatch, evaluate_many
from lealtad.service_engine.sla.calendar import (
    BusinessCalendar,
    add_business_seconds,
    business_seconds,
)
from lealtad.service_engine.sla.clock import ClockState, EscalationDue, SlaState, evaluate
from lealtad.service_engine.sla.errors import SlaInputError
from lealtad.service_engine.sla.policy import (
    CaseEvent,
    CaseHistory,
    EscalationStep,
    EventKind,
    PolicyPeriod,
    SlaPolicy,
    Target,
    Trigger,
)

__all__ = [
    "NONE",
    "BatchResult",
    "BusinessCalendar",
    "CaseEvent",
    "CaseHistory",
    "ClockBatch",
    "ClockState",
    "EscalationDue",
    "EscalationStep",
    "EventKind",
    "PolicyPeriod",
    "SlaInputError",
    "SlaPolicy",
    "SlaState",
    "Target",
    "Trigger",
    "add_business_seconds",
    "business_seconds",
    "evaluate",
    "evaluate_many",
]
