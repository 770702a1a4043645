"""The outbound dialer's pure core: pacing (how many lines to dial now) and dialing rules
(may this call-list entry be dialled now, and if not, why and when).

Plain Python with no Django, so the pacer can be driven by the simulator for thirty simulated
days in seconds and by the contact center's dialer job alike.
"""

from lealtad.contact_engine.dialer.pacing import (
    DialMode,
    FloorState,
    Pacer,
    PacerStats,
    PacingSettings,
    expected_abandon_share,
)
from lealtad.contact_engine.dialer.rules import (
    CallingHours,
    CallResult,
    DialRules,
    EntryFacts,
    Refusal,
    RetryPolicy,
    Verdict,
    check_entry,
)

__all__ = [
    "CallResult",
    "CallingHours",
    "DialMode",
    "DialRules",
    "EntryFacts",
    "FloorState",
    "Pacer",
    "PacerStats",
    "PacingSettings",
    "Refusal",
    "RetryPolicy",
    "Verdict",
    "check_entry",
    "expected_abandon_share",
]
