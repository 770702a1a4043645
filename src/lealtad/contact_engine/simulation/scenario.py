"""What a simulated center is made of: queues with their load, agent groups, the policy.

The queues are the router's own ``QueueSpec`` (skill, minimum proficiency, relaxation and
overflow), so a what-if runs on the configuration the live ACD uses, not on a copy of it.
Every check raises ``ValueError`` naming the field, so the API can answer 422 with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from lealtad.contact_engine.routing.model import QueueSpec
from lealtad.contact_engine.routing.priority import DEFAULT_WEIGHTS, PriorityWeights

DISTRIBUTIONS = ("exponential", "lognormal", "constant")


class Policy(StrEnum):
    """FCFS: oldest call first, longest-idle agent. VALUE_SKILLS: the live router's rule."""

    FCFS = "fcfs"
    VALUE_SKILLS = "value_skills"


@dataclass(frozen=True)
class Distribution:
    """A positive duration in seconds: its mean and, for the lognormal, its coefficient of
    variation (standard deviation / mean; handle times in call centers run about 0.5 to 1)."""

    mean: float
    kind: str = "exponential"
    cv: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in DISTRIBUTIONS:
            raise ValueError(f"kind: {self.kind!r} is not one of {', '.join(DISTRIBUTIONS)}")
        if not self.mean > 0:
            raise ValueError(f"mean: {self.mean} must be positive")
        if not self.cv >= 0:
            raise ValueError(f"cv: {self.cv} must not be negative")


@dataclass(frozen=True)
class QueueLoad:
    """A queue and what reaches it.

    ``arrivals`` holds one figure per interval: the expected number of calls (drawn as a
    Poisson count) or, with ``replay``, the recorded count, replayed as it is. Calls fall
    uniformly inside their interval either way. ``patience`` None means nobody hangs up.
    """

    queue: QueueSpec
    arrivals: tuple[float, ...]
    handle_time: Distribution
    patience: Distribution | None = None
    tier_mix: Mapping[str, float] = field(default_factory=lambda: {"regular": 1.0})
    replay: bool = False

    def __post_init__(self) -> None:
        name = self.queue.name
        object.__setattr__(self, "arrivals", tuple(float(a) for a in self.arrivals))
        if not self.arrivals:
            raise ValueError(f"queue {name!r} arrivals: give at least one interval")
        for index, value in enumerate(self.arrivals):
            if not value >= 0:
                raise ValueError(f"queue {name!r} arrivals[{index}]: {value} is negative")
            if self.replay and value != int(value):
                raise ValueError(f"queue {name!r} arrivals[{index}]: a replayed count is whole")
        if not self.tier_mix:
            raise ValueError(f"queue {name!r} tier_mix: must name at least one tier")
        for tier, share in self.tier_mix.items():
            if not share >= 0:
                raise ValueError(f"queue {name!r} tier_mix[{tier!r}]: {share} is negative")
        total = sum(self.tier_mix.values())
        if not total > 0:
            raise ValueError(f"queue {name!r} tier_mix: shares must add up to more than 0")
        mix = {str(tier): share / total for tier, share in self.tier_mix.items()}
        object.__setattr__(self, "tier_mix", MappingProxyType(mix))


@dataclass(frozen=True)
class AgentGroup:
    """Agents alike in skills; ``agents`` is one head count or one per interval."""

    name: str
    skills: Mapping[str, int]
    agents: int | tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("agent group name: must not be empty")
        for skill, level in self.skills.items():
            if not 1 <= int(level) <= 10:
                raise ValueError(
                    f"agent group {self.name!r} skills[{skill!r}]: {level} is not in 1..10"
                )
        object.__setattr__(
            self, "skills", MappingProxyType({str(k): int(v) for k, v in self.skills.items()})
        )
        counts = (self.agents,) if isinstance(self.agents, int) else tuple(self.agents)
        for index, count in enumerate(counts):
            if int(count) != count or count < 0:
                raise ValueError(
                    f"agent group {self.name!r} agents[{index}]: {count} is not a count"
                )
        if not isinstance(self.agents, int):
            object.__setattr__(self, "agents", tuple(int(c) for c in counts))

    def staffed(self, interval: int) -> int:
        """Head count in an interval; the last figure holds after the schedule ends."""
        if isinstance(self.agents, int):
            return self.agents
        if not self.agents:
            return 0
        return self.agents[min(interval, len(self.agents) - 1)]

    @property
    def most(self) -> int:
        return self.agents if isinstance(self.agents, int) else max(self.agents, default=0)


@dataclass(frozen=True)
class Scenario:
    """A center for one run: ``drain`` keeps agents on after the last interval until every
    caller is answered or has hung up; without it the run stops at the end of the last
    interval and callers still in line are counted as waiting."""

    queues: tuple[QueueLoad, ...]
    groups: tuple[AgentGroup, ...]
    interval_seconds: float = 900.0
    policy: Policy = Policy.VALUE_SKILLS
    weights: PriorityWeights = DEFAULT_WEIGHTS
    drain: bool = True
    short_abandon_seconds: float = 5.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "queues", tuple(self.queues))
        object.__setattr__(self, "groups", tuple(self.groups))
        object.__setattr__(self, "policy", Policy(self.policy))
        if not self.queues:
            raise ValueError("queues: a scenario needs at least one queue")
        if not self.interval_seconds > 0:
            raise ValueError(f"interval_seconds: {self.interval_seconds} must be positive")
        if self.short_abandon_seconds < 0:
            raise ValueError("short_abandon_seconds: must not be negative")
        _unique("queues", [load.queue.name for load in self.queues])
        _unique("groups", [group.name for group in self.groups])
        names = {load.queue.name for load in self.queues}
        for load in self.queues:
            for _after, target in load.queue.overflow:
                if target not in names:
                    raise ValueError(
                        f"queue {load.queue.name!r} overflow: {target!r} is not a queue here"
                    )

    @property
    def intervals(self) -> int:
        return max(len(load.arrivals) for load in self.queues)

    @property
    def horizon(self) -> float:
        """Seconds from the first interval's start to the last one's end."""
        return self.intervals * self.interval_seconds

    def tiers(self) -> tuple[str, ...]:
        """Every tier any queue's mix names, in first-seen order."""
        seen: dict[str, None] = {}
        for load in self.queues:
            for tier in load.tier_mix:
                seen.setdefault(tier, None)
        return tuple(seen)


def _unique(label: str, names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{label}: {name!r} appears twice")
        seen.add(name)


def single_skill(
    calls_per_interval: float,
    intervals: int,
    agents: int,
    handle_time: Distribution,
    patience: Distribution | None,
    interval_seconds: float = 900.0,
    service_level_seconds: float = 15.0,
) -> Scenario:
    """An M/M/n+M-style center: one queue, one group, steady load (Erlang's model)."""
    queue = QueueSpec(name="main", skill="main", service_level_seconds=service_level_seconds)
    load = QueueLoad(
        queue=queue,
        arrivals=(calls_per_interval,) * intervals,
        handle_time=handle_time,
        patience=patience,
    )
    group = AgentGroup(name="agents", skills={"main": 5}, agents=agents)
    return Scenario(
        queues=(load,), groups=(group,), interval_seconds=interval_seconds, policy=Policy.FCFS
    )
