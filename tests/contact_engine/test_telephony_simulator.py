"""The switch simulator behaves like a PBX: trunks, patience, talk, hold, transfer,
conference, outbound outcomes, IVR digits, restarts — and is deterministic by seed."""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lealtad.contact_engine.telephony import (
    AbandonedWhere,
    ArrivalCurve,
    CallAbandoned,
    CallAnswered,
    CallBlocked,
    CallConferenced,
    CallDialled,
    CallerProfile,
    CallEvent,
    CallFailed,
    CallHeld,
    CallOffered,
    CallReleased,
    CallRetrieved,
    CallTransferred,
    DialOutcome,
    DialProfile,
    DigitsCollected,
    Direction,
    ReleasedBy,
    SwitchConfig,
    SwitchRestarted,
    SwitchSimulator,
    TelephonyAdapter,
    TelephonyError,
    TransferMode,
)

PHONES = ("a1", "a2", "a3")


def quiet(**kwargs) -> SwitchSimulator:
    """A switch with no arrivals of its own: the test places the calls."""
    config = SwitchConfig(phones=PHONES, **kwargs)
    return SwitchSimulator(config, seed=7)


def one_call(sim: SwitchSimulator, *, talk: float = 300.0, patience: float = 1e9) -> str:
    ref = sim.place_call("+593991111111", "general", patience=patience, talk=talk)
    offered = sim.take_events()
    assert [type(e) for e in offered] == [CallOffered] and offered[0].call_ref == ref
    return ref


def busy_day(seed: int = 3, **kwargs) -> SwitchSimulator:
    config = SwitchConfig(
        phones=PHONES,
        arrivals=ArrivalCurve.flat(calls_per_hour=120, hours=2),
        callers=CallerProfile(known_numbers=("+593991111111", "+593992222222")),
        **kwargs,
    )
    return SwitchSimulator(config, seed=seed)


def test_the_simulator_is_a_telephony_adapter():
    assert isinstance(quiet(), TelephonyAdapter)


def test_same_seed_same_day_and_callers_do_not_depend_on_the_agents():
    idle = busy_day().advance(7200)
    again = busy_day().advance(7200)
    assert idle == again and len(idle) > 100
    # a day where every caller is answered at once has the same callers at the same times
    sim = busy_day(trunks=500)
    answered_day = []
    free = list(PHONES)
    event_agent: dict[str, str] = {}
    while sim.now < 7200:
        for event in sim.advance(min(7200, sim.now + 1)):
            answered_day.append(event)
            if isinstance(event, CallOffered) and free:
                event_agent[event.call_ref] = free.pop()
                sim.answer(event.call_ref, event_agent[event.call_ref])
            if isinstance(event, CallReleased | CallAbandoned) and event.call_ref in event_agent:
                free.append(event_agent.pop(event.call_ref))

    def offers(events):
        return [(e.at, e.caller_id, e.queue) for e in events if isinstance(e, CallOffered)]

    assert offers(answered_day) == offers(idle)
    assert any(isinstance(e, CallAnswered) for e in answered_day)


