"""The telephony adapter: the commands Lealtad sends a switch and the CTI events it gets back.

A real PBX connector (Asterisk AMI/ARI, FreeSWITCH ESL, a CSTA gateway) and the built-in
switch simulator both implement :class:`TelephonyAdapter`, so the contact center never knows
which one it talks to. Commands are fire-and-forget, as on a real switch: what happened comes
back later as events, because a command can race with the caller hanging up.

Every event names the switch (``switch_id``) and its ``epoch`` (bumped when the PBX
restarts, since call ids may start over), the PBX's call id (``call_ref``) and a per-call
sequence number (``seq``, from 1), so a receiver can drop duplicates by
``(switch_id, epoch, call_ref, seq)`` and hold back an event that arrived before its
predecessor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar, Protocol, runtime_checkable


class TransferMode(StrEnum):
    """Blind: the call goes straight on. Consult: the agent talks to the target first."""

    BLIND = "blind"
    CONSULT = "consult"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class ReleasedBy(StrEnum):
    """Who ended the call (or left it): the caller, an agent, or the switch itself."""

    CALLER = "caller"
    AGENT = "agent"
    SYSTEM = "system"


class AbandonedWhere(StrEnum):
    """Where the caller was when they hung up before an agent answered."""

    QUEUE = "queue"
    IVR = "ivr"
    RINGING = "ringing"


class DialOutcome(StrEnum):
    """What an outbound attempt came to: only ``answered`` reaches a person."""

    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    MACHINE = "machine"
    BLOCKED = "blocked"  # every trunk was busy: the switch could not dial


class TelephonyError(ValueError):
    """A command the switch cannot carry out (unknown call or phone, wrong call state).

    ``field`` names the argument at fault, so the caller can say which one was wrong.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = message


def _frozen(mapping: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType({str(k): str(v) for k, v in (mapping or {}).items()})


@dataclass(frozen=True, kw_only=True)
class SwitchEvent:
    """What every CTI event carries: which switch, which life of it, and when."""

    type: ClassVar[str] = ""
    switch_id: str
    epoch: int
    at: datetime

    def __post_init__(self) -> None:
        if not self.switch_id:
            raise ValueError("switch_id: must not be empty")
        if self.epoch < 0:
            raise ValueError(f"epoch: {self.epoch} must not be negative")
        if self.at.tzinfo is None:
            raise ValueError("at: must carry a time zone")


@dataclass(frozen=True, kw_only=True)
class SwitchRestarted(SwitchEvent):
    """The PBX came back up: calls of earlier epochs no longer exist on it."""

    type: ClassVar[str] = "switch.restarted"


@dataclass(frozen=True, kw_only=True)
class CallEvent(SwitchEvent):
    """An event about one call; ``seq`` orders a call's events (1, 2, 3 …)."""

    call_ref: str
    seq: int

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.call_ref:
            raise ValueError("call_ref: must not be empty")
        if self.seq < 1:
            raise ValueError(f"seq: {self.seq} must be at least 1")

    @property
    def key(self) -> tuple[str, int, str, int]:
        """The identity a receiver deduplicates by."""
        return (self.switch_id, self.epoch, self.call_ref, self.seq)


@dataclass(frozen=True, kw_only=True)
class CallOffered(CallEvent):
    """A caller is on the line and needs an agent (an inbound call, or a predictive
    dialer's call that a person answered). ``queue`` is the queue the dialled number or
    the IVR chose; ``collected`` is what the caller keyed in the IVR."""

    type: ClassVar[str] = "call.offered"
    caller_id: str = ""
    dialled: str = ""
    queue: str = ""
    direction: Direction = Direction.INBOUND
    collected: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "direction", Direction(self.direction))
        object.__setattr__(self, "collected", _frozen(self.collected))

    def __hash__(self) -> int:  # the collected data is a read-only mapping, not hashable
        return hash((self.key, self.at, self.caller_id, tuple(sorted(self.collected.items()))))


@dataclass(frozen=True, kw_only=True)
class AgentCallEvent(CallEvent):
    """An event one agent's phone caused on a call."""

    agent: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.agent:
            raise ValueError("agent: must not be empty")


@dataclass(frozen=True, kw_only=True)
class CallAnswered(AgentCallEvent):
    """The agent's phone picked the call up: talking starts."""

    type: ClassVar[str] = "call.answered"


@dataclass(frozen=True, kw_only=True)
class CallHeld(AgentCallEvent):
    type: ClassVar[str] = "call.held"


@dataclass(frozen=True, kw_only=True)
class CallRetrieved(AgentCallEvent):
    type: ClassVar[str] = "call.retrieved"


@dataclass(frozen=True, kw_only=True)
class CallTransferred(CallEvent):
    """The call left ``agent`` for another agent or back to a queue (keeping its place)."""

    type: ClassVar[str] = "call.transferred"
    agent: str
    to_agent: str = ""
    to_queue: str = ""
    mode: TransferMode = TransferMode.BLIND

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "mode", TransferMode(self.mode))
        if not self.agent:
            raise ValueError("agent: must not be empty")
        if bool(self.to_agent) == bool(self.to_queue):
            raise ValueError("to_agent: give exactly one of to_agent and to_queue")


@dataclass(frozen=True, kw_only=True)
class CallConferenced(CallEvent):
    """A three-way call: ``agent`` brought ``party`` (another agent) onto the call."""

    type: ClassVar[str] = "call.conferenced"
    agent: str
    party: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.agent or not self.party:
            raise ValueError("party: agent and party must both be given")
        if self.agent == self.party:
            raise ValueError("party: an agent cannot conference themselves")


