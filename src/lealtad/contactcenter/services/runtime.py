"""The ACD router at work: the pure ``contact_engine`` router over the center's rows.

The rows (agents' states, live contacts) are the truth and every change to them is journalled;
the router is rebuilt from them whenever the journal has moved, then asked for the offers it
can make now and for the timeouts that are due. Each decision is written through the contact
services, which check inside their transaction that the contact and the agent are still where
the router saw them. So a router killed at any moment loses nothing: the next one rebuilds
from the same rows, an offer that was ringing keeps its deadline, and a wrap-up its end.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from django.db import close_old_connections
from django.utils import timezone

from lealtad.contact_engine.routing.priority import PriorityWeights
from lealtad.contact_engine.routing.router import Router
from lealtad.contactcenter.choices import AgentState, ContactStatus
from lealtad.contactcenter.models import Agent, CenterEvent, Contact, Queue
from lealtad.contactcenter.services import contacts, follow
from lealtad.contactcenter.services.setup import center_settings

log = logging.getLogger(__name__)
S = ContactStatus
SLOTS = ("voice", "chat", "email")  # call-backs and voicemails ride on the voice slot
OUT = (AgentState.LOGGED_OUT, AgentState.VACATION, AgentState.SICKNESS)
ROUTED: dict[str, str] = {
    S.QUEUED: "waiting",
    S.OFFERED: "offered",
    S.HANDLING: "handling",
    S.HELD: "handling",
}


def _ts(value: datetime | None, default: float = 0.0) -> float:
    return value.timestamp() if value is not None else default


def _queues() -> list[dict[str, Any]]:
    rows = (
        Queue.objects.filter(active=True)
        .select_related("skill")
        .prefetch_related("overflows__to_queue")
    )
    return [
        {
            "name": q.name,
            "skill": q.skill.name,
            "level": q.level,
            "min_proficiency": q.min_proficiency,
            "relax_after": q.relax_after_seconds,
            "overflow": [[o.after_seconds, o.to_queue.name] for o in q.overflows.all()],
            "service_level_seconds": q.service_level_seconds,
            "service_level_target": q.service_level_target,
        }
        for q in rows
    ]


def _agents(wrap_up: float, wrapping: dict[int, list[list[Any]]]) -> list[dict[str, Any]]:
    rows = Agent.objects.filter(active=True).prefetch_related("skills__skill")
    out = []
    for a in rows:
        logged_in = a.state not in OUT
        presence = a.presence if a.presence not in OUT else "available"
        out.append(
            {
                "id": a.pk,
                "skills": {s.skill.name: s.proficiency for s in a.skills.all()},
                "capacity": {k: v for k, v in a.capacity.items() if v and k in SLOTS},
                "max_total": a.max_total,
                "logged_in": logged_in,
                "presence": presence if logged_in else "logged_out",
                "since": _ts(a.state_since),
                "idle_since": _ts(a.idle_since),
                "wrapping": wrapping.get(a.pk, []),
            }
        )
    return out


def snapshot_from_rows(offer_timeout: float, wrap_up: float) -> dict[str, Any]:
    """The router's whole state as ``Router.restore`` reads it, from the center's rows."""
    queues = _queues()
    names = {q["name"] for q in queues}
    live = Contact.objects.filter(status__in=[*ROUTED, S.WRAP_UP]).select_related("queue")
    contacts_out: list[dict[str, Any]] = []
    wrapping: dict[int, list[list[Any]]] = {}
    for c in live:
        slot = "voice" if c.medium in ("callback", "voicemail") else c.medium
        if c.status == S.WRAP_UP:
            if c.agent_id is not None:
                ends = _ts(c.released_at) + wrap_up
                wrapping.setdefault(c.agent_id, []).append([c.pk, slot, ends])
            continue
        if c.queue is None or c.queue.name not in names:
            continue
        contacts_out.append(
            {
                "id": c.pk,
                "medium": c.medium,
                "queue": c.queue.name,
                "arrived_at": _ts(c.place_at),
                "tier": c.tier,
                "clv": c.clv,
                "churn_risk": c.churn_risk,
                "status": ROUTED[c.status],
                "entered_at": _ts(c.queued_at or c.place_at),
                "agent_id": c.agent_id,
                "deadline": _ts(c.offered_at) + offer_timeout,
            }
        )
    return {"queues": queues, "agents": _agents(wrap_up, wrapping), "contacts": contacts_out}


def _last_line() -> int:
    return CenterEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _weights() -> tuple[PriorityWeights, float, float]:
    found = center_settings()
    weights = PriorityWeights(
        tier_seconds={k: float(v) for k, v in found.tier_head_start.items()},
        churn_seconds=found.churn_head_start_seconds,
        cap_seconds=found.head_start_cap_seconds,
    )
    return weights, float(found.offer_timeout_seconds), float(found.wrap_up_seconds)


class RouterRuntime:
    """One pass at a time: follow the journal, apply due timeouts, make offers.

    The router is rebuilt from the rows when the runtime starts, when a journal line cannot
    be followed (:mod:`.follow`), when an offer lost a race, and every ``reconcile_every``
    seconds (the center's shape — agents, skills, queues — changes without journal lines).
    """

    def __init__(self, reconcile_every: float = 10.0) -> None:
        self.router: Router | None = None
        self.seen = 0
        self.reconcile_every = reconcile_every
        self.built_at = 0.0
        self.rebuilds = 0

    def rebuild(self) -> Router:
        # The journal's position first: lines after it are followed next pass, and a line the
        # snapshot already reflects is recognised (or makes the next pass rebuild again).
        self.seen = _last_line()
        weights, timeout, wrap_up = _weights()
        data = snapshot_from_rows(timeout, wrap_up)
        data.update(weights=weights.to_dict(), offer_timeout=timeout, wrap_up=wrap_up)
        self.router = Router.restore(data)
        self.built_at, self.rebuilds = time.monotonic(), self.rebuilds + 1
        return self.router

    def current(self) -> Router:
        """The router, moved by every journal line since it was last brought up to date."""
        stale = time.monotonic() - self.built_at > self.reconcile_every
        if self.router is None or stale:
            return self.rebuild()
        while True:
            lines = list(CenterEvent.objects.filter(id__gt=self.seen).order_by("id")[:5000])
            if not lines:
                return self.router
            try:
                follow.apply_lines(self.router, lines)
            except follow.Diverged as exc:
                log.info("router rebuilt from the rows: %s", exc)
                return self.rebuild()
            self.seen = lines[-1].pk

    def step(self, now: datetime | None = None) -> int:
        """One pass; the number of decisions written (offers, timeouts)."""
        now = now or timezone.now()
        written = self._timeouts(self.current(), now)
        router = self.current()
        for offer in router.route(now.timestamp()):
            if contacts.offer(offer.contact_id, offer.agent_id, at=now):
                written += 1
            else:
                self.router = None  # it lost a race: the rows say what is true
                break
        return written

    def _timeouts(self, router: Router, now: datetime) -> int:
        written = 0
        for kind, ident in router.due(now.timestamp()):
            if kind == "offer_expired":
                written += contacts.expire_offer(ident, at=now)
            elif kind == "wrap_up_ended":
                written += self._end_wrap_ups(ident, now)
        return written

    @staticmethod
    def _end_wrap_ups(agent_id: int, now: datetime) -> int:
        wrap_up = timedelta(seconds=center_settings().wrap_up_seconds)
        due = Contact.objects.filter(
            agent_id=agent_id, status=S.WRAP_UP, released_at__lte=now - wrap_up
        ).values_list("id", flat=True)
        return sum(contacts.end_wrap_up(contact_id, at=now) for contact_id in due)

    def next_wake(self, now: datetime) -> float:
        """Seconds until the router has something to do unprompted (at most 1 s)."""
        if self.router is None:
            return 0.0
        when = self.router.next_change(now.timestamp())
        return 1.0 if when is None else max(0.0, min(1.0, when - now.timestamp()))


def run(stop: threading.Event | None = None, poll: float = 0.05) -> None:
    """The routing loop (``lealtad contactcenter route``): follows the journal every ``poll``
    seconds, and wakes for the router's own timers in between."""
    stop = stop or threading.Event()
    runtime = RouterRuntime()
    while not stop.is_set():
        close_old_connections()
        try:
            runtime.step()
        except Exception:  # one bad pass must not stop the center; the next rebuilds
            log.exception("contact center router pass failed")
            runtime.router = None
            time.sleep(1)
        stop.wait(min(poll, runtime.next_wake(timezone.now())))
