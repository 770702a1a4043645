"""The ACD router's decisions (issue 13): picking the longest idle skilled agent, and a full
routing decision (one agent freed, or one contact arriving, to the offer), against a naive
scan over the same agents and contacts in the same run (the peer: what an ACD that keeps
no counters does per decision).

    .venv/bin/python benchmarks/acd_router.py [--agents 2000] [--picks 20000]
        [--decision-agents 1000] [--skills 50] [--waiting 5000] [--decisions 5000]

Targets: pick p99 <= 50 us among 2,000 agents; a decision p99 <= 1 ms with 1,000 agents,
50 skills and 5,000 waiting contacts. Pure Python, no database; prints a table.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable

from lealtad.contact_engine.routing.model import AgentSpec, ContactSpec, Medium, QueueSpec
from lealtad.contact_engine.routing.priority import PriorityWeights, priority_key
from lealtad.contact_engine.routing.router import Router

TIERS = ["regular"] * 7 + ["mvc", "mgc", "below_zero"]


def _queues(skills: int) -> list[QueueSpec]:
    queues = [
        QueueSpec(f"q{i}", f"s{i}", min_proficiency=1 + i % 5, relax_after=60.0)
        for i in range(skills)
    ]
    return [*queues, QueueSpec("warm", "warm")]


def _agents(n: int, skills: int, rng: random.Random) -> list[AgentSpec]:
    out = []
    for i in range(n):
        chosen = rng.sample(range(skills), rng.randint(3, 6))
        skills_of = {f"s{s}": rng.randint(1, 10) for s in chosen} | {"warm": 1}
        out.append(AgentSpec(i + 1, skills_of, {Medium.VOICE: 1}))
    return out


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[98], max(samples)


def _timed(action: Callable[..., object], *args: object) -> tuple[float, object]:
    """Microseconds one call took, and what it returned."""
    started = time.perf_counter_ns()
    result = action(*args)
    return (time.perf_counter_ns() - started) / 1000.0, result


def _route_after(router: Router, move: Callable[..., object], *args: object) -> list:
    """One decision as the runtime makes it: apply the move, then route."""
    move(*args)
    return router.route(args[-1])  # type: ignore[arg-type]


class NaiveACD:
    """The peer: plain lists, every decision a scan (no index, no heap)."""

    def __init__(self, queues: list[QueueSpec]) -> None:
        self.queues = {q.name: q for q in queues}
        self.agents: dict[int, tuple[AgentSpec, float, bool]] = {}  # spec, idle since, free
        self.waiting: list[tuple[float, ContactSpec, float]] = []  # key, contact, entered
        self.weights = PriorityWeights()

    def may_take(self, spec: AgentSpec, contact: ContactSpec, entered: float, now: float) -> bool:
        queue = self.queues[contact.queue]
        level = spec.skills.get(queue.skill, 0)
        relaxed = queue.relax_after is not None and now - entered >= queue.relax_after
        return level >= queue.min_proficiency or (relaxed and level >= 1)

    def best_agent(self, contact: ContactSpec, entered: float, now: float) -> int | None:
        best: tuple[float, int] | None = None
        for agent_id, (spec, idle_since, free) in self.agents.items():
            fits = free and self.may_take(spec, contact, entered, now)
            if fits and (best is None or (idle_since, agent_id) < best):
                best = (idle_since, agent_id)
        return best[1] if best else None

    def best_contact(self, agent_id: int, now: float) -> int | None:
        spec = self.agents[agent_id][0]
        best: tuple[float, int] | None = None
        for key, contact, entered in self.waiting:
            fits = self.may_take(spec, contact, entered, now)
            if fits and (best is None or (key, contact.id) < best):
                best = (key, contact.id)
        return best[1] if best else None

    def arrive(self, contact: ContactSpec, now: float) -> int | None:
        agent_id = self.best_agent(contact, now, now)
        if agent_id is None:
            key = priority_key(contact.arrived_at, contact.tier, 0.0, 0.0, self.weights)
            self.waiting.append((key, contact, now))
        return agent_id

    def free(self, agent_id: int, now: float) -> int | None:
        contact_id = self.best_contact(agent_id, now)
        if contact_id is not None:
            self.waiting = [w for w in self.waiting if w[1].id != contact_id]
        return contact_id


def bench_pick(agents: int, skills: int, picks: int, rng: random.Random) -> list[tuple]:
    """Longest idle skilled agent among ``agents`` free agents, for a waiting contact."""
    queues = _queues(skills)
    router, naive = Router(queues), NaiveACD(queues)
    for spec in _agents(agents, skills, rng):
        idle = rng.uniform(0, 1000)
        router.add_agent(spec)
        router.login(spec.id, idle)
        naive.agents[spec.id] = (spec, idle, True)
    contacts = []
    for i in range(200):  # waiting contacts that nobody is offered yet (no route call)
        contact = ContactSpec(i + 1, Medium.VOICE, f"q{rng.randrange(skills)}", 2000.0)
        router.arrive(contact, 2000.0)
        contacts.append(contact)
    ours, theirs = [], []
    for i in range(picks):
        contact = contacts[i % len(contacts)]
        took, ours_picked = _timed(router.best_agent_for, contact.id, 2000.0)
        ours.append(took)
        if i < picks // 20:
            took, theirs_picked = _timed(naive.best_agent, contact, 2000.0, 2000.0)
            theirs.append(took)
            assert ours_picked == theirs_picked, (contact, ours_picked, theirs_picked)
    return [
        (f"pick longest idle, {agents:,} agents", *_percentiles(ours)),
        (f"  peer: naive scan of {agents:,} agents", *_percentiles(theirs)),
    ]


def _busy_center(agents: int, skills: int, waiting: int, rng: random.Random):
    """Every agent talking, ``waiting`` contacts in line (what a peak hour looks like)."""
    queues = _queues(skills)
    router = Router(queues, wrap_up=0.0)
    naive = NaiveACD(queues)
    specs = _agents(agents, skills, rng)
    now = 0.0
    for spec in specs:
        router.add_agent(spec)
        router.login(spec.id, now)
        naive.agents[spec.id] = (spec, now, False)
    for spec in specs:  # every agent takes a call from the warm-up queue all of them serve
        router.arrive(ContactSpec(spec.id, Medium.VOICE, "warm", now), now)
    for offer in router.route(now):
        router.answer(offer.contact_id, now)
    next_id = len(specs) + 1
    for _ in range(waiting):
        now += 0.01
        contact = ContactSpec(
            next_id, Medium.VOICE, f"q{rng.randrange(skills)}", now, tier=rng.choice(TIERS)
        )
        next_id += 1
        router.arrive(contact, now)
        naive.arrive(contact, now)
    assert router.route(now) == []
    return router, naive, now, next_id


def bench_decisions(agents: int, skills: int, waiting: int, decisions: int, rng: random.Random):
    router, naive, now, next_id = _busy_center(agents, skills, waiting, rng)
    busy = [a for a in router.agents() if router.agent(a)["handling"]]
    freed, arrived, theirs_freed, theirs_arrived = [], [], [], []
    made = 0
    for i in range(decisions):
        now += 0.05
        agent_id = busy[i % len(busy)]
        contact_id = router.agent(agent_id)["handling"][0]

        took, offers = _timed(_route_after, router, router.release, contact_id, now)
        freed.append(took)
        made += len(offers)  # type: ignore[arg-type]
        for cid in router.agent(agent_id)["offered"]:
            router.answer(cid, now)
        contact = ContactSpec(next_id, Medium.VOICE, f"q{rng.randrange(skills)}", now)
        next_id += 1
        took, offers = _timed(_route_after, router, router.arrive, contact, now)
        assert offers == []
        arrived.append(took)
        if i < decisions // 10:
            naive.agents[agent_id] = (naive.agents[agent_id][0], now, True)
            theirs_freed.append(_timed(naive.free, agent_id, now)[0])
            naive.agents[agent_id] = (naive.agents[agent_id][0], now, False)
            theirs_arrived.append(_timed(naive.arrive, contact, now)[0])
    size = f"{agents:,} agents, {skills} skills, {waiting:,} waiting"
    print(f"freed agents given a contact at once: {made:,} of {decisions:,}")
    return [
        (f"agent freed -> offer ({size})", *_percentiles(freed)),
        ("  peer: naive scan of the waiting contacts", *_percentiles(theirs_freed)),
        ("contact arrives, all busy -> queued", *_percentiles(arrived)),
        ("  peer: naive scan of the agents", *_percentiles(theirs_arrived)),
    ]


def bench_arrival_to_free_agent(agents: int, skills: int, decisions: int, rng: random.Random):
    """An arrival when agents are free: the offer goes out in the same call."""
    queues = _queues(skills)
    router = Router(queues, wrap_up=0.0)
    specs = _agents(agents, skills, rng)
    for spec in specs:
        router.add_agent(spec)
        router.login(spec.id, rng.uniform(0, 100))
    samples = []
    now = 1000.0
    for i in range(decisions):
        now += 0.05
        spec = specs[rng.randrange(agents)]
        skill = rng.choice([s for s in spec.skills if s != "warm"])
        contact = ContactSpec(i + 1, Medium.VOICE, f"q{skill[1:]}", now)
        took, offers = _timed(_route_after, router, router.arrive, contact, now)
        samples.append(took)
        for offer in offers:
            router.answer(offer.contact_id, now)
            router.release(offer.contact_id, now)
        router.route(now)
        if router.waiting():
            for waiting in router.waiting():
                router.abandon(waiting.id, now)
    return [(f"contact arrives, agents free -> offer ({agents:,} agents)", *_percentiles(samples))]


def bench_restore(agents: int, skills: int, waiting: int, rng: random.Random) -> list[tuple]:
    """A restarted runtime: the whole state back from its snapshot (or the same rows)."""
    router, _naive, now, _next = _busy_center(agents, skills, waiting, rng)
    data = router.snapshot()
    samples = []
    for _ in range(7):
        took, restored = _timed(Router.restore, data)
        samples.append(took / 1000.0)
        assert restored.route(now) == []  # type: ignore[attr-defined]
    return [
        (
            f"restore from snapshot, ms ({agents:,} agents, {waiting:,} waiting)",
            *_percentiles(samples),
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--picks", type=int, default=20000)
    parser.add_argument("--decision-agents", type=int, default=1000)
    parser.add_argument("--skills", type=int, default=50)
    parser.add_argument("--waiting", type=int, default=5000)
    parser.add_argument("--decisions", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    gc.disable()  # measure the router, not the collector's pauses (re-enabled per phase)
    rows = bench_pick(args.agents, args.skills, args.picks, rng)
    gc.collect()
    rows += bench_decisions(args.decision_agents, args.skills, args.waiting, args.decisions, rng)
    gc.collect()
    rows += bench_arrival_to_free_agent(args.decision_agents, args.skills, args.decisions, rng)
    gc.collect()
    rows += bench_restore(args.decision_agents, args.skills, args.waiting, rng)
    gc.enable()
    print(f"{'decision':<62} {'p50 us':>9} {'p99 us':>9} {'max us':>9}  (restore: ms)")
    for name, p50, p99, worst in rows:
        print(f"{name:<62} {p50:>9.1f} {p99:>9.1f} {worst:>9.1f}")


if __name__ == "__main__":
    main()
