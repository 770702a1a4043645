"""The interval reports: a fold of one window's journal events (see :mod:`.metrics` for
the definitions), cut into intervals, per queue and in total."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .metrics import (
    CATEGORY_A,
    CATEGORY_B,
    CATEGORY_C,
    CATEGORY_D,
    TOTAL,
    CenterEvent,
    ratio,
)
from .routing.model import QueueSpec


@dataclass
class _Story:
    """One contact's life, gathered from its events."""

    queue: str
    arrived_at: float
    customer: int | None
    answered_at: float | None = None
    released_at: float | None = None
    wrapped_at: float | None = None
    outcome: str | None = None
    abandoned_at: float | None = None


def _stories(events: Sequence[CenterEvent]) -> dict[int, _Story]:
    """Each contact's life, folded by the same rules as the wallboard (so both agree):
    lines for unknown, finished or not-waiting contacts are skipped the same way."""
    stories: dict[int, _Story] = {}
    live: dict[int, tuple[int, bool]] = {}  # contact id -> (story number, queued)
    for e in events:
        cid = e.contact_id
        if cid is None:
            continue
        if e.kind == "contact.arrived":
            if cid not in live and e.queue:
                customer = e.customer_id if e.customer_id is not None else -len(stories) - 1
                live[cid] = (len(stories), True)
                stories[len(stories)] = _Story(e.queue, e.at, customer)
            continue
        if cid not in live:
            continue
        number, queued = live[cid]
        story = stories[number]
        if e.kind == "contact.answered" and queued:
            live[cid] = (number, False)
            story.answered_at = story.answered_at if story.answered_at is not None else e.at
        elif e.kind == "contact.abandoned" and queued:
            del live[cid]
            if story.answered_at is None:
                story.abandoned_at = e.at
        elif e.kind == "contact.transferred" and e.queue:
            live[cid] = (number, True)
        elif e.kind == "contact.released" and story.released_at is None:
            story.released_at = e.at
        elif e.kind == "contact.wrapped" and not queued:
            del live[cid]
            story.wrapped_at, story.outcome = e.at, e.reason
    return stories


def _first_contact_resolved(stories: Mapping[int, _Story]) -> dict[int, bool]:
    """Story -> resolved at first contact, for each customer's first contact if wrapped."""
    by_customer: dict[int | None, list[tuple[float, int]]] = {}
    for contact_id, story in stories.items():
        by_customer.setdefault(story.customer, []).append((story.arrived_at, contact_id))
    out: dict[int, bool] = {}
    for contacts in by_customer.values():
        contacts.sort()
        first = stories[contacts[0][1]]
        if first.wrapped_at is None:
            continue
        out[contacts[0][1]] = first.outcome == "resolved" and len(contacts) == 1
    return out


def _agent_seconds(events: Sequence[CenterEvent], edges: Sequence[float]) -> list[dict[str, float]]:
    """Seconds per state per interval, summed over agents, cut at the interval edges."""
    spans: list[dict[str, float]] = [{} for _ in edges[:-1]]
    last: dict[int, tuple[float, str]] = {}

    def add(state: str, begin: float, finish: float) -> None:
        for i in range(len(spans)):
            low, high = max(begin, edges[i]), min(finish, edges[i + 1])
            if high > low:
                spans[i][state] = spans[i].get(state, 0.0) + high - low

    for e in events:
        if e.kind != "agent.state" or e.agent_id is None or not e.state:
            continue
        if e.agent_id in last:
            since, state = last[e.agent_id]
            add(state, since, e.at)
        last[e.agent_id] = (e.at, e.state)
    for since, state in last.values():
        add(state, since, edges[-1])
    return spans


