"""The wallboard and the interval reports (:mod:`.interval_report`) as folds of the journal's
reason-coded events.

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


def ratio(part: float, whole: float) -> float | None:
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
            "abandon_rate": ratio(abandoned, offered),
            "service_level": ratio(in_sl, answered + abandoned - short),
            "average_speed_of_answer": ratio(sum(c.wait_sum for c in counters), answered),
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
