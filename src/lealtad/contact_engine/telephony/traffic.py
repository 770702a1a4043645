"""The traffic a simulated switch carries: when callers ring, who they are, how they behave.

Kept apart from the switch so a demo, a test and a benchmark can each describe their day
(a flat hour, a bank's day with its two humps, a storm at noon) without touching the switch.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from lealtad.contact_engine.telephony.adapter import DialOutcome

K = TypeVar("K")


@dataclass(frozen=True)
class ArrivalCurve:
    """Expected calls per interval (a non-homogeneous Poisson process, constant within an
    interval). With ``repeat`` the curve starts over when it ends (a demo left running)."""

    interval_seconds: float
    expected: tuple[float, ...]
    repeat: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "expected", tuple(float(x) for x in self.expected))
        if not self.interval_seconds > 0:
            raise ValueError(f"interval_seconds: {self.interval_seconds} must be positive")
        if not self.expected:
            raise ValueError("expected: give at least one interval")
        for i, count in enumerate(self.expected):
            if not (count >= 0 and math.isfinite(count)):
                raise ValueError(f"expected[{i}]: {count} must be a finite count >= 0")

    @classmethod
    def flat(cls, calls_per_hour: float, hours: float = 1.0) -> ArrivalCurve:
        """A steady rate, e.g. for a test or a benchmark hour."""
        intervals = max(1, math.ceil(hours * 4))
        return cls(hours * 3600 / intervals, (calls_per_hour * hours / intervals,) * intervals)

    @classmethod
    def typical_day(
        cls,
        total_calls: float,
        *,
        interval_seconds: float = 900.0,
        opens: int = 8,
        closes: int = 20,
        repeat: bool = True,
    ) -> ArrivalCurve:
        """A service line's day: closed at night, a morning peak near 10:30 and a smaller
        afternoon one near 16:00 (the shape seed 002's centers plan for)."""
        if not 0 <= opens < closes <= 24:
            raise ValueError(f"opens/closes: {opens}..{closes} is not a day's opening hours")
        per_day = round(86400 / interval_seconds)
        weights = []
        for i in range(per_day):
            hour = (i + 0.5) * interval_seconds / 3600
            if not opens <= hour < closes:
                weights.append(0.0)
                continue
            morning = math.exp(-(((hour - 10.5) / 1.6) ** 2))
            afternoon = 0.7 * math.exp(-(((hour - 16.0) / 1.8) ** 2))
            weights.append(0.15 + morning + afternoon)
        scale = total_calls / sum(weights)
        return cls(interval_seconds, tuple(w * scale for w in weights), repeat)

    @property
    def duration(self) -> float:
        return self.interval_seconds * len(self.expected)

    def rate_at(self, t: float) -> float:
        """Calls per second at ``t`` seconds after the start (0 past the end)."""
        index = int(t // self.interval_seconds)
        if index < 0 or (index >= len(self.expected) and not self.repeat):
            return 0.0
        return self.expected[index % len(self.expected)] / self.interval_seconds

    def next_arrival(self, t: float, rng: random.Random) -> float | None:
        """The first arrival after ``t`` (None when the curve has ended); memoryless, so
        restarting the draw at each interval boundary keeps it exact."""
        if self.repeat and not any(self.expected):
            return None
        while True:
            index = int(t // self.interval_seconds)
            if index >= len(self.expected) and not self.repeat:
                return None
            end = (index + 1) * self.interval_seconds
            rate = self.rate_at(t)
            if rate > 0:
                gap = rng.expovariate(rate)
                if t + gap < end:
                    return t + gap
            t = end


def _weights(mapping: Mapping[K, float], name: str) -> Mapping[K, float]:
    if not mapping:
        raise ValueError(f"{name}: give at least one entry")
    for key, weight in mapping.items():
        if not (weight >= 0 and math.isfinite(weight)):
            raise ValueError(f"{name}[{key!r}]: weight {weight} must be finite and >= 0")
    if sum(mapping.values()) <= 0:
        raise ValueError(f"{name}: the weights must not all be zero")
    return MappingProxyType(dict(mapping))


def _positive(name: str, value: float) -> None:
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name}: {value} must be a positive number of seconds")


@dataclass(frozen=True)
class CallerProfile:
    """Who calls and how they behave: the queue mix (the number they dial), caller ids
    (customers' numbers, strangers, withheld), patience and talk time (exponential means,
    so a flat curve is the M/M/n+M of Erlang A)."""

    queues: Mapping[str, float] = field(default_factory=lambda: {"general": 1.0})
    known_numbers: tuple[str, ...] = ()
    unknown_share: float = 0.2
    withheld_share: float = 0.0
    patience_mean: float = 120.0
    talk_mean: float = 240.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "queues", _weights(self.queues, "queues"))
        object.__setattr__(self, "known_numbers", tuple(self.known_numbers))
        for name in ("unknown_share", "withheld_share"):
            share = getattr(self, name)
            if not 0 <= share <= 1:
                raise ValueError(f"{name}: {share} is not in 0..1")
        _positive("patience_mean", self.patience_mean)
        _positive("talk_mean", self.talk_mean)

    def draw_caller(self, rng: random.Random) -> str:
        """A caller id: withheld (''), a stranger's number, or a known customer's."""
        roll = rng.random()
        if roll < self.withheld_share:
            return ""
        if not self.known_numbers or roll < self.withheld_share + self.unknown_share:
            return f"+59399{rng.randrange(10**7):07d}"
        return self.known_numbers[rng.randrange(len(self.known_numbers))]

    def draw_queue(self, rng: random.Random) -> str:
        names = list(self.queues)
        return rng.choices(names, weights=[self.queues[n] for n in names])[0]


@dataclass(frozen=True)
class DialProfile:
    """How outbound attempts turn out: outcome weights, ringing time, talk time, and how
    long a person who answered a predictive call waits for an agent before hanging up.
    ``scripted`` fixes the outcome for given numbers (tests, demos)."""

    outcomes: Mapping[DialOutcome, float] = field(
        default_factory=lambda: {
            DialOutcome.ANSWERED: 0.35,
            DialOutcome.NO_ANSWER: 0.35,
            DialOutcome.BUSY: 0.1,
            DialOutcome.MACHINE: 0.2,
        }
    )
    ring_mean: float = 12.0
    talk_mean: float = 180.0
    patience_mean: float = 3.0
    scripted: Mapping[str, DialOutcome] = field(default_factory=dict)

    def __post_init__(self) -> None:
        outcomes = {DialOutcome(k): float(v) for k, v in self.outcomes.items()}
        if DialOutcome.BLOCKED in outcomes:
            raise ValueError("outcomes: blocked is the switch's doing, not a weight")
        object.__setattr__(self, "outcomes", _weights(outcomes, "outcomes"))
        scripted = {str(k): DialOutcome(v) for k, v in self.scripted.items()}
        object.__setattr__(self, "scripted", MappingProxyType(scripted))
        _positive("ring_mean", self.ring_mean)
        _positive("talk_mean", self.talk_mean)
        _positive("patience_mean", self.patience_mean)

    def draw(self, number: str, rng: random.Random) -> tuple[DialOutcome, float]:
        """The outcome for a number and the seconds until the switch knows it."""
        names: Sequence[DialOutcome] = list(self.outcomes)
        drawn = rng.choices(names, weights=[self.outcomes[n] for n in names])[0]
        outcome = self.scripted.get(number, drawn)
        ring = rng.expovariate(1 / self.ring_mean)
        if outcome is DialOutcome.BUSY:
            ring = min(ring, 3.0)
        elif outcome is DialOutcome.NO_ANSWER:
            ring = max(ring, 30.0)  # the switch gives up after about thirty seconds
        return outcome, ring
