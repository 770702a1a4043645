"""Plain values the ACD routes: media, agent states, queues, agents, contacts and offers.

They are frozen dataclasses so the router, the simulator and the Django runtime can pass
them around and compare them without any of them owning the others' storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Medium(StrEnum):
    """How a contact reaches us; call-backs and voicemails are answered on a voice slot."""

    VOICE = "voice"
    EMAIL = "email"
    CHAT = "chat"
    CALLBACK = "callback"
    VOICEMAIL = "voicemail"

    @property
    def slot(self) -> Medium:
        """The agent capacity this medium uses: a call-back is a call the agent makes."""
        if self in (Medium.CALLBACK, Medium.VOICEMAIL):
            return Medium.VOICE
        return self


class AgentState(StrEnum):
    """Where an agent's time goes (seed 002's A/B/C/D categories are built from these)."""

    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    BREAK = "break"
    TRAINING = "training"
    ADMIN = "admin"
    NOT_READY = "not_ready"
    VACATION = "vacation"  # planned absences: counted by the metrics, never routed to
    SICKNESS = "sickness"


@dataclass(frozen=True)
class QueueSpec:
    """A queue: one skill at one level, and how its eligibility widens while contacts wait.

    ``relax_after`` seconds after arrival any agent with the skill at all may take the
    contact; each ``(seconds, queue)`` in ``overflow`` lets that other queue's agents take
    it too once the contact has waited that long.
    """

    name: str
    skill: str
    level: int = 1
    min_proficiency: int = 1
    relax_after: float | None = 60.0
    overflow: tuple[tuple[float, str], ...] = ()
    service_level_seconds: float = 15.0
    service_level_target: float = 0.8

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("queue name: must not be empty")
        if not self.skill:
            raise ValueError(f"queue {self.name!r} skill: must not be empty")
        if self.level not in (1, 2, 3, 4):
            raise ValueError(f"queue {self.name!r} level: {self.level} is not 1, 2, 3 or 4")
        if not 1 <= self.min_proficiency <= 10:
            raise ValueError(
                f"queue {self.name!r} min_proficiency: {self.min_proficiency} is not in 1..10"
            )
        if self.relax_after is not None and self.relax_after < 0:
            raise ValueError(f"queue {self.name!r} relax_after: must not be negative")
        for after, target in self.overflow:
            if after < 0 or not target:
                raise ValueError(f"queue {self.name!r} overflow: bad step {(after, target)!r}")
        if self.service_level_seconds < 0:
            raise ValueError(f"queue {self.name!r} service_level_seconds: must not be negative")
        if not 0 <= self.service_level_target <= 1:
            raise ValueError(f"queue {self.name!r} service_level_target: not in 0..1")


def _frozen(mapping: Mapping) -> Mapping:  # type: ignore[type-arg]
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class AgentSpec:
    """An agent's skills (skill -> proficiency 1..10) and how many contacts per medium.

    ``capacity`` is keyed by slot medium (voice, chat, email); ``max_total`` caps the sum
    across media, e.g. three chats and two e-mails but never more than three at once.
    """

    id: int
    skills: Mapping[str, int] = field(default_factory=dict)
    capacity: Mapping[Medium, int] = field(default_factory=lambda: {Medium.VOICE: 1})
    max_total: int | None = None

    def __post_init__(self) -> None:
        for skill, proficiency in self.skills.items():
            if not 1 <= int(proficiency) <= 10:
                raise ValueError(
                    f"agent {self.id} skills[{skill!r}]: proficiency {proficiency} not in 1..10"
                )
        capacity: dict[Medium, int] = {}
        for medium, count in self.capacity.items():
            slot = Medium(medium).slot
            if count < 0:
                raise ValueError(f"agent {self.id} capacity[{medium}]: must not be negative")
            capacity[slot] = capacity.get(slot, 0) + int(count)
        if self.max_total is not None and self.max_total < 1:
            raise ValueError(f"agent {self.id} max_total: must be at least 1")
        skills = {str(k): int(v) for k, v in self.skills.items()}
        object.__setattr__(self, "skills", _frozen(skills))
        object.__setattr__(self, "capacity", _frozen(capacity))

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class ContactSpec:
    """A contact waiting for an agent; ``arrived_at`` is its place in line, kept on transfer."""

    id: int
    medium: Medium
    queue: str
    arrived_at: float
    tier: str = "regular"
    clv: float = 0.0
    churn_risk: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "medium", Medium(self.medium))
        if not self.queue:
            raise ValueError(f"contact {self.id} queue: must not be empty")
        if not 0.0 <= self.churn_risk <= 1.0:
            raise ValueError(f"contact {self.id} churn_risk: {self.churn_risk} not in 0..1")


@dataclass(frozen=True)
class Offer:
    """The router's decision: ring this agent with this contact (the runtime journals it)."""

    contact_id: int
    agent_id: int
    queue: str
    medium: Medium
    at: float
