"""The outbound dialer: abandonment and agent talk time per mode over 30 simulated days,
the cap across answer rates, the pacer's decision time, and SimPy as the peer.

    .venv/bin/python benchmarks/dialer.py            # 30 days, 20 agents, 12 sweep points
    .venv/bin/python benchmarks/dialer.py --quick    # 5 days, 4 sweep points

The peer is the same outbound model written as SimPy processes, driven by the same pacer:
its figures must agree with the event-heap simulation's within noise (a check that the
simulation models what it says), and its speed is the floor the event heap is measured on.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import deque
from pathlib import Path

import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from lealtad.contact_engine.dialer import DialMode, FloorState, Pacer, PacingSettings
from lealtad.contact_engine.simulation.dialer import OutboundScenario, simulate


def report(label: str, value: float, unit: str, target: str = "") -> None:
    print(f"  {label:<58} {value:>10.3f} {unit:<8} {target}")


class SimPyDay:
    """The peer: one SimPy process per line, per connected call, per preview and per wait."""

    def __init__(self, mode: DialMode, sc: OutboundScenario, pacer: Pacer, rng: random.Random):
        self.mode, self.sc, self.pacer, self.rng = mode, sc, pacer, rng
        self.env = simpy.Environment()
        self.end = sc.shift_hours * 3600
        self.available = 0 if mode is DialMode.PREVIEW else sc.agents
        self.busy = 0
        self.waiting: deque[object] = deque()
        self.talked = 0.0

    def run(self) -> float:
        if self.mode is DialMode.PREVIEW:
            for _ in range(self.sc.agents):
                self.env.process(self.preview())
        self.dial()
        self.env.run()
        return self.talked

    def dial(self) -> None:
        if self.env.now >= self.end:
            return
        lines = self.pacer.lines_to_dial(FloorState(self.available, self.busy))
        self.pacer.dialled(lines)
        for _ in range(lines):
            self.env.process(self.line())

    def line(self):  # type: ignore[no-untyped-def]
        sc, env, pacer = self.sc, self.env, self.pacer
        u, live = self.rng.random(), sc.answer_rate_at(env.now)
        if u < live:
            ring = min(self.rng.expovariate(1 / sc.mean_ring_seconds), sc.no_answer_seconds)
            yield env.timeout(ring)
            pacer.answered(ring_seconds=ring)
            if self.available > 0:
                self.available -= 1
                env.process(self.call())
            else:
                token = object()
                self.waiting.append(token)
                env.process(self.wait(token))
        else:
            if u < live + sc.machine_rate:
                yield env.timeout(sc.machine_seconds * (0.5 + self.rng.random()))
            elif u < live + sc.machine_rate + sc.busy_rate:
                yield env.timeout(sc.busy_seconds)
            else:
                yield env.timeout(sc.no_answer_seconds)
            pacer.unanswered()
            if self.mode is DialMode.PREVIEW:
                self.available -= 1
                env.process(self.preview())
        self.dial()

    def call(self):  # type: ignore[no-untyped-def]
        env, sc = self.env, self.sc
        self.pacer.connected()
        spoke = self.rng.expovariate(1 / sc.mean_talk_seconds)
        wrap = self.rng.expovariate(1 / sc.mean_wrap_seconds)
        self.talked += max(0.0, min(env.now + spoke, self.end) - env.now)
        self.pacer.handled(spoke + wrap)
        self.busy += 1
        yield env.timeout(spoke + wrap)
        self.busy -= 1
        if self.waiting:
            self.waiting.popleft()
            env.process(self.call())
        elif self.mode is DialMode.PREVIEW:
            env.process(self.preview())
        else:
            self.available += 1
        self.dial()

    def wait(self, token: object):  # type: ignore[no-untyped-def]
        yield self.env.timeout(self.sc.abandon_after_seconds)
        if self.waiting and self.waiting[0] is token:
            self.waiting.popleft()
            self.pacer.abandoned()
        self.dial()

    def preview(self):  # type: ignore[no-untyped-def]
        while True:
            yield self.env.timeout(self.rng.expovariate(1 / self.sc.preview_seconds))
            if self.rng.random() >= self.sc.preview_reject_rate:
                break
        self.available += 1
        self.dial()


def simpy_outbound(mode: DialMode, sc: OutboundScenario) -> dict[str, float]:
    pacer = Pacer(PacingSettings(mode=mode))
    rng = random.Random(sc.seed)
    talk = sum(SimPyDay(mode, sc, pacer, rng).run() for _ in range(sc.days))
    stats = pacer.stats()
    return {
        "dialled": stats.dialled,
        "abandon_rate": stats.abandon_rate,
        "talk_share": talk / (sc.agents * sc.shift_hours * 3600 * sc.days),
    }


def modes(sc: OutboundScenario) -> None:
    print(
        f"\nOne campaign, {sc.days} days x {sc.shift_hours:g} h, {sc.agents} agents, "
        f"live answer {sc.answer_rate:.0%} (±{sc.answer_rate_swing:.0%} over the day)"
    )
    ours: dict[DialMode, float] = {}
    for mode in DialMode:
        start = time.perf_counter()
        r = simulate(mode, sc)
        took = time.perf_counter() - start
        ours[mode] = r.talk_share
        print(f" {mode}")
        target = "target ≤ 0.030" if mode is DialMode.PREDICTIVE else "(cannot abandon)"
        report("abandoned / live answers, whole run", r.abandon_rate, "", target)
        report("worst day", r.worst_day_abandon_rate, "")
        report("agent talk-time share", r.talk_share, "")
        report("agent handle share (talk + wrap-up)", r.handle_share, "")
        report("connects per agent hour", r.connects_per_agent_hour, "")
        report("lines dialled", r.dialled, "")
        report("simulated lines per second", r.dialled / took, "lines/s")
        report("wall time", took, "s")
        start = time.perf_counter()
        peer = simpy_outbound(mode, sc)
        peer_took = time.perf_counter() - start
        report("SimPy peer: abandoned / live answers", peer["abandon_rate"], "")
        report("SimPy peer: agent talk-time share", peer["talk_share"], "")
        report("SimPy peer: simulated lines per second", peer["dialled"] / peer_took, "lines/s")
        report("speed-up over SimPy", (r.dialled / took) / (peer["dialled"] / peer_took), "x")
    ordered = ours[DialMode.PREDICTIVE] > ours[DialMode.PROGRESSIVE] > ours[DialMode.PREVIEW]
    print(f"  talk share predictive > progressive > preview: {'ok' if ordered else 'MISSED'}")


def sweep(points: int, days: int) -> None:
    print(f"\nThe cap across campaigns ({points} random scenarios, {days} days of 4 h each)")
    rng = random.Random(13)
    rates = []
    for _ in range(points):
        sc = OutboundScenario(
            agents=rng.randint(2, 40),
            days=days,
            shift_hours=4,
            answer_rate=rng.uniform(0.05, 0.7),
            answer_rate_swing=0.25,
            machine_rate=0.05,
            busy_rate=0.05,
            mean_talk_seconds=rng.choice([30.0, 120.0, 400.0]),
            seed=rng.randint(0, 10**6),
        )
        r = simulate(DialMode.PREDICTIVE, sc)
        rates.append(r.abandon_rate)
        print(
            f"   {sc.agents:>3} agents, answer {sc.answer_rate:.2f}, talk "
            f"{sc.mean_talk_seconds:>4.0f} s: {r.answered:>7} answered, "
            f"abandoned {r.abandon_rate:.2%} (worst day {r.worst_day_abandon_rate:.2%})"
        )
    report("worst abandonment over the run, any scenario", max(rates), "", "target ≤ 0.030")
    report("mean abandonment", statistics.mean(rates), "")


def decisions(count: int) -> None:
    print("\nThe pacer's decision (predictive, 40 agents, a warm pacer)")
    pacer = Pacer()
    rng = random.Random(5)
    pacer.dialled(2000)
    for i in range(2000):
        if i % 4 == 0:
            pacer.answered(ring_seconds=rng.uniform(3, 20))
            pacer.connected()
        else:
            pacer.unanswered()
    floors = [FloorState(rng.randint(0, 10), rng.randint(30, 40)) for _ in range(count)]
    times = []
    for floor in floors:
        start = time.perf_counter_ns()
        pacer.lines_to_dial(floor)
        times.append((time.perf_counter_ns() - start) / 1000)
    times.sort()
    report("lines_to_dial p50", times[len(times) // 2], "µs")
    report("lines_to_dial p99", times[int(len(times) * 0.99)], "µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    days = 5 if args.quick else 30
    modes(OutboundScenario(days=days))
    sweep(4 if args.quick else 12, days)
    decisions(20_000)


if __name__ == "__main__":
    main()
