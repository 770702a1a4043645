"""Random days at the ACD: the router's promises hold whatever the order of events.

A plain model kept by the test (who rings whom, who is busy, since when a contact waits in
its queue) is compared with the router after every step: no contact is offered to two
agents, no agent goes over its capacity, and once a routing pass is done no free, ready
agent is left beside a waiting contact it may take. A snapshot restores to an equal router.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from lealtad.contact_engine.routing.errors import RoutingError
from lealtad.contact_engine.routing.model import (
    AgentSpec,
    AgentState,
    ContactSpec,
    Medium,
    QueueSpec,
)
from lealtad.contact_engine.routing.router import Router

QUEUES = [
    QueueSpec("billing", "billing", min_proficiency=5, relax_after=60.0),
    QueueSpec("fraud", "fraud", overflow=((30.0, "billing"),)),
    QueueSpec(
        "premier", "premier", min_proficiency=3, relax_after=None, overflow=((20.0, "fraud"),)
    ),
]
BY_NAME = {q.name: q for q in QUEUES}
CAPACITIES = [
    ({Medium.VOICE: 1}, None),
    ({Medium.CHAT: 3, Medium.EMAIL: 2}, 3),
    ({Medium.VOICE: 1, Medium.CHAT: 2}, 2),
]
skills = st.dictionaries(
    st.sampled_from(["billing", "fraud", "premier"]), st.sampled_from([1, 2, 3, 4, 5, 9])
)
agent_specs = st.lists(
    st.tuples(skills, st.sampled_from(range(len(CAPACITIES)))), min_size=1, max_size=4
)


@dataclass
class Seen:
    """What the test knows of a contact from the calls it made and the offers it got."""

    spec: ContactSpec
    entered: float
    status: str = "waiting"
    agent: int | None = None


@dataclass
class Desk:
    spec: AgentSpec
    logged_in: bool = False
    ready: bool = False
    contacts: set[int] = field(default_factory=set)


def eligible(agent: AgentSpec, seen: Seen, now: float) -> bool:
    queue = BY_NAME[seen.spec.queue]
    waited = now - seen.entered
    skill = agent.skills.get(queue.skill, 0)
    if skill >= queue.min_proficiency:
        return True
    if skill >= 1 and queue.relax_after is not None and waited >= queue.relax_after:
        return True
    for after, target in queue.overflow:
        other = BY_NAME[target]
        if waited >= after and agent.skills.get(other.skill, 0) >= other.min_proficiency:
            return True
    return False


class ACD(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.router = Router(QUEUES, offer_timeout=15.0, wrap_up=10.0)
        self.now = 0.0
        self.next_id = 1
        self.seen: dict[int, Seen] = {}
        self.desks: dict[int, Desk] = {}

    @initialize(specs=agent_specs)
    def staff(self, specs: list[tuple[dict[str, int], int]]) -> None:
        for i, (agent_skills, which) in enumerate(specs, start=1):
            capacity, total = CAPACITIES[which]
            spec = AgentSpec(i, agent_skills, capacity, total)
            self.router.add_agent(spec)
            self.desks[i] = Desk(spec)
            self.router.login(i, self.now)
            self.desks[i].logged_in = self.desks[i].ready = True
        self.route()

    # -------------------------------------------------------------- helpers
    def route(self) -> None:
        for offer in self.router.route(self.now):
            seen = self.seen[offer.contact_id]
            assert seen.status == "waiting", f"contact {offer.contact_id} offered twice"
            desk = self.desks[offer.agent_id]
            assert desk.ready and eligible(desk.spec, seen, self.now)
            seen.status, seen.agent = "offered", offer.agent_id
            desk.contacts.add(offer.contact_id)

    def pick(self, data: st.DataObject, status: str) -> int | None:
        ids = sorted(c for c, s in self.seen.items() if s.status == status)
        return data.draw(st.sampled_from(ids)) if ids else None

    def back_in_line(self, contact_id: int) -> None:
        seen = self.seen[contact_id]
        if seen.agent is not None:
            self.desks[seen.agent].contacts.discard(contact_id)
        seen.status, seen.agent = "waiting", None

    # -------------------------------------------------------------- rules
    @rule(
        queue=st.sampled_from([q.name for q in QUEUES]),
        medium=st.sampled_from(list(Medium)),
        tier=st.sampled_from(["regular", "mvc", "mgc", "unknown"]),
        earlier=st.floats(0, 100),
    )
    def arrive(self, queue: str, medium: Medium, tier: str, earlier: float) -> None:
        back = earlier if medium is Medium.CALLBACK else 0.0
        spec = ContactSpec(self.next_id, medium, queue, self.now - back, tier=tier)
        self.next_id += 1
        self.router.arrive(spec, self.now)
        self.seen[spec.id] = Seen(spec, self.now)
        self.route()

    @rule(
        seconds=st.sampled_from([1.0, 10.0, 15.0, 20.0, 30.0, 60.0, 61.0]) | st.floats(0.5, 90.0),
        apply_due=st.booleans(),
    )
    def wait(self, seconds: float, apply_due: bool) -> None:
        self.now += seconds
        if apply_due:
            for kind, ident in self.router.due(self.now):
                if kind == "offer_expired":
                    if self.seen[ident].status != "offered":
                        continue  # withdrawn when its agent missed another offer just now
                    agent = self.seen[ident].agent
                    self.router.expire_offer(ident, self.now)
                    self.back_in_line(ident)
                    assert agent is not None
                    self.desks[agent].ready = False
                    for other in [
                        c for c in self.desks[agent].contacts if self.seen[c].status == "offered"
                    ]:
                        self.back_in_line(other)
                else:
                    self.router.end_wrap_up(ident, self.now)
        self.route()

    @rule(data=st.data())
    def answer(self, data: st.DataObject) -> None:
        contact_id = self.pick(data, "offered")
        if contact_id is not None:
            self.router.answer(contact_id, self.now)
            self.seen[contact_id].status = "handling"
            self.route()

    @rule(data=st.data())
    def decline(self, data: st.DataObject) -> None:
        contact_id = self.pick(data, "offered")
        if contact_id is None:
            return
        agent = self.seen[contact_id].agent
        assert agent is not None
        self.router.decline(contact_id, self.now)
        self.desks[agent].ready = False
        for other in list(self.desks[agent].contacts):
            if self.seen[other].status == "offered":
                self.back_in_line(other)
        self.back_in_line(contact_id)
        self.route()

    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        contact_id = self.pick(data, "handling")
        if contact_id is not None:
            self.router.release(contact_id, self.now)
            seen = self.seen.pop(contact_id)
            assert seen.agent is not None
            self.desks[seen.agent].contacts.discard(contact_id)
            self.route()

    @rule(data=st.data(), status=st.sampled_from(["waiting", "offered"]))
    def abandon(self, data: st.DataObject, status: str) -> None:
        contact_id = self.pick(data, status)
        if contact_id is not None:
            self.router.abandon(contact_id, self.now)
            self.back_in_line(contact_id)
            del self.seen[contact_id]
            self.route()

    @rule(data=st.data(), to=st.sampled_from([q.name for q in QUEUES]))
    def transfer(self, data: st.DataObject, to: str) -> None:
        status = data.draw(st.sampled_from(["waiting", "offered", "handling"]))
        contact_id = self.pick(data, status)
        if contact_id is None:
            return
        self.router.transfer(contact_id, to, self.now)
        self.back_in_line(contact_id)
        seen = self.seen[contact_id]
        seen.spec = ContactSpec(
            seen.spec.id, seen.spec.medium, to, seen.spec.arrived_at, seen.spec.tier
        )
        seen.entered = self.now
        self.route()

    @rule(agent=st.integers(1, 4), state=st.sampled_from(list(AgentState)))
    def change_state(self, agent: int, state: AgentState) -> None:
        desk = self.desks.get(agent)
        before = self.router.snapshot()
        try:
            if state is AgentState.LOGGED_OUT:
                self.router.logout(agent, self.now)
            elif desk is not None and not desk.logged_in:
                self.router.login(agent, self.now, state)
            else:
                self.router.set_state(agent, state, self.now)
        except RoutingError:
            assert self.router.snapshot() == before, "a refusal changed the router"
            return
        assert desk is not None
        desk.logged_in = state is not AgentState.LOGGED_OUT
        desk.ready = state is AgentState.AVAILABLE
        if not desk.ready:
            for other in list(desk.contacts):
                if self.seen[other].status == "offered":
                    self.back_in_line(other)
        self.route()

    # -------------------------------------------------------------- invariants
    @invariant()
    def nobody_over_capacity(self) -> None:
        for agent_id, desk in self.desks.items():
            view = self.router.agent(agent_id)
            mine = sorted(c for c in desk.contacts)
            assert sorted(view["offered"] + view["handling"]) == mine
            load: dict[str, int] = {}
            for contact_id in mine + view["wrapping"]:
                medium = self.seen[contact_id].spec.medium.slot if contact_id in self.seen else None
                if medium is not None:
                    load[medium] = load.get(medium, 0) + 1
            for medium, count in load.items():
                assert count <= desk.spec.capacity.get(Medium(medium), 0)
            total = sum(view["load"].values())
            assert desk.spec.max_total is None or total <= desk.spec.max_total
            for medium, count in view["load"].items():
                assert count <= desk.spec.capacity.get(Medium(medium), 0)

    @invariant()
    def no_free_agent_beside_a_contact_it_may_take(self) -> None:
        for desk in self.desks.values():
            if not (desk.logged_in and desk.ready):
                continue
            view = self.router.agent(desk.spec.id)
            load = {Medium(m): n for m, n in view["load"].items()}
            if desk.spec.max_total is not None and sum(load.values()) >= desk.spec.max_total:
                continue
            for seen in self.seen.values():
                slot = seen.spec.medium.slot
                if seen.status != "waiting" or load.get(slot, 0) >= desk.spec.capacity.get(slot, 0):
                    continue
                assert not eligible(desk.spec, seen, self.now), (
                    f"agent {desk.spec.id} free beside contact {seen.spec.id}"
                )

    @invariant()
    def waiting_list_matches(self) -> None:
        waiting = sorted(c.id for c in self.router.waiting())
        assert waiting == sorted(c for c, s in self.seen.items() if s.status == "waiting")

    @invariant()
    def snapshot_restores_to_an_equal_router(self) -> None:
        snapshot = self.router.snapshot()
        assert Router.restore(snapshot).snapshot() == snapshot


ACD.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestACD = ACD.TestCase
