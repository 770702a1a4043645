"""The ACD router against the cases where the open anchors fail their users (issue 13)."""

from __future__ import annotations

import json

import pytest

from lealtad.contact_engine.routing.errors import RoutingError
from lealtad.contact_engine.routing.model import (
    AgentSpec,
    AgentState,
    ContactSpec,
    Medium,
    Offer,
    QueueSpec,
)
from lealtad.contact_engine.routing.priority import (
    PriorityWeights,
    head_start,
    priority_key,
)
from lealtad.contact_engine.routing.router import Router

VOICE = {Medium.VOICE: 1}
BILLING = QueueSpec("billing", "billing", min_proficiency=5, relax_after=60.0)


def call(contact_id: int, at: float, queue: str = "billing", **kw: object) -> ContactSpec:
    return ContactSpec(contact_id, kw.pop("medium", Medium.VOICE), queue, at, **kw)  # type: ignore[arg-type]


def pairs(offers: list[Offer]) -> list[tuple[int, int]]:
    return [(o.contact_id, o.agent_id) for o in offers]


def router_with(
    agents: list[AgentSpec], queues: list[QueueSpec] | None = None, **kw: float
) -> Router:
    router = Router(queues or [BILLING], **kw)  # type: ignore[arg-type]
    for i, spec in enumerate(agents):
        router.add_agent(spec)
        router.login(spec.id, float(i))  # agent 0 has been idle longest
    return router


# ------------------------------------------------------------------ skills and relaxation
def test_relaxation_lets_a_less_skilled_agent_take_the_call_after_60_seconds():
    router = router_with([AgentSpec(1, {"billing": 2}, VOICE)])
    router.arrive(call(10, 100.0), 100.0)
    assert router.route(100.0) == []
    assert router.next_change(100.0) == 160.0
    assert router.route(159.9) == []
    assert pairs(router.route(160.0)) == [(10, 1)]


def test_an_agent_without_the_skill_never_gets_the_call_even_relaxed():
    router = router_with([AgentSpec(1, {"fraud": 9}, VOICE)])
    router.arrive(call(10, 0.0), 0.0)
    assert router.route(1000.0) == []
    assert [c.id for c in router.waiting("billing")] == [10]


def test_a_skilled_agent_is_preferred_to_a_relaxed_one_even_if_idle_shorter():
    router = router_with([AgentSpec(1, {"billing": 2}, VOICE), AgentSpec(2, {"billing": 8}, VOICE)])
    router.arrive(call(10, 0.0), 0.0)
    router.route(0.0)  # agent 2 took it at once
    router.arrive(call(11, 0.0), 0.0)
    assert router.route(59.0) == []
    assert pairs(router.route(61.0)) == [(11, 1)]


def test_longest_idle_skilled_agent_gets_the_call():
    agents = [AgentSpec(i, {"billing": 5}, VOICE) for i in (1, 2, 3)]
    router = router_with(agents)
    router.arrive(call(10, 5.0), 5.0)
    assert pairs(router.route(5.0)) == [(10, 1)]
    router.arrive(call(11, 6.0), 6.0)
    assert pairs(router.route(6.0)) == [(11, 2)]


def test_overflow_widens_to_another_queue_after_its_time():
    fraud = QueueSpec("fraud", "fraud", overflow=((30.0, "billing"),))
    router = router_with([AgentSpec(1, {"billing": 6}, VOICE)], [BILLING, fraud])
    router.arrive(call(10, 0.0, "fraud"), 0.0)
    assert router.route(29.0) == []
    assert router.next_change(29.0) == 30.0
    offers = router.route(30.0)
    assert pairs(offers) == [(10, 1)] and offers[0].queue == "fraud"


def test_free_agent_takes_the_contact_whose_eligibility_grew_while_it_waited():
    """An agent freed before relaxation is given the call the moment it relaxes."""
    router = router_with([AgentSpec(1, {"billing": 3}, VOICE)])
    router.arrive(call(10, 0.0), 0.0)
    router.route(0.0)
    assert router.route(59.0) == []
    assert pairs(router.route(75.0)) == [(10, 1)]


