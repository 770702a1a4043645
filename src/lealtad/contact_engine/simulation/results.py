"""A run's figures per queue, per tier and per queue and tier, and the agents' occupancy.

Service level is answered within the queue's T seconds over offered *less short abandons*
(callers who hung up within ``short_abandon_seconds``, 5 s by default: wrong numbers and
second thoughts, not service failures). ``service_level_of_offered`` keeps them in the
denominator, the way Erlang A's formula counts, for comparisons with theory.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from lealtad.contact_engine.simulation.arrivals import Calls
from lealtad.contact_engine.simulation.engine import ABANDONED, ANSWERED, WAITING, Outcome
from lealtad.contact_engine.simulation.scenario import Scenario


@dataclass(frozen=True)
class Figures:
    """Counts and sums for one slice of the calls; rates are derived from them."""

    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    waiting: int
    answered_within: int
    wait_seconds: float
    handle_seconds: float

    @property
    def service_level(self) -> float:
        counted = self.offered - self.short_abandoned
        return self.answered_within / counted if counted else 1.0

    @property
    def service_level_of_offered(self) -> float:
        return self.answered_within / self.offered if self.offered else 1.0

    @property
    def abandon_rate(self) -> float:
        return self.abandoned / self.offered if self.offered else 0.0

    @property
    def asa(self) -> float:
        """Average speed of answer (TPE) of answered calls, seconds."""
        return self.wait_seconds / self.answered if self.answered else 0.0

    def to_dict(self) -> dict[str, float]:
        out: dict[str, float] = asdict(self)
        out["service_level"] = self.service_level
        out["service_level_of_offered"] = self.service_level_of_offered
        out["abandon_rate"] = self.abandon_rate
        out["asa"] = self.asa
        return out


@dataclass(frozen=True)
class SimulationResult:
    """Figures of one run. Occupancy is handle time over staffed time inside the scheduled
    intervals (seed 002's A/B; the simulator has no breaks, so B = C)."""

    total: Figures
    by_queue: dict[str, Figures]
    by_tier: dict[str, Figures]
    by_queue_tier: dict[tuple[str, str], Figures]
    #: Per queue, one Figures per interval, by the interval the caller arrived in.
    by_queue_interval: dict[str, list[Figures]]
    occupancy: dict[str, float]
    overall_occupancy: float
    calls: int
    engine: str
    seed: int
    wall_seconds: float

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.wall_seconds if self.wall_seconds > 0 else float("inf")

    def to_dict(self) -> dict[str, object]:
        return {
            "total": self.total.to_dict(),
            "queues": {name: f.to_dict() for name, f in self.by_queue.items()},
            "tiers": {name: f.to_dict() for name, f in self.by_tier.items()},
            "queue_tiers": [
                {"queue": queue, "tier": tier, **f.to_dict()}
                for (queue, tier), f in self.by_queue_tier.items()
            ],
            "queue_intervals": {
                queue: [f.to_dict() for f in figures]
                for queue, figures in self.by_queue_interval.items()
            },
            "occupancy": dict(self.occupancy),
            "overall_occupancy": self.overall_occupancy,
            "calls": self.calls,
            "engine": self.engine,
            "seed": self.seed,
            "wall_seconds": self.wall_seconds,
        }


def summarize(
    scenario: Scenario, calls: Calls, outcome: Outcome, seed: int, wall_seconds: float
) -> SimulationResult:
    tiers = scenario.tiers()
    queues = [load.queue.name for load in scenario.queues]
    cells = len(queues) * len(tiers)
    cell = calls.queue * len(tiers) + calls.tier
    sums = _cell_sums(scenario, calls, outcome, cell, cells)
    grid = sums.reshape(len(queues), len(tiers), -1)
    by_queue_tier = {
        (queue, tier): _figures(grid[q, t])
        for q, queue in enumerate(queues)
        for t, tier in enumerate(tiers)
        if grid[q, t, 0] > 0
    }
    by_queue = {queue: _figures(grid[q].sum(axis=0)) for q, queue in enumerate(queues)}
    by_tier = {tier: _figures(grid[:, t].sum(axis=0)) for t, tier in enumerate(tiers)}
    occupancy, overall = _occupancy(scenario, calls, outcome)
    return SimulationResult(
        by_queue_interval=_by_interval(scenario, calls, outcome, queues),
        total=_figures(sums.sum(axis=0)),
        by_queue=by_queue,
        by_tier=by_tier,
        by_queue_tier=by_queue_tier,
        occupancy=occupancy,
        overall_occupancy=overall,
        calls=len(calls),
        engine=outcome.engine,
        seed=seed,
        wall_seconds=wall_seconds,
    )


def _cell_sums(
    scenario: Scenario, calls: Calls, outcome: Outcome, cell: np.ndarray, cells: int
) -> np.ndarray:
    """Columns: offered, answered, abandoned, short, waiting, within, wait s, handle s."""
    answered = outcome.status == ANSWERED
    abandoned = outcome.status == ABANDONED
    limit = np.array([load.queue.service_level_seconds for load in scenario.queues])
    within = answered & (outcome.wait <= limit[calls.queue])
    short = abandoned & (outcome.wait < scenario.short_abandon_seconds)
    columns = [
        np.ones(len(calls)),
        answered,
        abandoned,
        short,
        outcome.status == WAITING,
        within,
        np.where(answered, outcome.wait, 0.0),
        np.where(answered, calls.handle, 0.0),
    ]
    return np.stack(
        [np.bincount(cell, weights=np.asarray(c, dtype=float), minlength=cells) for c in columns],
        axis=1,
    )


def _by_interval(
    scenario: Scenario, calls: Calls, outcome: Outcome, queues: list[str]
) -> dict[str, list[Figures]]:
    intervals = scenario.intervals
    slot = np.minimum((calls.arrived // scenario.interval_seconds).astype(np.int64), intervals - 1)
    cell = calls.queue * intervals + slot
    sums = _cell_sums(scenario, calls, outcome, cell, len(queues) * intervals)
    grid = sums.reshape(len(queues), intervals, -1)
    return {queue: [_figures(row) for row in grid[q]] for q, queue in enumerate(queues)}


def _figures(row: np.ndarray) -> Figures:
    offered, answered, abandoned, short, waiting, within = (round(v) for v in row[:6])
    return Figures(
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        short_abandoned=short,
        waiting=waiting,
        answered_within=within,
        wait_seconds=float(row[6]),
        handle_seconds=float(row[7]),
    )


def _occupancy(
    scenario: Scenario, calls: Calls, outcome: Outcome
) -> tuple[dict[str, float], float]:
    horizon = scenario.horizon
    answered = outcome.status == ANSWERED
    start = np.minimum(calls.arrived + outcome.wait, horizon)
    end = np.minimum(start + calls.handle, horizon)
    busy = np.bincount(
        outcome.group[answered], weights=(end - start)[answered], minlength=len(scenario.groups)
    )
    occupancy: dict[str, float] = {}
    staffed_total = 0.0
    for g, group in enumerate(scenario.groups):
        heads = sum(group.staffed(k) for k in range(scenario.intervals))
        staffed = heads * scenario.interval_seconds
        staffed_total += staffed
        occupancy[group.name] = float(busy[g] / staffed) if staffed else 0.0
    overall = float(busy.sum() / staffed_total) if staffed_total else 0.0
    return occupancy, overall
