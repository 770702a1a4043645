"""The wallboard and the interval reports as folds of the journal's reason-coded events.

Nothing here reads the router: both are computed from the same events the runtime journals,
so replaying the journal from empty gives exactly the live figures (the issue's "replaying
the event log gives exactly the live counters"), and a report for any past day is the same
fold over that day's events.

Definitions (docs/contactcenter-routing.md, "Metrics"):
- *Offered* to a queue: contacts that arrived in it (transfers in are not offered again).
- *Service level*: answered within the queue's seconds / (answered + abandoned - short
  abandons), i.e. over contacts whose wait has ended; a short abandon left within
  ``short_abandon`` seconds (5 s) and is in neither part. A contact counts once, in the
  queue it arrived in, at its first answer.
- *Abandon rate*: abandoned (short ones included) / offered.
- Interval reports put a contact in the interval it arrived in; agent time is cut at the
  interval edges. TPE is the average wait of answered contacts, TPH the average talk
  (answered → released), TPL the average whole contact (arrived → wrapped).
- *First-contact resolution*: of the customers whose first contact in the report window
  was wrapped, the share whose first contact was wrapped "resolved" and who did not
  contact us again in the window. A contact without a customer counts as its own customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from sortedcontainers import SortedList

from .routing.model import QueueSpec

KINDS = frozenset(
    {
        "contact.arrived",
        "contact.blocked",
        "contact.offered",
        "contact.answered",
        "contact.declined",
        "contact.offer_expired",
        "contact.abandoned",
        "contact.transferred",
        "contact.released",
        "contact.wrapped",
        "agent.state",
    }
)
LOGGED_IN = ("available", "busy", "wrap_up", "break", "training", "admin", "not_ready")
CATEGORY_A = ("busy", "wrap_up")
CATEGORY_B = (*CATEGORY_A, "available")
CATEGORY_C = (*CATEGORY_B, "break", "training", "admin", "not_ready")
CATEGORY_D = (*CATEGORY_C, "vacation", "sickness")
TOTAL = "*"
AGENT_COUNTS = {"available": "agents_available", "busy": "agents_busy", "wrap_up": "agents_wrap_up"}


@dataclass(frozen=True)
class CenterEvent:
    """One journal line; ``queue`` on ``contact.transferred`` is the queue it moved to."""

    at: float
    kind: str
    contact_id: int | None = None
    agent_id: int | None = None
    queue: str | None = None
    medium: str | None = None
    tier: str | None = None
    state: str | None = None
    reason: str | None = None
    customer_id: int | None = None

    @classmethod
    def of(cls, event: CenterEvent | Mapping[str, Any]) -> CenterEvent:
        """Accept the dataclass or a plain dict (unknown keys are ignored)."""
        if isinstance(event, CenterEvent):
            return event
        names = {f.name for f in fields(cls)}
        row = {k: v for k, v in event.items() if k in names}
        if "at" not in row or "kind" not in row:
            raise ValueError(f"event {dict(event)!r}: needs 'at' and 'kind'")
        row["at"] = float(row["at"])
        return cls(**row)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class _Waiting:
    queue: str  # where it waits now
    first_queue: str  # where it arrived: its offered/answered/SL are counted there
    arrived_at: float
    answered: bool = False
    queued: bool = True


class _QueueCounters:
    __slots__ = (
        "abandoned",
        "answered",
        "answered_in_sl",
        "blocked",
        "offered",
        "queued",
        "queued_sum",
        "short_abandons",
        "wait_sum",
    )

    def __init__(self) -> None:
        self.offered = self.answered = self.answered_in_sl = 0
        self.abandoned = self.short_abandons = self.blocked = 0
        self.wait_sum = 0.0
        self.queued: SortedList = SortedList()  # (arrived_at, contact id)
        self.queued_sum = 0.0

    def state(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__ if name != "queued"} | {
            "queued": list(self.queued)
        }


class Wallboard:
    """Live per-queue and total figures, kept as counters updated by each event."""

    def __init__(
        self,
        queues: Sequence[QueueSpec] = (),
        agent_queues: Mapping[int, Iterable[str]] | None = None,
        short_abandon: float = 5.0,
    ) -> None:
        self.sl_seconds = {q.name: q.service_level_seconds for q in queues}
        self.short_abandon = short_abandon
        self.agent_queues = {a: tuple(qs) for a, qs in (agent_queues or {}).items()}
        self._queues: dict[str, _QueueCounters] = {q.name: _QueueCounters() for q in queues}
        self._contacts: dict[int, _Waiting] = {}
        self._agents: dict[int, str] = {}
        self.ignored = 0  # events for contacts the board never saw arrive, or repeated

    def _queue(self, name: str | None) -> _QueueCounters:
        return self._queues.setdefault(name or TOTAL, _QueueCounters())

    def apply(self, event: CenterEvent | Mapping[str, Any]) -> None:
        e = CenterEvent.of(event)
        if e.kind == "agent.state":
            if e.agent_id is not None and e.state:
                self._agents[e.agent_id] = e.state
            return
        if e.kind == "contact.blocked":
            self._queue(e.queue).blocked += 1
            return
        if e.kind == "contact.arrived":
            self._arrive(e)
            return
        contact = self._contacts.get(e.contact_id) if e.contact_id is not None else None
        if contact is None:
            self.ignored += e.kind in KINDS
            return
        handler = _HANDLERS.get(e.kind)
        if handler is not None:
            handler(self, contact, e)

    def _arrive(self, e: CenterEvent) -> None:
        if e.contact_id is None or e.contact_id in self._contacts or not e.queue:
            self.ignored += 1
            return
        contact = _Waiting(e.queue, e.queue, e.at)
        self._contacts[e.contact_id] = contact
        self._queue(e.queue).offered += 1
        self._enqueue(e.contact_id, contact)

    def _enqueue(self, contact_id: int, contact: _Waiting) -> None:
        counters = self._queue(contact.queue)
        counters.queued.add((contact.arrived_at, contact_id))
        counters.queued_sum += contact.arrived_at
        contact.queued = True

    def _dequeue(self, contact_id: int, contact: _Waiting) -> None:
        if contact.queued:
            counters = self._queue(contact.queue)
            counters.queued.remove((contact.arrived_at, contact_id))
            counters.queued_sum -= contact.arrived_at
            contact.queued = False

    def _answered(self, contact: _Waiting, e: CenterEvent) -> None:
        if not contact.queued:
            self.ignored += 1
            return
        assert e.contact_id is not None
        self._dequeue(e.contact_id, contact)
        if contact.answered:
            return  # answered again after a transfer: SL counted the first answer
        contact.answered = True
        counters = self._queue(contact.first_queue)
        wait = e.at - contact.arrived_at
        counters.answered += 1
        counters.wait_sum += wait
        if wait <= self.sl_seconds.get(contact.first_queue, 15.0):
            counters.answered_in_sl += 1

    def _abandoned(self, contact: _Waiting, e: CenterEvent) -> None:
        assert e.contact_id is not None
        if not contact.queued:
            self.ignored += 1
            return
        self._dequeue(e.contact_id, contact)
        del self._contacts[e.contact_id]
        if contact.answered:
            return  # hung up while waiting after a transfer: not an abandon of the queue
        counters = self._queue(contact.first_queue)
        counters.abandoned += 1
        if e.at - contact.arrived_at < self.short_abandon:
            counters.short_abandons += 1

    def _transferred(self, contact: _Waiting, e: CenterEvent) -> None:
        assert e.contact_id is not None
        if not e.queue:
            self.ignored += 1
            return
        self._dequeue(e.contact_id, contact)
        contact.queue = e.queue
        self._enqueue(e.contact_id, contact)

    def _ended(self, contact: _Waiting, e: CenterEvent) -> None:
        assert e.contact_id is not None
        if contact.queued:
            self.ignored += 1
            return
        del self._contacts[e.contact_id]

    def _noop(self, contact: _Waiting, e: CenterEvent) -> None:
        """Offers, declines and missed offers leave the contact queued (still waiting)."""

    # -------------------------------------------------------------- the view
    def view(self, now: float) -> dict[str, Any]:
        """Per queue and in total: agents, queue, waits, abandon rate and service level."""
        names = sorted(self._queues)
        rows = {name: self._row(name, now) for name in names if name != TOTAL}
        total = self._row(None, now)
        return {"at": now, "queues": rows, "total": total}

    def _row(self, name: str | None, now: float) -> dict[str, Any]:
        counters = [self._queues[name]] if name is not None else list(self._queues.values())
        agents = self._agent_counts(name)
        queued = sum(len(c.queued) for c in counters)
        queued_sum = sum(c.queued_sum for c in counters)
        heads = [c.queued[0][0] for c in counters if c.queued]
        offered = sum(c.offered for c in counters)
        answered = sum(c.answered for c in counters)
        in_sl = sum(c.answered_in_sl for c in counters)
        abandoned = sum(c.abandoned for c in counters)
        short = sum(c.short_abandons for c in counters)
        return {
            **agents,
            "queued": queued,
            "longest_wait": max(0.0, now - min(heads)) if heads else 0.0,
            "average_wait": max(0.0, now - queued_sum / queued) if queued else 0.0,
            "offered": offered,
            "answered": answered,
            "abandoned": abandoned,
            "short_abandons": short,
            "abandon_rate": _ratio(abandoned, offered),
            "service_level": _ratio(in_sl, answered + abandoned - short),
            "average_speed_of_answer": _ratio(sum(c.wait_sum for c in counters), answered),
            "all_trunks_busy": sum(c.blocked for c in counters),
        }

    def _agent_counts(self, queue: str | None) -> dict[str, int]:
        counts = {
            "agents_logged_in": 0,
            "agents_available": 0,
            "agents_busy": 0,
            "agents_wrap_up": 0,
        }
        for agent_id, state in self._agents.items():
            if queue is not None and queue not in self.agent_queues.get(agent_id, ()):
                continue
            if state in LOGGED_IN:
                counts["agents_logged_in"] += 1
            key = {"available": "agents_available", "busy": "agents_busy"}.get(state)
            if state == "wrap_up":
                key = "agents_wrap_up"
            if key:
                counts[key] += 1
        return counts

    def state(self) -> dict[str, Any]:
        """Every counter, for comparing a live board with one replayed from the journal."""
        return {
            "queues": {name: c.state() for name, c in sorted(self._queues.items())},
            "contacts": {cid: asdict(c) for cid, c in sorted(self._contacts.items())},
            "agents": dict(sorted(self._agents.items())),
            "ignored": self.ignored,
        }

    @classmethod
    def replay(cls, events: Iterable[CenterEvent | Mapping[str, Any]], **kw: Any) -> Wallboard:
        board = cls(**kw)
        for event in events:
            board.apply(event)
        return board


_HANDLERS = {
    "contact.offered": Wallboard._noop,
    "contact.declined": Wallboard._noop,
    "contact.offer_expired": Wallboard._noop,
    "contact.answered": Wallboard._answered,
    "contact.abandoned": Wallboard._abandoned,
    "contact.transferred": Wallboard._transferred,
    "contact.released": Wallboard._noop,
    "contact.wrapped": Wallboard._ended,
}


# ------------------------------------------------------------------ interval reports
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
        "allocation_efficiency": _ratio(a, b),  # A/B
        "occupancy": _ratio(b, c),  # B/C
        "availability": _ratio(c, d),  # C/D
        "utilization": _ratio(b, d),  # B/D
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
        "service_level": _ratio(in_sl, len(answered) + len(abandoned) - short),
        "abandon_rate": _ratio(len(abandoned), len(stories)),
        "TPE": _mean(waits),
        "TPH": _mean(talks),
        "TPL": _mean(whole),
        "first_contact_resolution": _ratio(sum(fcr), len(fcr)),
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
