"""The router's records, configuration and read side (the moves are in ``router.py``)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sortedcontainers import SortedList

from . import codec
from .errors import RoutingError
from .index import MAX_PROFICIENCY, FreeAgents, HeapEntry, WaitingContacts
from .model import AgentSpec, AgentState, ContactSpec, Medium, QueueSpec
from .priority import PriorityWeights

#: States an agent (or supervisor) may choose; BUSY and WRAP_UP come from contacts.
CHOSEN_STATES = frozenset(
    {AgentState.AVAILABLE, AgentState.BREAK, AgentState.TRAINING, AgentState.ADMIN}
    | {AgentState.NOT_READY}
)
SLOTS = (Medium.VOICE, Medium.CHAT, Medium.EMAIL)
WAITING, OFFERED, HANDLING = "waiting", "offered", "handling"
INF = float("inf")


@dataclass(frozen=True)
class Stage:
    """One widening of a queue's eligible agents: from ``after`` seconds in the queue on."""

    number: int
    after: float
    skill: str
    low: int
    high: int = MAX_PROFICIENCY


@dataclass
class AgentRecord:
    spec: AgentSpec
    logged_in: bool = False
    presence: AgentState = AgentState.LOGGED_OUT
    state: AgentState = AgentState.LOGGED_OUT
    since: float = 0.0
    idle_since: float = 0.0
    load: dict[Medium, int] = field(default_factory=dict)
    offered: dict[int, Medium] = field(default_factory=dict)
    handling: dict[int, Medium] = field(default_factory=dict)
    wrapping: dict[int, tuple[Medium, float]] = field(default_factory=dict)
    heaps: tuple[tuple[str, int], ...] = ()

    @property
    def ready(self) -> bool:
        return self.logged_in and self.presence is AgentState.AVAILABLE

    def total(self) -> int:
        return sum(self.load.values())

    def free_slots(self) -> list[Medium]:
        if self.spec.max_total is not None and self.total() >= self.spec.max_total:
            return []
        capacity = self.spec.capacity
        return [m for m in SLOTS if self.load.get(m, 0) < capacity.get(m, 0)]

    def shown_state(self) -> AgentState:
        if not self.logged_in:
            return AgentState.LOGGED_OUT
        if self.handling:
            return AgentState.BUSY
        if self.wrapping:
            return AgentState.WRAP_UP
        return self.presence


@dataclass
class ContactRecord:
    spec: ContactSpec
    key: float
    entered_at: float
    status: str = WAITING
    version: int = 0
    agent_id: int | None = None
    deadline: float | None = None

    def entry(self) -> HeapEntry:
        return (self.key, self.spec.arrived_at, self.spec.id, self.version)