def _time_row(seconds: Mapping[str, float]) -> dict[str, Any]:
    a = sum(seconds.get(s, 0.0) for s in CATEGORY_A)
    b = sum(seconds.get(s, 0.0) for s in CATEGORY_B)
    c = sum(seconds.get(s, 0.0) for s in CATEGORY_C)
    d = sum(seconds.get(s, 0.0) for s in CATEGORY_D)
    return {
        "agent_seconds": {s: seconds.get(s, 0.0) for s in CATEGORY_D},
        "A": a,
        "B": b,
        "C": c,
        "D": d,
        "allocation_efficiency": ratio(a, b),  # A/B
        "occupancy": ratio(b, c),  # B/C
        "availability": ratio(c, d),  # C/D
        "utilization": ratio(b, d),  # B/D
    }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _contact_row(
    stories: list[_Story], fcr: list[bool], sl_seconds: float, short_abandon: float
) -> dict[str, Any]:
    answered = [s for s in stories if s.answered_at is not None]
    abandoned = [s.abandoned_at - s.arrived_at for s in stories if s.abandoned_at is not None]
    short = sum(1 for wait in abandoned if wait < short_abandon)
    waits, talks, whole = [], [], []
    for story in answered:
        assert story.answered_at is not None
        waits.append(story.answered_at - story.arrived_at)
        if story.released_at is not None:
            talks.append(story.released_at - story.answered_at)
        if story.wrapped_at is not None:
            whole.append(story.wrapped_at - story.arrived_at)
    in_sl = sum(1 for w in waits if w <= sl_seconds)
    return {
        "offered": len(stories),
        "answered": len(answered),
        "abandoned": len(abandoned),
        "short_abandons": short,
        "service_level": ratio(in_sl, len(answered) + len(abandoned) - short),
        "abandon_rate": ratio(len(abandoned), len(stories)),
        "TPE": _mean(waits),
        "TPH": _mean(talks),
        "TPL": _mean(whole),
        "first_contact_resolution": ratio(sum(fcr), len(fcr)),
    }


def interval_report(
    events: Iterable[CenterEvent | Mapping[str, Any]],
    start: float,
    end: float,
    minutes: int = 30,
    queues: Sequence[QueueSpec] = (),
    short_abandon: float = 5.0,
) -> list[dict[str, Any]]:
    """One row per interval and queue, plus a ``"*"`` row per interval with every queue's
    contacts and the agents' time (A/B, B/C, C/D, B/D). Events may come in any order and
    may start before ``start`` (agent states carry over into the window)."""
    if minutes not in (15, 30, 60):
        raise ValueError(f"minutes: {minutes} is not 15, 30 or 60")
    if end <= start:
        raise ValueError("end: must be after start")
    ordered = sorted((CenterEvent.of(e) for e in events), key=lambda e: e.at)
    step = minutes * 60.0
    edges = [start]
    while edges[-1] < end:
        edges.append(min(edges[-1] + step, end))
    inside = [e for e in ordered if start <= e.at < end or e.kind == "agent.state"]
    stories = {cid: s for cid, s in _stories(inside).items() if start <= s.arrived_at < end}
    resolved = _first_contact_resolved(stories)
    times = _agent_seconds([e for e in ordered if e.at < end], edges)
    sl_seconds = {q.name: q.service_level_seconds for q in queues}
    names = sorted({s.queue for s in stories.values()} | set(sl_seconds))
    rows: list[dict[str, Any]] = []
    for i in range(len(edges) - 1):
        low, high = edges[i], edges[i + 1]
        here = {cid: s for cid, s in stories.items() if low <= s.arrived_at < high}
        blocked = [e for e in inside if e.kind == "contact.blocked" and low <= e.at < high]
        for name in (*names, TOTAL):
            mine = [(cid, s) for cid, s in sorted(here.items()) if name in (TOTAL, s.queue)]
            row = {"start": low, "end": high, "queue": name}
            row |= _contact_row(
                [s for _cid, s in mine],
                [resolved[cid] for cid, _s in mine if cid in resolved],
                sl_seconds.get(name, 15.0),
                short_abandon,
            )
            row["all_trunks_busy"] = sum(1 for e in blocked if name in (TOTAL, e.queue))
            if name == TOTAL:
                row |= _time_row(times[i])
            rows.append(row)
    return rows
