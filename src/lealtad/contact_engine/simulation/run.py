"""One entry point: draw the calls, pick the code path, run, summarize."""

from __future__ import annotations

import time
from typing import Literal

import numpy as np

from lealtad.contact_engine.simulation.arrivals import draw_calls
from lealtad.contact_engine.simulation.engine import (
    Progress,
    priority_classes,
    run_fast,
    run_general,
    thresholds,
)
from lealtad.contact_engine.simulation.results import SimulationResult, summarize
from lealtad.contact_engine.simulation.scenario import Scenario

Engine = Literal["auto", "general", "fast"]


def fast_path_applies(scenario: Scenario) -> bool:
    """One queue served by one steady group of qualified agents, one priority class among
    its callers, drained at the end: first come first served with no choices left."""
    if len(scenario.queues) != 1 or len(scenario.groups) != 1 or not scenario.drain:
        return False
    group = scenario.groups[0]
    if not isinstance(group.agents, int) or group.agents < 1:
        return False
    starts, _ = priority_classes(scenario)
    return len(starts) == 1 and thresholds(scenario)[0][0] == 0.0


def simulate(
    scenario: Scenario,
    seed: int = 0,
    engine: Engine = "auto",
    on_progress: Progress | None = None,
) -> SimulationResult:
    """Run the scenario once. The same seed gives the same calls and the same figures;
    ``engine="general"`` forces the event loop where the fast path would apply."""
    if engine not in ("auto", "general", "fast"):
        raise ValueError(f"engine: {engine!r} is not auto, general or fast")
    started = time.perf_counter()
    calls = draw_calls(scenario, np.random.default_rng(seed))
    fast = fast_path_applies(scenario)
    if engine == "fast" and not fast:
        raise ValueError("engine: the fast path needs one queue, one steady group, one class")
    if fast and engine != "general":
        outcome = run_fast(scenario, calls)
    else:
        outcome = run_general(scenario, calls, on_progress)
    if on_progress is not None:
        on_progress(1.0)
    return summarize(scenario, calls, outcome, seed, time.perf_counter() - started)