@dataclass(frozen=True, kw_only=True)
class CallReleased(CallEvent):
    """The call ended (``call_ended``), or ``agent`` left a conference that goes on."""

    type: ClassVar[str] = "call.released"
    agent: str = ""
    by: ReleasedBy = ReleasedBy.CALLER
    call_ended: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "by", ReleasedBy(self.by))
        if not self.call_ended and not self.agent:
            raise ValueError("agent: the agent leaving the conference must be named")


@dataclass(frozen=True, kw_only=True)
class CallAbandoned(CallEvent):
    """The caller hung up before any agent answered, after ``waited`` seconds."""

    type: ClassVar[str] = "call.abandoned"
    waited: float = 0.0
    where: AbandonedWhere = AbandonedWhere.QUEUE

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "where", AbandonedWhere(self.where))
        if self.waited < 0:
            raise ValueError(f"waited: {self.waited} must not be negative")


@dataclass(frozen=True, kw_only=True)
class CallBlocked(CallEvent):
    """A caller got the all-trunks-busy tone: never offered, but counted (seed 002)."""

    type: ClassVar[str] = "call.blocked"
    caller_id: str = ""
    dialled: str = ""


@dataclass(frozen=True, kw_only=True)
class CallDialled(CallEvent):
    """The switch started an outbound call (seq 1 of every outbound call): with ``agent``
    the agent's phone is on it from the start; without, a person answering is offered to
    ``queue``. Lets the receiver know the call before its outcome arrives."""

    type: ClassVar[str] = "call.dialled"
    number: str
    agent: str = ""
    queue: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.number:
            raise ValueError("number: must not be empty")
        if not self.agent and not self.queue:
            raise ValueError("queue: a call dialled with no agent needs a queue")


@dataclass(frozen=True, kw_only=True)
class CallFailed(CallEvent):
    """An outbound attempt that reached no person: no answer, busy, machine, blocked."""

    type: ClassVar[str] = "call.failed"
    number: str = ""
    outcome: DialOutcome = DialOutcome.NO_ANSWER
    agent: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "outcome", DialOutcome(self.outcome))
        if self.outcome is DialOutcome.ANSWERED:
            raise ValueError("outcome: an answered call is not a failure")


@dataclass(frozen=True, kw_only=True)
class DigitsCollected(CallEvent):
    """What the caller keyed after a ``collect`` prompt ('' when they keyed nothing)."""

    type: ClassVar[str] = "ivr.digits"
    prompt: str = ""
    digits: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.digits and not all(ch in "0123456789*#" for ch in self.digits):
            raise ValueError(f"digits: {self.digits!r} holds keys a phone does not have")


CtiEvent = (
    SwitchRestarted
    | CallOffered
    | CallAnswered
    | CallHeld
    | CallRetrieved
    | CallTransferred
    | CallConferenced
    | CallReleased
    | CallAbandoned
    | CallBlocked
    | CallDialled
    | CallFailed
    | DigitsCollected
)

EVENT_TYPES: Mapping[str, type[SwitchEvent]] = MappingProxyType(
    {
        cls.type: cls
        for cls in (
            SwitchRestarted,
            CallOffered,
            CallAnswered,
            CallHeld,
            CallRetrieved,
            CallTransferred,
            CallConferenced,
            CallReleased,
            CallAbandoned,
            CallBlocked,
            CallDialled,
            CallFailed,
            DigitsCollected,
        )
    }
)

EventSink = Callable[[SwitchEvent], None]


@runtime_checkable
class TelephonyAdapter(Protocol):
    """The commands Lealtad sends a switch; outcomes come back as CTI events.

    Each raises :class:`TelephonyError` when the switch knows at once that it cannot obey
    (no such call, the phone is not on it); anything that happens later (the caller hung
    up meanwhile) arrives as an event instead.
    """

    switch_id: str
    epoch: int

    def answer(self, call_ref: str, agent: str) -> None:
        """Put the waiting call through to the agent's phone and have it pick up."""

    def hold(self, call_ref: str, agent: str) -> None: ...

    def retrieve(self, call_ref: str, agent: str) -> None: ...

    def transfer(
        self,
        call_ref: str,
        agent: str,
        *,
        to_agent: str = "",
        to_queue: str = "",
        mode: TransferMode = TransferMode.BLIND,
    ) -> None:
        """Hand the call to another agent, or back to a queue where it keeps its place."""

    def conference(self, call_ref: str, agent: str, party: str) -> None:
        """Bring another agent onto the call (three-way)."""

    def release(self, call_ref: str, agent: str = "") -> None:
        """Hang up: the agent leaves (the call ends unless a conference goes on)."""

    def dial(self, number: str, *, agent: str = "", queue: str = "") -> str:
        """Start an outbound call and return its ``call_ref``.

        With ``agent`` the agent's phone is on the call from the start (preview and
        progressive dialling); without, a person answering is offered to ``queue``
        (predictive dialling).
        """
        ...

    def play(self, call_ref: str, prompt: str) -> None:
        """Play a prompt (IVR): its text or the id of a rendered audio file."""

    def collect(self, call_ref: str, prompt: str, *, max_digits: int, timeout: float) -> None:
        """Play a prompt and gather up to ``max_digits`` keys (a ``DigitsCollected`` event)."""