# ------------------------------------------------------------------ missed offers
def test_a_missed_offer_moves_on_at_once_keeping_its_place_and_the_agent_goes_not_ready():
    router = router_with(
        [AgentSpec(1, {"billing": 5}, VOICE), AgentSpec(2, {"billing": 5}, VOICE)],
        offer_timeout=20.0,
    )
    router.arrive(call(10, 0.0), 0.0)
    router.arrive(call(11, 1.0), 1.0)
    router.arrive(call(12, 2.0), 2.0)
    assert pairs(router.route(2.0)) == [(10, 1), (11, 2)]
    assert router.due(21.9) == []
    assert router.due(22.0) == [("offer_expired", 10), ("offer_expired", 11)]
    router.expire_offer(10, 22.0)
    assert router.agent(1)["state"] == AgentState.NOT_READY
    # contact 10 is ahead of 12 again (its arrival is kept), agent 2 still rings with 11
    assert [c.id for c in router.waiting()] == [10, 12]
    router.answer(11, 22.5)
    router.release(11, 30.0)
    router.end_wrap_up(2, 60.0)
    assert pairs(router.route(60.0)) == [(10, 2)]


def test_a_decline_offers_the_contact_to_the_next_free_agent_in_the_same_routing_pass():
    router = router_with([AgentSpec(1, {"billing": 5}, VOICE), AgentSpec(2, {"billing": 5}, VOICE)])
    router.arrive(call(10, 0.0), 0.0)
    assert pairs(router.route(0.0)) == [(10, 1)]
    router.decline(10, 3.0)
    assert pairs(router.route(3.0)) == [(10, 2)]
    assert router.agent(1)["state"] == AgentState.NOT_READY
    router.set_state(1, AgentState.AVAILABLE, 4.0)
    assert router.agent(1)["state"] == AgentState.AVAILABLE


def test_expiring_an_answered_contact_is_refused_with_a_code():
    router = router_with([AgentSpec(1, {"billing": 5}, VOICE)])
    router.arrive(call(10, 0.0), 0.0)
    router.route(0.0)
    router.answer(10, 1.0)
    with pytest.raises(RoutingError) as caught:
        router.expire_offer(10, 21.0)
    assert caught.value.code == "not_offered"
    assert router.due(100.0) == []


# ------------------------------------------------------------------ call-backs
def test_a_callback_keeps_its_place_and_never_goes_ahead_of_earlier_callers():
    router = router_with([AgentSpec(1, {"billing": 5}, VOICE)])
    router.arrive(call(10, 100.0), 100.0)  # waiting caller
    router.arrive(call(11, 50.0, medium=Medium.CALLBACK), 120.0)  # asked at 50 to be called back
    router.arrive(call(12, 110.0, medium=Medium.CALLBACK), 120.0)
    router.arrive(call(13, 115.0), 120.0)
    assert [c.id for c in router.waiting()] == [11, 10, 12, 13]
    assert pairs(router.route(120.0)) == [(11, 1)]  # one free voice agent: one dialled
    router.answer(11, 121.0)
    router.release(11, 200.0)
    router.end_wrap_up(1, 230.0)
    assert pairs(router.route(230.0)) == [(10, 1)]


def test_callbacks_are_never_dialled_beyond_the_free_voice_agents():
    router = router_with(
        [
            AgentSpec(1, {"billing": 5}, VOICE),
            AgentSpec(2, {"billing": 5}, {Medium.CHAT: 3, Medium.EMAIL: 2}),
        ]
    )
    for i in range(5):
        router.arrive(call(10 + i, float(i), medium=Medium.CALLBACK), 10.0)
    offers = router.route(10.0)
    assert pairs(offers) == [(10, 1)]
    assert router.agent(2)["load"] == {}


def test_a_voicemail_uses_a_voice_slot():
    router = router_with([AgentSpec(1, {"billing": 5}, VOICE)])
    router.arrive(call(10, 0.0, medium=Medium.VOICEMAIL), 0.0)
    router.arrive(call(11, 1.0), 1.0)
    assert pairs(router.route(1.0)) == [(10, 1)]
    assert router.agent(1)["load"] == {"voice": 1}