def test_arrivals_follow_the_curve():
    curve = ArrivalCurve(900, (0.0, 400.0, 0.0, 100.0))
    sim = SwitchSimulator(SwitchConfig(trunks=10_000, arrivals=curve), seed=11)
    offered = [e for e in sim.advance(3600) if isinstance(e, CallOffered)]
    seconds = [(e.at - sim.config.start).total_seconds() for e in offered]
    per_interval = Counter(int(s // 900) for s in seconds)
    assert per_interval[0] == 0 and per_interval[2] == 0
    assert 340 <= per_interval[1] <= 460  # Poisson(400): about ±3 standard deviations
    assert 70 <= per_interval[3] <= 130
    later = sim.advance(7200)
    assert not any(isinstance(e, CallOffered) for e in later)  # the curve has ended


def test_a_switch_can_open_in_the_middle_of_the_day():
    curve = ArrivalCurve.typical_day(5000)
    sim = SwitchSimulator(SwitchConfig(trunks=10_000, arrivals=curve), seed=4, now=15 * 3600.0)
    first = sim.advance(15 * 3600.0 + 600)
    assert first and all(e.at >= sim.at(15 * 3600.0) for e in first)
    with pytest.raises(ValueError, match="now"):
        SwitchSimulator(SwitchConfig(), now=-1)


def test_typical_day_is_closed_at_night_and_peaks_in_the_morning():
    curve = ArrivalCurve.typical_day(2000)
    assert sum(curve.expected) == pytest.approx(2000)
    assert curve.rate_at(3 * 3600) == 0.0
    assert curve.rate_at(10.5 * 3600) > curve.rate_at(16 * 3600) > curve.rate_at(19.9 * 3600)
    assert curve.repeat and curve.rate_at(86400 + 10.5 * 3600) == curve.rate_at(10.5 * 3600)


def test_all_trunks_busy_blocks_the_caller():
    sim = SwitchSimulator(
        SwitchConfig(
            trunks=2,
            arrivals=ArrivalCurve.flat(600),
            callers=CallerProfile(patience_mean=1e6),
        ),
        seed=1,
    )
    events = sim.advance(600)
    offered = [e for e in events if isinstance(e, CallOffered)]
    blocked = [e for e in events if isinstance(e, CallBlocked)]
    assert len(offered) == 2  # nobody answers and nobody gives up: two trunks stay taken
    assert len(blocked) == sim.stats.blocked > 50
    assert blocked[0].dialled == "line-general" and blocked[0].seq == 1


def test_callers_abandon_after_their_patience():
    sim = SwitchSimulator(
        SwitchConfig(
            trunks=10_000,
            arrivals=ArrivalCurve.flat(3600, hours=2),
            callers=CallerProfile(patience_mean=40.0),
        ),
        seed=5,
    )
    events = sim.advance(7200 + 2000)
    offered = {e.call_ref for e in events if isinstance(e, CallOffered)}
    abandoned = [e for e in events if isinstance(e, CallAbandoned)]
    assert {e.call_ref for e in abandoned} == offered  # every one, exactly once
    assert len(abandoned) == len(offered)
    assert statistics.mean(e.waited for e in abandoned) == pytest.approx(40.0, rel=0.08)
    assert all(e.where is AbandonedWhere.QUEUE and e.seq == 2 for e in abandoned)


def test_answer_talk_and_the_caller_hangs_up():
    sim = quiet()
    ref = one_call(sim, talk=120.0)
    sim.answer(ref, "a1")
    answered = sim.take_events()
    assert [type(e) for e in answered] == [CallAnswered]
    assert answered[0].agent == "a1" and answered[0].seq == 2
    with pytest.raises(TelephonyError) as busy:
        sim.answer(one_call(sim), "a1")
    assert busy.value.field == "agent"
    events = sim.advance(100_000)
    released = [e for e in events if e.call_ref == ref]
    assert len(released) == 1 and isinstance(released[0], CallReleased)
    assert released[0].by is ReleasedBy.CALLER and released[0].seq == 3
    assert sim.phones["a1"] == ""  # the phone is free for the next call


def test_commands_name_what_is_wrong():
    sim = quiet()
    ref = one_call(sim)
    cases = [
        (lambda: sim.answer("nope", "a1"), "call_ref"),
        (lambda: sim.answer(ref, "ghost"), "agent"),
        (lambda: sim.hold(ref, "a1"), "agent"),  # a1 is not on the call
        (lambda: sim.dial(""), "number"),
        (lambda: sim.dial("+593990000000"), "queue"),
        (lambda: sim.collect(ref, "menu", max_digits=0, timeout=5), "max_digits"),
    ]
    for command, field in cases:
        with pytest.raises(TelephonyError) as error:
            command()
        assert error.value.field == field
    assert sim.take_events() == []  # a refused command changes nothing
    sim.answer(ref, "a1")
    with pytest.raises(TelephonyError, match="not waiting"):
        sim.answer(ref, "a2")
    with pytest.raises(TelephonyError, match="not on hold"):
        sim.retrieve(ref, "a1")
    with pytest.raises(TelephonyError) as both:
        sim.transfer(ref, "a1", to_agent="a2", to_queue="billing")
    assert both.value.field == "to_agent"


def test_answer_delay_rings_and_a_caller_can_give_up_while_it_rings():
    sim = quiet(answer_delay=5.0)
    ref = one_call(sim, patience=1e9)
    sim.answer(ref, "a1")
    assert sim.take_events() == [] and sim.phones["a1"] == ref
    assert isinstance(sim.advance(sim.now + 5)[0], CallAnswered)
    # a caller with no patience left hangs up while the phone rings: the phone is freed
    sim2 = quiet(answer_delay=5.0)
    impatient = one_call(sim2, patience=2.0)
    sim2.answer(impatient, "a2")
    events = sim2.advance(sim2.now + 10)
    assert len(events) == 1 and isinstance(events[0], CallAbandoned)
    assert events[0].where is AbandonedWhere.RINGING and sim2.phones["a2"] == ""


def test_hold_pauses_the_talk_and_retrieve_resumes_it():
    sim = quiet()
    ref = one_call(sim, talk=100.0)
    talk = sim.calls[ref].talk_left
    sim.answer(ref, "a1")
    sim.advance(sim.now + talk / 2)
    sim.hold(ref, "a1")
    assert isinstance(sim.take_events()[-1], CallHeld)
    assert sim.advance(sim.now + 10 * talk + 1000) == []  # no hang-up while on hold
    sim.retrieve(ref, "a1")
    assert isinstance(sim.take_events()[0], CallRetrieved)
    start = sim.now
    events = sim.advance(start + talk)
    assert isinstance(events[0], CallReleased)
    assert (events[0].at - sim.at(start)).total_seconds() == pytest.approx(talk / 2, abs=1e-6)


def test_transfer_to_an_agent_and_back_to_a_queue():
    sim = quiet()
    ref = one_call(sim, talk=1e6)
    sim.answer(ref, "a1")
    sim.transfer(ref, "a1", to_agent="a2", mode=TransferMode.CONSULT)
    [moved] = [e for e in sim.take_events() if isinstance(e, CallTransferred)]
    assert (moved.agent, moved.to_agent, moved.mode) == ("a1", "a2", TransferMode.CONSULT)
    assert sim.phones == {"a1": "", "a2": ref, "a3": ""}
    sim.transfer(ref, "a2", to_queue="billing")
    [back] = sim.take_events()
    assert back.to_queue == "billing" and sim.phones["a2"] == ""
    sim.answer(ref, "a3")  # waiting again: another agent takes it
    assert isinstance(sim.take_events()[0], CallAnswered)
    assert [e.seq for e in (moved, back)] == [3, 4]


def test_conference_and_leaving_it():
    sim = quiet()
    ref = one_call(sim, talk=1e6)
    sim.answer(ref, "a1")
    sim.conference(ref, "a1", "a2")
    [joined] = [e for e in sim.take_events() if isinstance(e, CallConferenced)]
    assert (joined.agent, joined.party) == ("a1", "a2")
    sim.release(ref, "a1")
    [left] = sim.take_events()
    assert isinstance(left, CallReleased) and not left.call_ended and left.agent == "a1"
    assert sim.phones["a1"] == "" and sim.phones["a2"] == ref
    sim.release(ref, "a2")
    [ended] = sim.take_events()
    assert ended.call_ended and ended.by is ReleasedBy.AGENT and ref not in sim.calls


def test_outbound_outcomes():
    numbers = {
        "+1": DialOutcome.ANSWERED,
        "+2": DialOutcome.BUSY,
        "+3": DialOutcome.MACHINE,
        "+4": DialOutcome.NO_ANSWER,
        "+5": DialOutcome.ANSWERED,
    }
    sim = quiet(dialing=DialProfile(scripted=numbers, patience_mean=2.0))
    refs = {n: sim.dial(n, agent=a) for n, a in zip(["+1", "+2", "+3"], PHONES, strict=True)}
    refs["+4"] = sim.dial("+4", queue="collections")
    refs["+5"] = sim.dial("+5", queue="collections")
    events = sim.advance(sim.now + 600)
    by_call = defaultdict(list)
    for e in events:
        by_call[e.call_ref].append(e)
    assert all(isinstance(calls[0], CallDialled) for calls in by_call.values())
    kinds = {n: [type(e) for e in by_call[refs[n]][1:]] for n in numbers}
    assert kinds["+1"][0] is CallAnswered  # an agent was on it from the start
    assert (
        kinds["+2"] == [CallFailed] and kinds["+3"] == [CallFailed] and kinds["+4"] == [CallFailed]
    )
    assert [e.outcome for e in by_call[refs["+2"]][1:]] == [DialOutcome.BUSY]
    # predictive: a person answered, nobody took them within their patience
    assert kinds["+5"] == [CallOffered, CallAbandoned]
    assert by_call[refs["+5"]][1].direction is Direction.OUTBOUND
    assert sim.phones["a2"] == "" and sim.phones["a3"] == ""  # failed attempts free the phone
    # no trunk left: the switch cannot dial
    full = quiet(trunks=0)
    ref = full.dial("+9", queue="collections")
    dialled, failed = full.take_events()
    assert dialled.call_ref == failed.call_ref == ref
    assert failed.outcome is DialOutcome.BLOCKED


def test_collect_returns_the_callers_keys_or_nothing_after_the_timeout():
    sim = quiet(keypad=lambda prompt, caller, n, rng: "12345678"[:n] if prompt else "")
    ref = one_call(sim)
    sim.collect(ref, "account number", max_digits=4, timeout=10)
    [digits] = sim.advance(sim.now + 3)
    assert isinstance(digits, DigitsCollected) and digits.digits == "1234"
    slow = quiet(digits_delay=30.0)
    other = one_call(slow)
    slow.collect(other, "menu", max_digits=1, timeout=5)
    [nothing] = slow.advance(slow.now + 5)
    assert nothing.digits == ""
    assert slow.calls[other].prompts == ["menu"]


def test_restart_drops_every_call_silently_and_starts_a_new_epoch():
    sim = busy_day(trunks=500)
    before = sim.advance(1800)
    live = set(sim.calls)
    assert live
    sim.answer(next(iter(live)), "a1")
    sim.restart()
    events = sim.advance(3600)
    assert isinstance(events[0], CallAnswered)  # given before the restart
    events = events[1:]
    assert isinstance(events[0], SwitchRestarted) and events[0].epoch == 1
    assert sim.phones["a1"] == "" and sim.stats.dropped_by_restart == len(live)
    later = [e for e in events[1:] if isinstance(e, CallEvent)]
    assert all(e.epoch == 1 for e in later)  # nothing more about the old calls
    assert later[0].call_ref == "sim-000001"  # call ids start over: only the epoch tells
    assert before[0].call_ref == "sim-000001" and before[0].epoch == 0


commands = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "wait",
                "answer",
                "hold",
                "retrieve",
                "transfer",
                "queue",
                "conference",
                "release",
                "system",
                "dial",
                "predictive",
                "restart",
            ]
        ),
        st.integers(0, 10**6),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), script=commands)
