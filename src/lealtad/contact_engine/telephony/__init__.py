"""Telephony: the adapter a PBX connector implements, its CTI events, and a switch simulator.

Plain Python with no Django: the contact center applies these events through its services
(``lealtad.contactcenter.services.cti``), and the demo, the tests and the kill benchmark drive the
simulator with an explicit clock.
"""

from lealtad.contact_engine.telephony.adapter import (
    EVENT_TYPES,
    AbandonedWhere,
    AgentCallEvent,
    CallAbandoned,
    CallAnswered,
    CallBlocked,
    CallConferenced,
    CallDialled,
    CallEvent,
    CallFailed,
    CallHeld,
    CallOffered,
    CallReleased,
    CallRetrieved,
    CallTransferred,
    CtiEvent,
    DialOutcome,
    DigitsCollected,
    Direction,
    EventSink,
    ReleasedBy,
    SwitchEvent,
    SwitchRestarted,
    TelephonyAdapter,
    TelephonyError,
    TransferMode,
)
from lealtad.contact_engine.telephony.feed import disturb, drive
from lealtad.contact_engine.telephony.simulator import (
    CallState,
    SwitchConfig,
    SwitchSimulator,
    SwitchStats,
    random_keys,
)
from lealtad.contact_engine.telephony.traffic import ArrivalCurve, CallerProfile, DialProfile
from lealtad.contact_engine.telephony.wire import WireError, from_wire, to_wire

__all__ = [
    "EVENT_TYPES",
    "AbandonedWhere",
    "AgentCallEvent",
    "ArrivalCurve",
    "CallAbandoned",
    "CallAnswered",
    "CallBlocked",
    "CallConferenced",
    "CallDialled",
    "CallEvent",
    "CallFailed",
    "CallHeld",
    "CallOffered",
    "CallReleased",
    "CallRetrieved",
    "CallState",
    "CallTransferred",
    "CallerProfile",
    "CtiEvent",
    "DialOutcome",
    "DialProfile",
    "DigitsCollected",
    "Direction",
    "EventSink",
    "ReleasedBy",
    "SwitchConfig",
    "SwitchEvent",
    "SwitchRestarted",
    "SwitchSimulator",
    "SwitchStats",
    "TelephonyAdapter",
    "TelephonyError",
    "TransferMode",
    "WireError",
    "disturb",
    "drive",
    "from_wire",
    "random_keys",
    "to_wire",
]