# ------------------------------------------------------------------ capacity across media
def test_three_chats_and_two_emails_but_never_more_than_the_total():
    agent = AgentSpec(1, {"billing": 5}, {Medium.CHAT: 3, Medium.EMAIL: 2}, max_total=4)
    router = router_with([agent])
    for i in range(4):
        router.arrive(call(10 + i, float(i), medium=Medium.CHAT), 5.0)
    for i in range(3):
        router.arrive(call(20 + i, 4.0 + i, medium=Medium.EMAIL), 5.0)
    offers = router.route(5.0)
    assert pairs(offers) == [(10, 1), (11, 1), (12, 1), (20, 1)]
    assert router.agent(1)["load"] == {"chat": 3, "email": 1}
    router.answer(10, 6.0)
    router.release(10, 7.0)
    assert router.route(8.0) == []  # the chat's wrap-up still holds the slot
    router.end_wrap_up(1, 37.0)
    assert pairs(router.route(37.0)) == [(13, 1)]


def test_a_voice_agent_takes_one_call_only():
    router = router_with([AgentSpec(1, {"billing": 5}, VOICE)])
    router.arrive(call(10, 0.0), 0.0)
    router.arrive(call(11, 0.0), 0.0)
    assert pairs(router.route(0.0)) == [(10, 1)]


def test_chats_are_balanced_least_loaded_agent_first():
    chat = {Medium.CHAT: 3}
    router = router_with([AgentSpec(1, {"billing": 5}, chat), AgentSpec(2, {"billing": 5}, chat)])
    for i in range(4):
        router.arrive(call(10 + i, float(i), medium=Medium.CHAT), 10.0)
    assert pairs(router.route(10.0)) == [(10, 1), (11, 2), (12, 1), (13, 2)]


# ------------------------------------------------------------------ transfers and requeues
def test_a_transfer_keeps_the_place_in_line_in_the_new_queue():
    fraud = QueueSpec("fraud", "fraud")
    router = router_with(
        [AgentSpec(1, {"billing": 5}, VOICE), AgentSpec(2, {"fraud": 5}, VOICE)], [BILLING, fraud]
    )
    router.arrive(call(10, 0.0), 0.0)
    router.route(0.0)
    router.answer(10, 1.0)
    router.arrive(call(20, 2.0, "fraud"), 2.0)
    router.route(2.0)
    router.answer(20, 3.0)
    router.arrive(call(21, 50.0, "fraud"), 50.0)  # a caller who came later
    router.transfer(10, "fraud", 100.0)
    assert router.agent(1)["state"] == AgentState.WRAP_UP
    assert [c.id for c in router.waiting("fraud")] == [10, 21]
    router.release(20, 110.0)
    router.end_wrap_up(2, 140.0)
    assert pairs(router.route(140.0)) == [(10, 2)]


def test_requeue_puts_the_contact_back_in_its_place_and_frees_the_agent_without_penalty():
    router = router_with([AgentSpec(1, {"billing": 5}, VOICE)])
    router.arrive(call(10, 0.0), 0.0)
    router.route(0.0)
    router.answer(10, 1.0)
    router.arrive(call(11, 5.0), 5.0)
    router.requeue(10, 9.0)
    assert router.agent(1)["state"] == AgentState.AVAILABLE
    assert pairs(router.route(9.0)) == [(10, 1)]


# ------------------------------------------------------------------ value tiers
def test_value_tiers_are_served_first_within_the_bounded_head_start():
    router = router_with([AgentSpec(1, {"billing": 5}, VOICE)])
    router.set_state(1, AgentState.BREAK, 0.0)
    router.arrive(call(10, 0.0), 0.0)  # regular, early
    router.arrive(call(11, 50.0, tier="mvc"), 50.0)  # mvc, 50 s later: 60 s head start
    router.arrive(call(12, 100.0, tier="mvc"), 100.0)  # mvc, 100 s later: behind the regular
    router.arrive(call(13, 25.0, tier="mgc"), 100.0)  # 30 s head start: before the regular
    assert [c.id for c in router.waiting()] == [11, 13, 10, 12]


def test_the_head_start_is_capped_so_a_regular_caller_is_never_starved():
    weights = PriorityWeights(clv_seconds_per_unit=1.0, churn_seconds=500.0, cap_seconds=120.0)
    assert head_start("mvc", 1_000_000.0, 1.0, weights) == 120.0
    assert head_start("no-such-tier", -5.0, -1.0, weights) == 0.0
    assert priority_key(1000.0, "mvc", 1e9, 1.0, weights) == 880.0
    # a regular who waited longer than the cap is ahead of any valuable newcomer
    assert priority_key(0.0, "regular", 0, 0, weights) < priority_key(120.1, "mvc", 1e9, 1, weights)


