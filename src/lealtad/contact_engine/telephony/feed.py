"""Between the switch and Lealtad: feeding events in real time, and spoiling the feed.

A real PBX link repeats events after a reconnect and delivers them out of order across
threads; :func:`disturb` does the same to a clean feed so the receiver's tests and
benchmarks see what production will. :func:`drive` runs a simulator against the wall clock
(at any speed) for the demo.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence

from lealtad.contact_engine.telephony.adapter import SwitchEvent
from lealtad.contact_engine.telephony.simulator import SwitchSimulator


def disturb(
    events: Sequence[SwitchEvent],
    rng: random.Random,
    *,
    duplicate_share: float = 0.0,
    reorder_window: int = 0,
) -> list[SwitchEvent]:
    """The feed with some events repeated and each moved by up to ``reorder_window``
    places. Nothing is dropped: a receiver must end in the state the clean feed gives."""
    if not 0 <= duplicate_share <= 1:
        raise ValueError(f"duplicate_share: {duplicate_share} is not in 0..1")
    if reorder_window < 0:
        raise ValueError(f"reorder_window: {reorder_window} must not be negative")
    out: list[SwitchEvent] = []
    for event in events:
        out.append(event)
        if rng.random() < duplicate_share:
            out.append(event)
    if reorder_window:
        keyed = [(i + rng.uniform(0, reorder_window + 1), i, e) for i, e in enumerate(out)]
        out = [e for _, _, e in sorted(keyed)]
    return out


Sink = Callable[[list[SwitchEvent]], None]


def drive(
    simulator: SwitchSimulator,
    sink: Sink,
    *,
    speed: float = 1.0,
    until: float | None = None,
    tick: float = 0.25,
    stop: threading.Event | None = None,
    before_tick: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Advance the simulator with the wall clock times ``speed`` and hand each tick's
    events to ``sink`` until simulated second ``until`` or ``stop`` is set; returns the
    simulated time reached. ``before_tick(now)`` runs first on each tick (the demo's
    automatic agents answer and hang up there)."""
    if speed <= 0:
        raise ValueError(f"speed: {speed} must be positive")
    origin_wall = clock()
    origin_sim = simulator.now
    while stop is None or not stop.is_set():
        target = origin_sim + (clock() - origin_wall) * speed
        if until is not None:
            target = min(target, until)
        if before_tick is not None:
            before_tick(simulator.now)
        events = simulator.advance(max(target, simulator.now))
        if events:
            sink(events)
        if until is not None and simulator.now >= until:
            break
        sleep(tick)
    return simulator.now
