"""The ACD: the whole routing state, moved only by the calls the runtime journals.

Deterministic on purpose: no clock and no randomness, every time comes in as ``now``. So the
runtime can journal each call, and a restarted process that replays the journal (or
restores a snapshot) reaches exactly the same offers.

How it decides (docs/contactcenter-routing.md): waiting contacts are served in one order
whatever the medium, by ``priority_key`` (arrival less a bounded value head start). A
contact goes to the least loaded, longest idle agent of the first group that has one free:
agents with the queue's skill at its required proficiency, then (after ``relax_after``)
anyone with the skill at all, then each overflow queue's agents once its time has come.
"""

from __future__ import annotations

import heapq
from dataclasses import replace
from typing import Any

from sortedcontainers import SortedList

from . import codec
from .errors import RoutingError
from .index import HeapEntry
from .model import AgentSpec, AgentState, ContactSpec, Medium, Offer
from .priority import PriorityWeights, priority_key
from .state import (
    CHOSEN_STATES,
    HANDLING,
    OFFERED,
    WAITING,
    AgentRecord,
    ContactRecord,
    RouterState,
)


class Router(RouterState):
    """The ACD state. Every mutating call may be followed by ``route(now)`` for new offers."""

    def add_agent(self, spec: AgentSpec) -> None:
        if spec.id in self._agents:
            raise RoutingError("duplicate_agent", f"agent {spec.id}: already added")
        record = AgentRecord(spec=spec)
        record.heaps = self._heaps_for(spec)
        self._agents[spec.id] = record

    def update_agent(self, spec: AgentSpec) -> None:
        """New skills or capacity take effect at once (current contacts stay)."""
        record = self._agent(spec.id)
        record.spec = spec
        record.heaps = self._heaps_for(spec)
        self._reindex(record)

    def remove_agent(self, agent_id: int) -> None:
        record = self._agent(agent_id)
        if record.logged_in:
            raise RoutingError("agent_logged_in", f"agent {agent_id}: log out first")
        del self._agents[agent_id]

    def login(self, agent_id: int, now: float, state: AgentState = AgentState.AVAILABLE) -> None:
        record = self._agent(agent_id)
        if record.logged_in:
            raise RoutingError("already_logged_in", f"agent {agent_id}: already logged in")
        state = AgentState(state)
        if state not in CHOSEN_STATES:
            raise RoutingError("illegal_state", f"agent {agent_id}: cannot log in as {state}")
        record.logged_in = True
        record.presence = state
        record.idle_since = now
        self._touch(record, now)

    def logout(self, agent_id: int, now: float) -> None:
        """Refused while handling a contact; ends wrap-ups and gives ringing offers back."""
        record = self._agent(agent_id)
        if not record.logged_in:
            raise RoutingError("not_logged_in", f"agent {agent_id}: not logged in")
        if record.handling:
            raise RoutingError(
                "agent_has_contacts",
                f"agent {agent_id}: still handling contacts {sorted(record.handling)}",
            )
        self._withdraw_offers(record, now)
        for contact_id in list(record.wrapping):
            self._end_wrap(record, contact_id, now)
        record.logged_in = False
        record.presence = AgentState.LOGGED_OUT
        self._touch(record, now)

    def set_state(self, agent_id: int, state: AgentState | str, now: float) -> None:
        """Choose available, break, training, admin or not-ready.

        Always allowed while logged in, even busy: the choice is the agent's *presence*,
        which decides whether new contacts are offered. A break chosen mid-call shows once
        the call and its wrap-up end (no new offers meanwhile); available mid-call means
        "offer me more" on any medium with free capacity. Busy, wrap-up and logged-out are
        refused here: they come from contacts, login and logout.
        """
        record = self._agent(agent_id)
        try:
            state = AgentState(state)
        except ValueError:
            raise RoutingError("illegal_state", f"agent {agent_id}: no state {state!r}") from None
        if state not in CHOSEN_STATES:
            raise RoutingError("illegal_state", f"agent {agent_id}: cannot choose {state}")
        if not record.logged_in:
            raise RoutingError("not_logged_in", f"agent {agent_id}: not logged in")
        if state is record.presence:
            return
        if state is AgentState.AVAILABLE:
            record.idle_since = now
        record.presence = state
        if state is not AgentState.AVAILABLE:
            self._withdraw_offers(record, now)
        self._touch(record, now)

    def _touch(self, record: AgentRecord, now: float) -> None:
        shown = record.shown_state()
        if shown is not record.state:
            record.state = shown
            record.since = now
        self._reindex(record)

    def _reindex(self, record: AgentRecord, dirty: bool = True) -> None:
        slots = record.free_slots() if record.ready else []
        if not slots:
            self._free.remove(record.spec.id)
            return
        key = (record.total(), record.idle_since, record.spec.id)
        self._free.place(record.spec.id, key, record.spec.skills.items(), slots)
        if dirty:
            self._dirty_agents[record.spec.id] = None

    @staticmethod
    def _take_slot(record: AgentRecord, slot: Medium, delta: int, now: float) -> None:
        record.load[slot] = record.load.get(slot, 0) + delta
        if record.total() == 0 and delta < 0:
            record.idle_since = max(record.idle_since, now)

    # ----------------------------------------------------------------- contacts
    def arrive(self, contact: ContactSpec, now: float) -> None:
        """A contact joins its queue, in its place by ``arrived_at`` and value."""
        if contact.id in self._contacts:
            raise RoutingError("duplicate_contact", f"contact {contact.id}: already routed")
        if contact.queue not in self._queues:
            raise RoutingError("unknown_queue", f"contact {contact.id} queue: {contact.queue!r}")
        w = self.weights
        key = priority_key(contact.arrived_at, contact.tier, contact.clv, contact.churn_risk, w)
        record = ContactRecord(spec=contact, key=key, entered_at=now)
        self._contacts[contact.id] = record
        self._enqueue(record, now)

    def _enqueue(self, record: ContactRecord, now: float) -> None:
        """Put a contact (back) in line: heaps for stages reached, timers for the rest."""
        record.status = WAITING
        record.agent_id = None
        record.deadline = None
        record.version += 1
        spec = record.spec
        slot = spec.medium.slot
        entry = record.entry()
        for stage in self._stages[spec.queue]:
            at = record.entered_at + stage.after
            if at <= now:
                self._heaps.push(spec.queue, stage.number, slot, entry)
            else:
                self._seq += 1
                heapq.heappush(self._timers, (at, self._seq, spec.id, record.version, stage.number))
        self._waiting_by_key[spec.queue].add((record.key, spec.arrived_at, spec.id))
        self._waiting_by_age[spec.queue].add((spec.arrived_at, spec.id))
        self._dirty_contacts[spec.id] = None

    def _dequeue(self, record: ContactRecord) -> None:
        """Out of line (offered, gone, moved): heap entries die with the version bump."""
        spec = record.spec
        self._waiting_by_key[spec.queue].discard((record.key, spec.arrived_at, spec.id))
        self._waiting_by_age[spec.queue].discard((spec.arrived_at, spec.id))
        record.version += 1

    def abandon(self, contact_id: int, now: float) -> None:
        """The customer hung up or left while waiting or ringing; a ringing agent stays ready."""
        record = self._contact(contact_id)
        if record.status == HANDLING:
            raise RoutingError("not_waiting", f"contact {contact_id}: already answered")
        if record.status == WAITING:
            self._dequeue(record)
        else:
            self._drop_offer(record, now)
        del self._contacts[contact_id]

    def answer(self, contact_id: int, now: float) -> None:
        record = self._contact(contact_id)
        if record.status != OFFERED or record.agent_id is None:
            raise RoutingError("not_offered", f"contact {contact_id}: not ringing an agent")
        agent = self._agents[record.agent_id]
        self._offer_due.discard((record.deadline, contact_id))
        slot = agent.offered.pop(contact_id)
        agent.handling[contact_id] = slot
        record.status = HANDLING
        record.deadline = None
        self._touch(agent, now)

    def decline(self, contact_id: int, now: float) -> None:
        """The agent refused: the agent goes not-ready, the contact back in its place."""
        self._missed(contact_id, now)

    def expire_offer(self, contact_id: int, now: float) -> None:
        """Nobody answered in time: same as a decline (FreeSWITCH and Wazo leave it stuck)."""
        self._missed(contact_id, now)

    def _missed(self, contact_id: int, now: float) -> None:
        record = self._contact(contact_id)
        if record.status != OFFERED or record.agent_id is None:
            raise RoutingError("not_offered", f"contact {contact_id}: not ringing an agent")
        agent = self._agents[record.agent_id]
        self._drop_offer(record, now)
        self._enqueue(record, now)
        agent.presence = AgentState.NOT_READY
        self._withdraw_offers(agent, now)
        self._touch(agent, now)

    def _drop_offer(self, record: ContactRecord, now: float) -> None:
        """Free the ringing agent's slot (the agent's state is the caller's business)."""
        assert record.agent_id is not None
        agent = self._agents[record.agent_id]
        self._offer_due.discard((record.deadline, record.spec.id))
        slot = agent.offered.pop(record.spec.id)
        self._take_slot(agent, slot, -1, now)
        self._touch(agent, now)

    def _withdraw_offers(self, agent: AgentRecord, now: float) -> None:
        for contact_id in list(agent.offered):
            record = self._contacts[contact_id]
            self._drop_offer(record, now)
            self._enqueue(record, now)

    def release(self, contact_id: int, now: float) -> None:
        """Handling ended: the contact leaves, the agent's slot goes to wrap-up."""
        record = self._contact(contact_id)
        if record.status != HANDLING:
            raise RoutingError("not_handling", f"contact {contact_id}: not being handled")
        self._finish_handling(record, now)
        del self._contacts[contact_id]

    def _finish_handling(self, record: ContactRecord, now: float) -> None:
        assert record.agent_id is not None
        agent = self._agents[record.agent_id]
        slot = agent.handling.pop(record.spec.id)
        if self.wrap_up > 0:
            ends = now + self.wrap_up
            agent.wrapping[record.spec.id] = (slot, ends)
            self._wrap_due.add((ends, agent.spec.id, record.spec.id))
        else:
            self._take_slot(agent, slot, -1, now)
        self._touch(agent, now)

    def end_wrap_up(self, agent_id: int, now: float) -> None:
        """End the agent's wrap-ups that are due; if none is due yet, the agent is ready early
        and all of them end."""
        agent = self._agent(agent_id)
        if not agent.wrapping:
            raise RoutingError("not_in_wrap_up", f"agent {agent_id}: not in wrap-up")
        due = [c for c, (_slot, ends) in agent.wrapping.items() if ends <= now]
        for contact_id in due or list(agent.wrapping):
            self._end_wrap(agent, contact_id, now)
        self._touch(agent, now)

    def _end_wrap(self, agent: AgentRecord, contact_id: int, now: float) -> None:
        slot, ends = agent.wrapping.pop(contact_id)
        self._wrap_due.discard((ends, agent.spec.id, contact_id))
        self._take_slot(agent, slot, -1, now)

    def transfer(self, contact_id: int, to_queue: str, now: float) -> None:
        """Move a contact to another queue in its place (never to the back).

        A handled contact leaves its agent in wrap-up; a ringing one frees the agent (no
        penalty); a waiting one just moves. Relaxation and overflow restart in the new queue.
        """
        record = self._contact(contact_id)
        if to_queue not in self._queues:
            raise RoutingError("unknown_queue", f"transfer of {contact_id}: no queue {to_queue!r}")
        self._leave_agent(record, now, wrap=True)
        record.spec = replace(record.spec, queue=to_queue)
        record.entered_at = now
        self._enqueue(record, now)

    def requeue(self, contact_id: int, now: float) -> None:
        """Back in line in its place and queue (e.g. the agent's line dropped); the agent's
        slot frees at once, without wrap-up or not-ready. A waiting contact is left alone."""
        record = self._contact(contact_id)
        if record.status == WAITING:
            return
        self._leave_agent(record, now, wrap=False)
        self._enqueue(record, now)

    def _leave_agent(self, record: ContactRecord, now: float, wrap: bool) -> None:
        if record.status == WAITING:
            self._dequeue(record)
        elif record.status == OFFERED:
            self._drop_offer(record, now)
        elif wrap:
            self._finish_handling(record, now)
        else:
            assert record.agent_id is not None
            agent = self._agents[record.agent_id]
            slot = agent.handling.pop(record.spec.id)
            self._take_slot(agent, slot, -1, now)
            self._touch(agent, now)

    # ----------------------------------------------------------------- routing
    def _advance(self, now: float) -> None:
        """Contacts whose eligibility grew by ``now`` enter their wider heaps."""
        timers = self._timers
        while timers and timers[0][0] <= now:
            _at, _seq, contact_id, version, stage = heapq.heappop(timers)
            if not self._is_live(contact_id, version):
                continue
            record = self._contacts[contact_id]
            spec = record.spec
            self._heaps.push(spec.queue, stage, spec.medium.slot, record.entry())
            self._dirty_contacts[contact_id] = None

    def route(self, now: float) -> list[Offer]:
        """Make every offer possible now, best contact first; the runtime journals them."""
        self._advance(now)
        pending: list[HeapEntry] = []
        asked_by: dict[int, list[int]] = {}
        for contact_id in self._dirty_contacts:
            record = self._contacts.get(contact_id)
            if record is not None and record.status == WAITING:
                pending.append(record.entry())
        self._dirty_contacts.clear()
        for agent_id in self._dirty_agents:
            self._ask(agent_id, pending, asked_by)
        self._dirty_agents.clear()
        heapq.heapify(pending)
        offers: list[Offer] = []
        while pending:
            _key, _arrived, contact_id, version = heapq.heappop(pending)
            if not self._is_live(contact_id, version):
                continue
            record = self._contacts[contact_id]
            chosen = self._best_agent(record, now)
            if chosen is None:
                continue
            offers.append(self._offer(record, self._agents[chosen], now))
            for asker in (chosen, *asked_by.pop(contact_id, ())):
                self._ask(asker, pending, asked_by, push=True)
        self._dirty_agents.clear()
        return offers

    def _ask(
        self,
        agent_id: int,
        pending: list[HeapEntry],
        asked_by: dict[int, list[int]],
        push: bool = False,
    ) -> None:
        """Queue the best contact a free agent could take, so the loop considers it."""
        if agent_id not in self._free:
            return
        entry = self.best_contact_for(agent_id)
        if entry is None:
            return
        asked_by.setdefault(entry[2], []).append(agent_id)
        if push:
            heapq.heappush(pending, entry)
        else:
            pending.append(entry)

    def best_contact_for(self, agent_id: int) -> HeapEntry | None:
        """The waiting contact with the smallest key this agent may take on a free slot."""
        agent = self._agents[agent_id]
        best: HeapEntry | None = None
        for slot in agent.free_slots():
            for queue, stage in agent.heaps:
                head = self._heaps.head(queue, stage, slot)
                if head is not None and (best is None or head < best):
                    best = head
        return best

    def _best_agent(self, record: ContactRecord, now: float) -> int | None:
        """First group with a free agent wins; in it, the least loaded, longest idle."""
        slot = record.spec.medium.slot
        for stage in self._stages[record.spec.queue]:
            if record.entered_at + stage.after > now:
                continue
            key = self._free.best(stage.skill, slot, stage.low, stage.high)
            if key is not None:
                return key[2]
        return None

    def best_agent_for(self, contact_id: int, now: float) -> int | None:
        """Who would get this waiting contact now (read only; used by benchmarks and tests)."""
        return self._best_agent(self._contact(contact_id), now)

    def _offer(self, record: ContactRecord, agent: AgentRecord, now: float) -> Offer:
        self._dequeue(record)
        spec = record.spec
        slot = spec.medium.slot
        record.status = OFFERED
        record.agent_id = agent.spec.id
        record.deadline = now + self.offer_timeout
        self._offer_due.add((record.deadline, spec.id))
        agent.offered[spec.id] = slot
        self._take_slot(agent, slot, +1, now)
        self._reindex(agent, dirty=False)
        return Offer(spec.id, agent.spec.id, spec.queue, spec.medium, now)

    @classmethod
    def restore(cls, data: dict[str, Any]) -> Router:
        """Rebuild from ``snapshot()`` (or rows shaped like it); call ``route(now)`` next."""
        router = cls(
            [codec.queue_from_dict(q) for q in data["queues"]],
            PriorityWeights.from_dict(data.get("weights", {})),
            offer_timeout=data.get("offer_timeout", 20.0),
            wrap_up=data.get("wrap_up", 30.0),
        )
        for row in data["agents"]:
            router._restore_agent(row)
        for row in data["contacts"]:
            router._restore_contact(row)
        router._rebuild_indexes(skills_changed=False)  # add_agent filed each agent's heaps
        return router

    def _restore_agent(self, row: dict[str, Any]) -> None:
        spec = codec.agent_from_dict(row)
        self.add_agent(spec)
        agent = self._agents[spec.id]
        agent.logged_in = bool(row.get("logged_in", False))
        agent.presence = AgentState(row.get("presence", "logged_out"))
        agent.since = float(row.get("since", 0.0))
        agent.idle_since = float(row.get("idle_since", 0.0))
        for contact_id, slot, ends in row.get("wrapping", ()):
            agent.wrapping[int(contact_id)] = (Medium(slot), float(ends))
            self._wrap_due.add((float(ends), spec.id, int(contact_id)))
        agent.state = agent.shown_state()

    def _restore_contact(self, row: dict[str, Any]) -> None:
        spec = codec.contact_from_dict(row)
        if spec.queue not in self._queues:
            raise RoutingError("unknown_queue", f"contact {spec.id} queue: {spec.queue!r}")
        w = self.weights
        key = priority_key(spec.arrived_at, spec.tier, spec.clv, spec.churn_risk, w)
        record = ContactRecord(spec=spec, key=key, entered_at=float(row["entered_at"]))
        record.status = row.get("status", WAITING)
        if record.status not in (WAITING, OFFERED, HANDLING):
            raise RoutingError("bad_snapshot", f"contact {spec.id} status: {record.status!r}")
        self._contacts[spec.id] = record
        if record.status == WAITING:
            return
        agent_id = row.get("agent_id")
        if agent_id not in self._agents:
            raise RoutingError("bad_snapshot", f"contact {spec.id} agent_id: {agent_id!r}")
        agent = self._agents[agent_id]
        record.agent_id = agent_id
        if record.status == OFFERED:
            record.deadline = float(row["deadline"])
            agent.offered[spec.id] = spec.medium.slot
            self._offer_due.add((record.deadline, spec.id))
        else:
            agent.handling[spec.id] = spec.medium.slot
        agent.state = agent.shown_state()

    def _rebuild_indexes(self, skills_changed: bool = True) -> None:
        """Recount loads and re-file every waiting contact and free agent from the records."""
        self._heaps.clear()
        self._timers.clear()
        for name in self._queues:
            self._waiting_by_key[name] = SortedList()
            self._waiting_by_age[name] = SortedList()
        for agent in self._agents.values():
            if skills_changed:
                agent.heaps = self._heaps_for(agent.spec)
            agent.load = {}
            for slot in (*agent.offered.values(), *agent.handling.values()):
                agent.load[slot] = agent.load.get(slot, 0) + 1
            for slot, _ends in agent.wrapping.values():
                agent.load[slot] = agent.load.get(slot, 0) + 1
        for record in self._contacts.values():
            if record.status == WAITING:
                self._enqueue(record, record.entered_at)
        for agent in self._agents.values():
            self._reindex(agent)