def test_priority_weights_refuse_negative_seconds():
    with pytest.raises(ValueError, match="cap_seconds"):
        PriorityWeights(cap_seconds=-1.0)
    with pytest.raises(ValueError, match="tier_seconds"):
        PriorityWeights(tier_seconds={"mvc": -3.0})


# ------------------------------------------------------------------ agent states
def test_a_break_chosen_mid_call_shows_after_the_wrap_up_and_stops_new_offers():
    router = router_with([AgentSpec(1, {"billing": 5}, VOICE)], wrap_up=30.0)
    router.arrive(call(10, 0.0), 0.0)
    router.route(0.0)
    router.answer(10, 1.0)
    router.set_state(1, AgentState.BREAK, 2.0)
    assert router.agent(1)["state"] == AgentState.BUSY
    router.release(10, 60.0)
    assert router.agent(1)["state"] == AgentState.WRAP_UP
    assert router.due(90.0) == [("wrap_up_ended", 1)]
    router.end_wrap_up(1, 90.0)
    assert router.agent(1)["state"] == AgentState.BREAK
    router.arrive(call(11, 91.0), 91.0)
    assert router.route(91.0) == []


def test_illegal_moves_are_refused_with_a_code_and_change_nothing():
    router = router_with([AgentSpec(1, {"billing": 5}, VOICE)])
    before = router.snapshot()
    cases = [
        (lambda: router.set_state(1, AgentState.BUSY, 1.0), "illegal_state"),
        (lambda: router.set_state(1, "vacation", 1.0), "illegal_state"),
        (lambda: router.set_state(1, "dancing", 1.0), "illegal_state"),
        (lambda: router.set_state(9, AgentState.BREAK, 1.0), "unknown_agent"),
        (lambda: router.login(1, 1.0), "already_logged_in"),
        (lambda: router.arrive(call(10, 0.0, "nowhere"), 1.0), "unknown_queue"),
        (lambda: router.answer(77, 1.0), "unknown_contact"),
        (lambda: router.end_wrap_up(1, 1.0), "not_in_wrap_up"),
        (lambda: router.add_agent(AgentSpec(1, {}, VOICE)), "duplicate_agent"),
    ]
    for action, code in cases:
        with pytest.raises(RoutingError) as caught:
            action()
        assert caught.value.code == code
    assert router.snapshot() == before


def test_logout_is_refused_while_handling_and_gives_a_ringing_offer_back():
    router = router_with([AgentSpec(1, {"billing": 5}, VOICE), AgentSpec(2, {"billing": 5}, VOICE)])
    router.arrive(call(10, 0.0), 0.0)
    router.arrive(call(11, 1.0), 1.0)
    router.route(1.0)
    router.answer(10, 2.0)
    with pytest.raises(RoutingError, match="still handling"):
        router.logout(1, 3.0)
    router.logout(2, 3.0)  # contact 11 was ringing at agent 2
    assert [c.id for c in router.waiting()] == [11]
    assert router.agent(2)["state"] == AgentState.LOGGED_OUT


def test_abandon_while_ringing_leaves_the_agent_ready():
    router = router_with([AgentSpec(1, {"billing": 5}, VOICE)])
    router.arrive(call(10, 0.0), 0.0)
    router.arrive(call(11, 1.0), 1.0)
    router.route(1.0)
    router.abandon(10, 4.0)
    assert router.agent(1)["state"] == AgentState.AVAILABLE
    assert pairs(router.route(4.0)) == [(11, 1)]
    assert router.due(1000.0) == [("offer_expired", 11)]


def test_bad_specs_name_the_field():
    with pytest.raises(ValueError, match="min_proficiency"):
        QueueSpec("q", "s", min_proficiency=11)
    with pytest.raises(ValueError, match=r"skills\['s'\]"):
        AgentSpec(1, {"s": 0})
    with pytest.raises(ValueError, match="churn_risk"):
        ContactSpec(1, Medium.VOICE, "q", 0.0, churn_risk=2.0)
    with pytest.raises(RoutingError, match="overflow"):
        Router([QueueSpec("a", "s", overflow=((5.0, "b"),))])