class RouterState:
    """Records and indexes shared by the routing moves and the read side."""

    def __init__(
        self,
        queues: Sequence[QueueSpec],
        weights: PriorityWeights | None = None,
        offer_timeout: float = 20.0,
        wrap_up: float = 30.0,
    ) -> None:
        if offer_timeout <= 0:
            raise RoutingError("bad_setting", "offer_timeout: must be positive")
        if wrap_up < 0:
            raise RoutingError("bad_setting", "wrap_up: must not be negative")
        self.weights = weights or PriorityWeights()
        self.offer_timeout = float(offer_timeout)
        self.wrap_up = float(wrap_up)
        self._agents: dict[int, AgentRecord] = {}
        self._contacts: dict[int, ContactRecord] = {}
        self._free = FreeAgents()
        self._heaps = WaitingContacts(self._is_live)
        self._timers: list[tuple[float, int, int, int, int]] = []  # at, seq, contact, ver, stage
        self._seq = 0
        self._offer_due: SortedList = SortedList()  # (deadline, contact id)
        self._wrap_due: SortedList = SortedList()  # (ends at, agent id, contact id)
        self._waiting_by_key: dict[str, SortedList] = {}
        self._waiting_by_age: dict[str, SortedList] = {}
        self._dirty_agents: dict[int, None] = {}
        self._dirty_contacts: dict[int, None] = {}
        self._queues: dict[str, QueueSpec] = {}
        self._set_queues(queues)

    # ----------------------------------------------------------------- configuration
    def _set_queues(self, queues: Iterable[QueueSpec]) -> None:
        by_name: dict[str, QueueSpec] = {}
        for queue in queues:
            if queue.name in by_name:
                raise RoutingError("duplicate_queue", f"queue {queue.name!r}: named twice")
            by_name[queue.name] = queue
        for queue in by_name.values():
            for _after, target in queue.overflow:
                if target not in by_name:
                    raise RoutingError(
                        "unknown_queue", f"queue {queue.name!r} overflow: no queue {target!r}"
                    )
        self._queues = by_name
        self._stages = {name: self._stages_of(q, by_name) for name, q in by_name.items()}
        self._stages_by_skill: dict[str, list[tuple[str, Stage]]] = {}
        for name, stages in self._stages.items():
            for stage in stages:
                self._stages_by_skill.setdefault(stage.skill, []).append((name, stage))
        for name in by_name:
            self._waiting_by_key.setdefault(name, SortedList())
            self._waiting_by_age.setdefault(name, SortedList())

    @staticmethod
    def _stages_of(queue: QueueSpec, queues: dict[str, QueueSpec]) -> list[Stage]:
        stages = [Stage(0, 0.0, queue.skill, queue.min_proficiency)]
        if queue.relax_after is not None and queue.min_proficiency > 1:
            stages.append(Stage(1, queue.relax_after, queue.skill, 1, queue.min_proficiency - 1))
        for i, (after, target) in enumerate(queue.overflow):
            other = queues[target]
            stages.append(Stage(2 + i, after, other.skill, other.min_proficiency))
        return stages

    def set_queues(self, queues: Sequence[QueueSpec]) -> None:
        """Replace the queue configuration; waiting contacts keep their place and queue."""
        missing = {c.spec.queue for c in self._contacts.values()} - {q.name for q in queues}
        if missing:
            raise RoutingError(
                "queue_in_use", f"queues {sorted(missing)!r}: contacts are still in them"
            )
        self._set_queues(queues)
        self._rebuild_indexes()

    def _rebuild_indexes(self, skills_changed: bool = True) -> None:
        raise NotImplementedError  # the router recounts its indexes

    @property
    def queues(self) -> dict[str, QueueSpec]:
        return dict(self._queues)

    def _agent(self, agent_id: int) -> AgentRecord:
        try:
            return self._agents[agent_id]
        except KeyError:
            raise RoutingError(
                "unknown_agent", f"agent {agent_id}: not known to the router"
            ) from None

    def _heaps_for(self, spec: AgentSpec) -> tuple[tuple[str, int], ...]:
        heaps: list[tuple[str, int]] = []
        for skill, proficiency in spec.skills.items():
            for queue, stage in self._stages_by_skill.get(skill, ()):
                if stage.low <= proficiency <= stage.high:
                    heaps.append((queue, stage.number))
        return tuple(sorted(set(heaps)))

    def _contact(self, contact_id: int) -> ContactRecord:
        try:
            return self._contacts[contact_id]
        except KeyError:
            raise RoutingError(
                "unknown_contact", f"contact {contact_id}: not in the router"
            ) from None

    def _is_live(self, contact_id: int, version: int) -> bool:
        record = self._contacts.get(contact_id)
        return record is not None and record.status == WAITING and record.version == version

    # ----------------------------------------------------------------- read side
    def waiting(self, queue: str | None = None) -> list[ContactSpec]:
        """Waiting contacts in the order they will be served (per queue, or all)."""
        names = [queue] if queue is not None else list(self._queues)
        for name in names:
            if name not in self._queues:
                raise RoutingError("unknown_queue", f"queue {name!r}: not configured")
        rows = sorted(row for name in names for row in self._waiting_by_key[name])
        return [self._contacts[row[2]].spec for row in rows]

    def contact(self, contact_id: int) -> dict[str, Any]:
        record = self._contact(contact_id)
        return {
            "id": contact_id,
            "status": record.status,
            "queue": record.spec.queue,
            "agent_id": record.agent_id,
            "key": record.key,
            "entered_at": record.entered_at,
            "offer_deadline": record.deadline,
        }

    def agent(self, agent_id: int) -> dict[str, Any]:
        record = self._agent(agent_id)
        return {
            "id": agent_id,
            "state": record.state,
            "presence": record.presence,
            "since": record.since,
            "idle_since": record.idle_since,
            "load": {str(m): n for m, n in record.load.items() if n},
            "offered": sorted(record.offered),
            "handling": sorted(record.handling),
            "wrapping": sorted(record.wrapping),
        }

    def agents(self) -> list[int]:
        return sorted(self._agents)

    def stats(self, now: float) -> dict[str, dict[str, float]]:
        """Per queue: contacts waiting, longest wait, and its agents (those at its required
        proficiency) logged in, available and busy; a read-side scan, not used for routing."""
        out: dict[str, dict[str, float]] = {}
        for name, queue in self._queues.items():
            ages = self._waiting_by_age[name]
            row = {
                "waiting": float(len(ages)),
                "longest_wait": max(0.0, now - ages[0][0]) if ages else 0.0,
                "logged_in": 0.0,
                "available": 0.0,
                "busy": 0.0,
                "wrap_up": 0.0,
            }
            for agent in self._agents.values():
                if not agent.logged_in:
                    continue
                if agent.spec.skills.get(queue.skill, 0) < queue.min_proficiency:
                    continue
                row["logged_in"] += 1
                if agent.state is AgentState.AVAILABLE:
                    row["available"] += 1
                elif agent.state is AgentState.BUSY:
                    row["busy"] += 1
                elif agent.state is AgentState.WRAP_UP:
                    row["wrap_up"] += 1
            out[name] = row
        return out

    # ----------------------------------------------------------------- persistence
    # Timers ----------------------------------------------------------------------------

    def due(self, now: float) -> list[tuple[str, int]]:
        """Timeouts that have passed, for the runtime to journal and then apply."""
        out: list[tuple[str, int]] = []
        for _deadline, contact_id in self._offer_due.irange(maximum=(now, INF)):
            out.append(("offer_expired", contact_id))
        seen: set[int] = set()
        for _ends, agent_id, _contact_id in self._wrap_due.irange(maximum=(now, INF, INF)):
            if agent_id not in seen:
                seen.add(agent_id)
                out.append(("wrap_up_ended", agent_id))
        return out

    def next_change(self, now: float) -> float | None:
        """When something happens with no call from outside: a wider eligibility, an offer
        timing out or a wrap-up ending. ``None`` when nothing is scheduled."""
        timers = self._timers
        while timers and not self._is_live(timers[0][2], timers[0][3]):
            heapq.heappop(timers)
        times = [timers[0][0]] if timers else []
        if self._offer_due:
            times.append(self._offer_due[0][0])
        if self._wrap_due:
            times.append(self._wrap_due[0][0])
        if self._dirty_agents or self._dirty_contacts:
            times.append(now)
        return min(times) if times else None

    def snapshot(self) -> dict[str, Any]:
        """Plain JSON of the whole state; ``Router.restore`` gives an equal router."""
        return {
            "format": 1,
            "weights": self.weights.to_dict(),
            "offer_timeout": self.offer_timeout,
            "wrap_up": self.wrap_up,
            "queues": [codec.queue_to_dict(q) for q in self._queues.values()],
            "agents": [self._agent_to_dict(a) for a in self._agents.values()],
            "contacts": [self._contact_to_dict(c) for c in self._contacts.values()],
        }

    @staticmethod
    def _agent_to_dict(agent: AgentRecord) -> dict[str, Any]:
        return {
            **codec.agent_to_dict(agent.spec),
            "logged_in": agent.logged_in,
            "presence": str(agent.presence),
            "state": str(agent.state),
            "since": agent.since,
            "idle_since": agent.idle_since,
            "wrapping": [[c, str(s), ends] for c, (s, ends) in agent.wrapping.items()],
        }

    @staticmethod
    def _contact_to_dict(record: ContactRecord) -> dict[str, Any]:
        return {
            **codec.contact_to_dict(record.spec),
            "status": record.status,
            "entered_at": record.entered_at,
            "agent_id": record.agent_id,
            "deadline": record.deadline,
        }