def test_any_command_sequence_keeps_the_switch_consistent(seed, script):
    """Whatever Lealtad sends, every call's events are numbered 1, 2, 3 … with no gap,
    each call ends at most once, no phone is on two calls, trunks are never exceeded."""
    sim = busy_day(seed=seed, trunks=4, answer_delay=1.0)
    rng = random.Random(seed)
    events = []
    for action, pick in script:
        live = sorted(sim.calls)
        ref = live[pick % len(live)] if live else "none"
        phone = PHONES[pick % 3]
        other = PHONES[(pick + 1) % 3]
        try:
            if action == "wait":
                events += sim.advance(sim.now + rng.uniform(0, 120))
            elif action == "answer":
                sim.answer(ref, phone)
            elif action == "hold":
                sim.hold(ref, phone)
            elif action == "retrieve":
                sim.retrieve(ref, phone)
            elif action == "transfer":
                sim.transfer(ref, phone, to_agent=other)
            elif action == "queue":
                sim.transfer(ref, phone, to_queue="billing")
            elif action == "conference":
                sim.conference(ref, phone, other)
            elif action == "release":
                sim.release(ref, phone)
            elif action == "system":
                sim.release(ref)
            elif action == "dial":
                sim.dial(f"+{pick}", agent=phone)
            elif action == "predictive":
                sim.dial(f"+{pick}", queue="sales")
            else:
                sim.restart()
        except TelephonyError:
            pass
        assert sim.trunks_in_use <= 4
        on_calls = [c for c in sim.phones.values() if c]
        for call_ref in on_calls:
            assert call_ref in sim.calls
        for call in sim.calls.values():
            assert len(set(call.agents)) == len(call.agents)
            for agent in call.agents:
                assert sim.phones[agent] == call.ref
    events += sim.advance(sim.now + 1)
    seqs: dict[tuple[int, str], list[int]] = defaultdict(list)
    ends: Counter[tuple[int, str]] = Counter()
    for e in events:
        if isinstance(e, CallEvent):
            seqs[(e.epoch, e.call_ref)].append(e.seq)
            ended = isinstance(e, CallAbandoned | CallFailed | CallBlocked) or (
                isinstance(e, CallReleased) and e.call_ended
            )
            ends[(e.epoch, e.call_ref)] += ended
    for key, numbers in seqs.items():
        assert numbers == list(range(1, len(numbers) + 1)), key
        assert ends[key] <= 1


