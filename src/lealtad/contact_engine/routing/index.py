"""The two counters the router keeps instead of scanning: free agents and waiting contacts.

Free agents sit in one sorted list per (skill, proficiency, slot medium), ordered by
(load across media, idle since, id): the head is the least loaded, longest idle agent, and a
group "proficiency at least p" is the best of at most ten heads. Waiting contacts sit in
one heap per (queue, eligibility stage, slot medium) with lazy deletion: an entry is live
while the contact's version is the one it was pushed with.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable

from sortedcontainers import SortedList

from .model import Medium

AgentKey = tuple[int, float, int]  # (total load, idle since, agent id)
HeapEntry = tuple[float, float, int, int]  # (priority key, arrived at, contact id, version)

MAX_PROFICIENCY = 10


class FreeAgents:
    """Agents who may take one more contact on a slot medium, by skill and proficiency."""

    def __init__(self) -> None:
        self._lists: dict[tuple[str, Medium], list[SortedList | None]] = {}
        self._placed: dict[int, list[tuple[SortedList, AgentKey]]] = {}

    def place(
        self,
        agent_id: int,
        key: AgentKey,
        skills: Iterable[tuple[str, int]],
        slots: Iterable[Medium],
    ) -> None:
        """Put the agent under every (skill, slot) it can take now, replacing old places."""
        self.remove(agent_id)
        placed: list[tuple[SortedList, AgentKey]] = []
        slot_list = list(slots)
        for skill, proficiency in skills:
            for slot in slot_list:
                levels = self._lists.setdefault((skill, slot), [None] * (MAX_PROFICIENCY + 1))
                bucket = levels[proficiency]
                if bucket is None:
                    bucket = levels[proficiency] = SortedList()
                bucket.add(key)
                placed.append((bucket, key))
        if placed:
            self._placed[agent_id] = placed

    def remove(self, agent_id: int) -> None:
        for bucket, key in self._placed.pop(agent_id, ()):
            bucket.remove(key)

    def best(
        self, skill: str, slot: Medium, low: int, high: int = MAX_PROFICIENCY
    ) -> AgentKey | None:
        """The least loaded, longest idle agent with proficiency in ``low..high``."""
        levels = self._lists.get((skill, slot))
        if levels is None:
            return None
        best: AgentKey | None = None
        for proficiency in range(max(low, 1), min(high, MAX_PROFICIENCY) + 1):
            bucket = levels[proficiency]
            if bucket:
                head = bucket[0]
                if best is None or head < best:
                    best = head
        return best

    def __contains__(self, agent_id: int) -> bool:
        return agent_id in self._placed


class WaitingContacts:
    """Heaps of waiting contacts per (queue, stage, slot), cleaned lazily at the head."""

    def __init__(self, is_live: Callable[[int, int], bool]) -> None:
        self._heaps: dict[tuple[str, int, Medium], list[HeapEntry]] = {}
        self._is_live = is_live

    def push(self, queue: str, stage: int, slot: Medium, entry: HeapEntry) -> None:
        heapq.heappush(self._heaps.setdefault((queue, stage, slot), []), entry)

    def head(self, queue: str, stage: int, slot: Medium) -> HeapEntry | None:
        heap = self._heaps.get((queue, stage, slot))
        if not heap:
            return None
        while heap:
            entry = heap[0]
            if self._is_live(entry[2], entry[3]):
                return entry
            heapq.heappop(heap)
        return None

    def clear(self) -> None:
        self._heaps.clear()
