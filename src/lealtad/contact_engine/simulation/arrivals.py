"""Every call of a run drawn up front, with numpy, in arrival order.

Drawing arrivals, tiers, handle times and patience before the event loop keeps the loop
free of random-number calls (the slow part of a Python simulator) and makes a run a pure
function of its seed: the same seed gives the same calls whatever the routing policy, so
two policies are compared on exactly the same day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lealtad.contact_engine.simulation.scenario import Distribution, Scenario


@dataclass(frozen=True)
class Calls:
    """Column arrays, one row per call, sorted by arrival time."""

    arrived: np.ndarray
    queue: np.ndarray
    tier: np.ndarray
    handle: np.ndarray
    patience: np.ndarray

    def __len__(self) -> int:
        return int(self.arrived.shape[0])


def draw(distribution: Distribution, size: int, rng: np.random.Generator) -> np.ndarray:
    """Durations with the distribution's mean (and coefficient of variation)."""
    mean = distribution.mean
    if distribution.kind == "constant":
        return np.full(size, mean)
    if distribution.kind == "lognormal":
        sigma2 = float(np.log1p(distribution.cv**2))
        mu = float(np.log(mean)) - sigma2 / 2
        return rng.lognormal(mu, np.sqrt(sigma2), size)
    return rng.exponential(mean, size)


def draw_calls(scenario: Scenario, rng: np.random.Generator) -> Calls:
    """The run's calls; tiers are numbered in ``scenario.tiers()`` order."""
    tier_index = {tier: index for index, tier in enumerate(scenario.tiers())}
    length = scenario.interval_seconds
    parts: list[tuple[np.ndarray, ...]] = []
    for q, load in enumerate(scenario.queues):
        expected = np.asarray(load.arrivals, dtype=float)
        counts = expected.astype(np.int64) if load.replay else rng.poisson(expected)
        size = int(counts.sum())
        interval = np.repeat(np.arange(len(counts)), counts)
        arrived = (interval + rng.random(size)) * length
        names = list(load.tier_mix)
        shares = np.array([load.tier_mix[name] for name in names])
        codes = np.array([tier_index[name] for name in names], dtype=np.int64)
        tiers = codes[rng.choice(len(names), size=size, p=shares)]
        handle = draw(load.handle_time, size, rng)
        if load.patience is None:
            patience = np.full(size, np.inf)
        else:
            patience = draw(load.patience, size, rng)
        queue = np.full(size, q, dtype=np.int64)
        parts.append((arrived, queue, tiers, handle, patience))
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)]
    order = np.argsort(columns[0], kind="stable")
    arrived, queue, tiers, handle, patience = (column[order] for column in columns)
    return Calls(arrived=arrived, queue=queue, tier=tiers, handle=handle, patience=patience)