def test_a_flat_day_with_agents_answering_in_turn_is_erlang_a():
    """The callers are M/M/n+M: ten phones answering the longest waiting caller give the
    abandonment Erlang A predicts (the test answers once a simulated second)."""
    from lealtad.contact_engine.staffing.erlang import erlang_a_abandon

    phones = tuple(f"p{i}" for i in range(10))
    sim = SwitchSimulator(
        SwitchConfig(
            trunks=10**6,
            phones=phones,
            arrivals=ArrivalCurve.flat(190, hours=100),
            callers=CallerProfile(patience_mean=120, talk_mean=180),
        ),
        seed=3,
    )
    waiting: list[str] = []
    offered = abandoned = 0
    while sim.now < 100 * 3600 or sim.calls:
        for event in sim.advance(sim.now + 1.0):
            if isinstance(event, CallOffered):
                waiting.append(event.call_ref)
                offered += 1
            elif isinstance(event, CallAbandoned):
                waiting.remove(event.call_ref)
                abandoned += 1
        for phone in [p for p, call in sim.phones.items() if not call]:
            if waiting:
                sim.answer(waiting.pop(0), phone)
        sim.take_events()
    expected = erlang_a_abandon(10, 190 / 3600, 180, 120)
    assert offered > 18_000
    assert abandoned / offered == pytest.approx(expected, abs=0.015)
