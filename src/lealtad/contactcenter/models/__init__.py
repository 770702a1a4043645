from lealtad.contactcenter.models.agents import Agent, AgentSkill, Skill
from lealtad.contactcenter.models.contacts import CenterEvent, Contact
from lealtad.contactcenter.models.cti import CtiCall, CtiPending, CtiSwitch
from lealtad.contactcenter.models.dialer import (
    CallList,
    CallListEntry,
    DialAttempt,
    DoNotCallNumber,
)
from lealtad.contactcenter.models.ivr import IvrFlow, IvrSession, IvrSessionStatus
from lealtad.contactcenter.models.queues import CenterSettings, Queue, QueueOverflow, WrapUpCode

__all__ = [
    "Agent",
    "AgentSkill",
    "CallList",
    "CallListEntry",
    "CenterEvent",
    "CenterSettings",
    "Contact",
    "CtiCall",
    "CtiPending",
    "CtiSwitch",
    "DialAttempt",
    "DoNotCallNumber",
    "IvrFlow",
    "IvrSession",
    "IvrSessionStatus",
    "Queue",
    "QueueOverflow",
    "Skill",
    "WrapUpCode",
]
