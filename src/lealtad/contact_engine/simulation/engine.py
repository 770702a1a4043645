"""The event loop: one heap of timed events, calls arriving from a pre-drawn sorted array.

Design choices that keep it at tens of thousands of calls per second in plain Python:

* Abandonment is lazy. A caller whose patience ran out is noticed when an agent looks at the
  line (or at the end) and counted as gone at that deadline; no event is scheduled for it.
  This is exact: nobody could have answered them after their deadline.
* A queue's line is one FIFO per *priority class* (tiers with the same head start). Within a
  class the priority key (arrival less head start) follows arrival order, so the best caller
  of a line is the best of its few class heads: no priority heap of callers is needed.
* Idle agents wait in one heap per (queue, waiting threshold): threshold 0 for agents who
  meet the queue's skill and proficiency, ``relax_after`` for agents with the skill at a lower
  proficiency, an overflow step's seconds for the other queue's agents. Entries are removed
  lazily (a stamp per agent). A caller not answered on arrival schedules one "widening"
  event per positive threshold, when more agents may take them.
* An agent who frees up takes, among the lines they may serve, the caller with the smallest
  priority key that has waited at least that route's threshold (the live router's rule,
  ``routing.priority.priority_key``); under FCFS the key is the arrival time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from heapq import heappop, heappush, heapreplace

import numpy as np

from lealtad.contact_engine.routing.priority import head_start
from lealtad.contact_engine.simulation.arrivals import Calls
from lealtad.contact_engine.simulation.scenario import Policy, Scenario

INF = float("inf")
#: Value+skills orders idle agents by proficiency first; idle time never reaches this.
_PROFICIENCY_WEIGHT = 1e10
ANSWERED, ABANDONED, WAITING = 1, 2, 0
Progress = Callable[[float], None]


@dataclass(frozen=True)
class Outcome:
    """Per call: 0 waiting at the end, 1 answered, 2 abandoned; seconds in line; the group
    that answered (-1 if none)."""

    status: np.ndarray
    wait: np.ndarray
    group: np.ndarray
    engine: str


def priority_classes(scenario: Scenario) -> tuple[list[float], list[int]]:
    """Distinct head starts (seconds) and each tier's class, the same rule as the router."""
    starts: list[float] = []
    of_tier: list[int] = []
    for tier in scenario.tiers():
        seconds = 0.0
        if scenario.policy is Policy.VALUE_SKILLS:
            seconds = head_start(tier, 0.0, 0.0, scenario.weights)
        if seconds not in starts:
            starts.append(seconds)
        of_tier.append(starts.index(seconds))
    return starts, of_tier


def thresholds(scenario: Scenario) -> list[list[float | None]]:
    """Seconds a caller of each queue must wait before each group may answer (None: never)."""
    specs = [load.queue for load in scenario.queues]
    index = {spec.name: q for q, spec in enumerate(specs)}

    def strict(skills: Mapping[str, int], q: int) -> bool:
        spec = specs[q]
        return skills.get(spec.skill, 0) >= spec.min_proficiency

    table: list[list[float | None]] = []
    for group in scenario.groups:
        row: list[float | None] = []
        for q, spec in enumerate(specs):
            options: list[float] = []
            if strict(group.skills, q):
                options.append(0.0)
            elif group.skills.get(spec.skill, 0) >= 1 and spec.relax_after is not None:
                options.append(spec.relax_after)
            options += [
                after for after, other in spec.overflow if strict(group.skills, index[other])
            ]
            row.append(min(options) if options else None)
        table.append(row)
    return table


_Pool = list[tuple[float, int, int]]


class _Layout:
    """Agents, routes and idle pools, built once per run."""

    def __init__(self, scenario: Scenario) -> None:
        self.group_of: list[int] = []
        self.members: list[list[int]] = []
        for g, group in enumerate(scenario.groups):
            first = len(self.group_of)
            self.group_of += [g] * group.most
            self.members.append(list(range(first, first + group.most)))
        pool_index: dict[tuple[int, float], int] = {}
        self.routes: list[list[tuple[float, int, float, int]]] = []
        skills = [load.queue.skill for load in scenario.queues]
        for g, row in enumerate(thresholds(scenario)):
            routes = []
            for q, threshold in enumerate(row):
                if threshold is None:
                    continue
                pool = pool_index.setdefault((q, threshold), len(pool_index))
                offset = 0.0
                if scenario.policy is Policy.VALUE_SKILLS:
                    offset = -_PROFICIENCY_WEIGHT * scenario.groups[g].skills.get(skills[q], 0)
                routes.append((threshold, pool, offset, q))
            self.routes.append(routes)
        self.pools: list[list[tuple[float, int, int]]] = [[] for _ in pool_index]
        queues = len(scenario.queues)
        self.strict: list[list[tuple[float, int, int]] | None] = [None] * queues
        self.wide: list[list[tuple[float, list[tuple[float, int, int]]]]] = [
            [] for _ in range(queues)
        ]
        for (q, threshold), pool in sorted(pool_index.items()):
            if threshold == 0:
                self.strict[q] = self.pools[pool]
            else:
                self.wide[q].append((threshold, self.pools[pool]))
        self.widen = [[t for t, _ in self.wide[q]] for q in range(queues)]