# ------------------------------------------------------------------ read side and restart
def test_stats_count_waiting_longest_wait_and_the_queues_agents():
    router = router_with([AgentSpec(1, {"billing": 5}, VOICE), AgentSpec(2, {"billing": 2}, VOICE)])
    router.arrive(call(10, 0.0), 0.0)
    router.arrive(call(11, 3.0), 3.0)
    router.route(3.0)
    router.answer(10, 4.0)
    row = router.stats(10.0)["billing"]
    assert row == {
        "waiting": 1.0,
        "longest_wait": 7.0,
        "logged_in": 1.0,  # agent 2 is below the queue's proficiency
        "available": 0.0,
        "busy": 1.0,
        "wrap_up": 0.0,
    }


def test_a_restored_router_makes_the_same_offers():
    def build() -> Router:
        fraud = QueueSpec("fraud", "fraud", overflow=((30.0, "billing"),))
        router = router_with(
            [
                AgentSpec(1, {"billing": 5}, VOICE),
                AgentSpec(2, {"billing": 3, "fraud": 4}, {Medium.CHAT: 2, Medium.VOICE: 1}, 2),
            ],
            [BILLING, fraud],
        )
        router.arrive(call(10, 0.0), 0.0)
        router.arrive(call(11, 1.0, "fraud", medium=Medium.CHAT), 1.0)
        router.arrive(call(12, 2.0), 2.0)
        router.route(2.0)
        router.answer(10, 3.0)
        router.release(10, 5.0)
        return router

    live = build()
    restored = Router.restore(json.loads(json.dumps(live.snapshot())))
    assert restored.snapshot() == live.snapshot()
    for router in (live, restored):
        router.arrive(call(13, 6.0, "fraud"), 6.0)
    assert pairs(live.route(70.0)) == pairs(restored.route(70.0))
    assert live.due(100.0) == restored.due(100.0)
    assert live.snapshot() == restored.snapshot()


def test_the_documented_example_runs_as_the_docs_say():
    """docs/contactcenter-routing.md, "An example": the table is this run."""
    fraud = QueueSpec("fraud", "fraud", overflow=((30.0, "billing"),))
    router = Router([BILLING, fraud])
    router.add_agent(AgentSpec(1, {"billing": 7}))  # Ana
    router.add_agent(AgentSpec(2, {"billing": 3}))  # Ben
    router.add_agent(AgentSpec(3, {"billing": 6, "fraud": 5}, {Medium.CHAT: 3, Medium.EMAIL: 2}, 3))
    for agent_id in (1, 2, 3):
        router.login(agent_id, 0.0)
    router.arrive(call(100, 5.0), 5.0)
    assert pairs(router.route(5.0)) == [(100, 1)]
    router.arrive(call(101, 6.0, tier="mvc"), 6.0)
    assert router.route(6.0) == [] and router.next_change(6.0) == 25.0
    assert router.due(25.0) == [("offer_expired", 100)]
    router.expire_offer(100, 25.0)
    assert router.route(25.0) == [] and router.agent(1)["state"] == AgentState.NOT_READY
    assert [c.id for c in router.waiting()] == [101, 100] and router.next_change(25.0) == 65.0
    assert pairs(router.route(65.0)) == [(100, 2)]
    router.set_state(1, AgentState.AVAILABLE, 70.0)
    assert pairs(router.route(70.0)) == [(101, 1)]
    router.arrive(call(102, 71.0, "fraud", medium=Medium.CHAT), 71.0)
    assert pairs(router.route(71.0)) == [(102, 3)] and router.agent(3)["load"] == {"chat": 1}


def test_new_skills_take_effect_at_once_and_queues_can_be_reconfigured():
    router = router_with([AgentSpec(1, {"fraud": 5}, VOICE)])
    assert router.next_change(0.0) == 0.0  # a login not yet routed: call route now
    assert router.route(0.0) == []
    assert router.next_change(0.0) is None  # nothing waits, nothing rings
    router.arrive(call(10, 0.0), 0.0)
    assert router.route(0.0) == []
    router.update_agent(AgentSpec(1, {"fraud": 5, "billing": 5}, VOICE))
    assert pairs(router.route(1.0)) == [(10, 1)]
    router.arrive(call(11, 2.0), 2.0)
    with pytest.raises(RoutingError) as caught:
        router.set_queues([QueueSpec("fraud", "fraud")])
    assert caught.value.code == "queue_in_use"
    router.set_queues([QueueSpec("billing", "fraud")])  # billing now served by fraud agents
    router.decline(10, 3.0)
    assert [c.id for c in router.waiting("billing")] == [10, 11]