def run_general(scenario: Scenario, calls: Calls, on_progress: Progress | None = None) -> Outcome:
    """Any center: skills, overflow, relaxation, priority classes, staffing per interval."""
    return _Center(scenario, calls).run(on_progress)


class _Center:
    """The run's state as flat lists indexed by call or agent (fast to read in CPython)."""

    def __init__(self, scenario: Scenario, calls: Calls) -> None:
        self.scenario, self.calls = scenario, calls
        self.layout = layout = _Layout(scenario)
        starts, class_of_tier = priority_classes(scenario)
        self.arrived: list[float] = calls.arrived.tolist()
        self.queue_of: list[int] = calls.queue.tolist()
        self.handle: list[float] = calls.handle.tolist()
        self.deadline: list[float] = (calls.arrived + calls.patience).tolist()
        classes = np.asarray(class_of_tier, dtype=np.int64)
        self.klass: list[int] = classes[calls.tier].tolist() if len(calls) else []
        n = self.n = len(self.arrived)
        self.status = [0] * n
        self.wait = [0.0] * n
        self.served_by = [-1] * n
        self.lines_of: list[list[tuple[deque[int], float]]] = [
            [(deque(), start) for start in starts] for _ in scenario.queues
        ]
        agents = len(layout.group_of)
        self.stamp = [0] * agents
        self.leaving = [False] * agents
        self.online = [False] * agents
        self.heap: list[tuple[float, int]] = []

    def run(self, on_progress: Progress | None) -> Outcome:
        """Events and arrivals in time order; an event at an arrival's instant goes first."""
        scenario, n, heap, arrived = self.scenario, self.n, self.heap, self.arrived
        leaving, online, take_next, arrive = self.leaving, self.online, self.take_next, self.arrive
        self.restaff(0, 0.0)
        for k in range(1, scenario.intervals):
            if any(group.staffed(k) != group.staffed(k - 1) for group in scenario.groups):
                heappush(heap, (k * scenario.interval_seconds, -n - 1 - k))
        stop = INF if scenario.drain else scenario.horizon
        ia = 0
        next_arrival = arrived[0] if n else INF
        while True:
            if heap and heap[0][0] <= next_arrival:
                now, x = heappop(heap)
                if now > stop:
                    break
                if x >= -n and x < 0:
                    self.widen(-x - 1, now)
                elif x < 0:
                    self.restaff(-x - n - 1, now)
                elif leaving[x]:
                    leaving[x] = online[x] = False
                else:
                    take_next(x, now)
                continue
            if ia >= n:
                break
            arrive(ia, next_arrival)
            ia += 1
            next_arrival = arrived[ia] if ia < n else INF
            if on_progress is not None and not ia & 0x3FFF:
                on_progress(ia / n)
        return _outcome(self.status, self.wait, self.served_by, self.calls, stop, "general")

    def arrive(self, i: int, now: float) -> None:
        """The best idle qualified agent answers at once, else the caller joins the line."""
        q = self.queue_of[i]
        pool = self.layout.strict[q]
        stamp = self.stamp
        while pool:
            _, a, st = heappop(pool)
            if stamp[a] == st:
                stamp[a] += 1
                self.status[i] = ANSWERED
                self.served_by[i] = self.layout.group_of[a]
                heappush(self.heap, (now + self.handle[i], a))
                return
        self.lines_of[q][self.klass[i]][0].append(i)
        deadline = self.deadline[i]
        for threshold in self.layout.widen[q]:
            if now + threshold < deadline:
                heappush(self.heap, (now + threshold, -i - 1))

    def take_next(self, a: int, now: float) -> None:
        """A free agent takes the best caller they may serve, or waits in their idle pools."""
        status, deadline, arrived = self.status, self.deadline, self.arrived
        routes = self.layout.routes[self.layout.group_of[a]]
        best, best_key, best_line = -1, INF, None
        for threshold, _pool, _offset, q in routes:
            limit = now - threshold
            for line, start in self.lines_of[q]:
                while line:
                    i = line[0]
                    if status[i]:
                        line.popleft()
                    elif deadline[i] <= now:
                        status[i] = ABANDONED
                        line.popleft()
                    else:
                        if arrived[i] <= limit and arrived[i] - start < best_key:
                            best, best_key, best_line = i, arrived[i] - start, line
                        break
        if best_line is not None:
            best_line.popleft()
            self.answer(best, a, now)
            return
        self.stamp[a] += 1
        pools, stamp = self.layout.pools, self.stamp[a]
        for _threshold, pool, offset, _q in routes:
            heappush(pools[pool], (now + offset, a, stamp))

    def answer(self, i: int, a: int, now: float) -> None:
        self.status[i] = ANSWERED
        self.wait[i] = now - self.arrived[i]
        self.served_by[i] = self.layout.group_of[a]
        heappush(self.heap, (now + self.handle[i], a))

    def widen(self, i: int, now: float) -> None:
        """A caller has waited long enough for more agents: the best idle one of those answers."""
        if self.status[i] or self.deadline[i] <= now:
            return
        waited = now - self.arrived[i] + 1e-9
        stamp = self.stamp
        best_pool = None
        best_key = INF
        for threshold, pool in self.layout.wide[self.queue_of[i]]:
            if threshold > waited:
                break
            while pool and stamp[pool[0][1]] != pool[0][2]:
                heappop(pool)
            if pool and pool[0][0] < best_key:
                best_key, best_pool = pool[0][0], pool
        if best_pool is not None:
            _, a, _ = heappop(best_pool)
            stamp[a] += 1
            self.answer(i, a, now)

    def restaff(self, interval: int, now: float) -> None:
        """Each group to its head count for the interval: leaving agents finish their call."""
        online, leaving, stamp = self.online, self.leaving, self.stamp
        idle = {a for pool in self.layout.pools for _, a, st in pool if stamp[a] == st}
        for g, group in enumerate(self.scenario.groups):
            target = group.staffed(interval)
            members = self.layout.members[g]
            staffed = [a for a in members if online[a] and not leaving[a]]
            for a in members:
                if len(staffed) < target and online[a] and leaving[a]:
                    leaving[a] = False
                    staffed.append(a)
            for a in members:
                if len(staffed) < target and not online[a]:
                    online[a] = True
                    staffed.append(a)
                    self.take_next(a, now)
            excess = max(len(staffed) - target, 0)
            for a in sorted(staffed, key=lambda a: a not in idle)[:excess]:
                if a in idle:
                    online[a] = False
                    stamp[a] += 1
                else:
                    leaving[a] = True


def run_fast(scenario: Scenario, calls: Calls) -> Outcome:
    """One queue, one steady group, one priority class, draining: FCFS is then exactly the
    Kiefer-Wolfowitz recursion over a heap of the times agents free up. The caller at the
    front takes the agent free the longest; they hang up first if that is after their
    deadline. Same calls, same answers as ``run_general`` on such a center."""
    agents = scenario.groups[0].most
    free = [0.0] * agents
    arrived = calls.arrived.tolist()
    deadline = (calls.arrived + calls.patience).tolist()
    handle = calls.handle.tolist()
    n = len(arrived)
    status = [ABANDONED] * n
    wait = [0.0] * n
    for i in range(n):
        t = arrived[i]
        f = free[0]
        if f <= t:
            heapreplace(free, t + handle[i])
            status[i] = ANSWERED
        elif f < deadline[i]:
            heapreplace(free, f + handle[i])
            status[i] = ANSWERED
            wait[i] = f - t
    served_by = [0] * n
    return _outcome(status, wait, served_by, calls, INF, "fast")


def _outcome(status, wait, served_by, calls: Calls, stop: float, engine: str) -> Outcome:  # type: ignore[no-untyped-def]
    status_a = np.asarray(status, dtype=np.int8)
    wait_a = np.asarray(wait, dtype=float)
    group_a = np.asarray(served_by, dtype=np.int64)
    deadline = calls.arrived + calls.patience
    gone = (status_a == WAITING) & np.isfinite(deadline) & (deadline <= stop)
    status_a[gone] = ABANDONED
    abandoned = status_a == ABANDONED
    group_a[abandoned] = -1
    wait_a[abandoned] = calls.patience[abandoned]
    waiting = status_a == WAITING
    if waiting.any():
        end = stop if stop < INF else calls.arrived.max(initial=0.0)
        wait_a[waiting] = np.maximum(end - calls.arrived[waiting], 0.0)
    return Outcome(status=status_a, wait=wait_a, group=group_a, engine=engine)
