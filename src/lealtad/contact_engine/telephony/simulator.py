"""A switch simulator that implements the telephony adapter, for demos and tests.

It carries the calls a real PBX would: callers arrive on a day's curve and take a trunk
(all trunks busy → blocked), wait with a patience and abandon when it runs out, talk once an
agent's phone answers and hang up when they are done; outbound attempts ring, then are
answered, unanswered, busy or a machine. It never routes: Lealtad's ACD does, by sending
``answer``.

Time is an explicit clock: :meth:`SwitchSimulator.advance` moves it to a given second and
returns the events that happened, in order. A test runs a day in milliseconds; the demo
advances it with the wall clock. Arrivals and each caller's patience and talk time come from
their own seeded random stream, so the same seed gives the same callers whatever the agents
do.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from lealtad.contact_engine.telephony.adapter import (
    AbandonedWhere,
    CallAbandoned,
    CallAnswered,
    CallBlocked,
    CallConferenced,
    CallDialled,
    CallEvent,
    CallFailed,
    CallHeld,
    CallOffered,
    CallReleased,
    CallRetrieved,
    CallTransferred,
    DialOutcome,
    DigitsCollected,
    Direction,
    ReleasedBy,
    SwitchEvent,
    SwitchRestarted,
    TelephonyError,
    TransferMode,
)
from lealtad.contact_engine.telephony.traffic import ArrivalCurve, CallerProfile, DialProfile

Keypad = Callable[[str, str, int, random.Random], str]
"""(prompt, caller id, max digits, rng) -> the keys a simulated caller presses."""


def random_keys(prompt: str, caller_id: str, max_digits: int, rng: random.Random) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(max_digits))


@dataclass(frozen=True)
class SwitchConfig:
    """A switch: its trunks, its agent phones, and the traffic it carries."""

    switch_id: str = "sim"
    trunks: int = 30
    phones: tuple[str, ...] = ()
    arrivals: ArrivalCurve | None = None
    callers: CallerProfile = field(default_factory=CallerProfile)
    dialing: DialProfile = field(default_factory=DialProfile)
    answer_delay: float = 0.0
    digits_delay: float = 3.0
    keypad: Keypad = random_keys
    start: datetime = datetime(2026, 1, 5, tzinfo=UTC)

    def __post_init__(self) -> None:
        if not self.switch_id:
            raise ValueError("switch_id: must not be empty")
        if self.trunks < 0:
            raise ValueError(f"trunks: {self.trunks} must not be negative")
        if len(set(self.phones)) != len(self.phones) or not all(self.phones):
            raise ValueError("phones: every phone needs a distinct, non-empty name")
        if self.answer_delay < 0 or self.digits_delay < 0:
            raise ValueError("answer_delay: delays must not be negative")
        if self.start.tzinfo is None:
            raise ValueError("start: must carry a time zone")


class CallState(StrEnum):
    DIALLING = "dialling"  # outbound, ringing the called party
    WAITING = "waiting"  # a caller waits for an agent (queued, or an agent's phone ringing)
    TALKING = "talking"
    HELD = "held"


@dataclass
class SwitchStats:
    offered: int = 0
    blocked: int = 0
    answered: int = 0
    abandoned: int = 0
    released: int = 0
    dialled: int = 0
    failed: int = 0
    dropped_by_restart: int = 0


@dataclass
class _Call:
    ref: str
    direction: Direction
    party: str  # the caller id, or the number dialled
    queue: str
    state: CallState
    talk_mean: float
    patience: float = 0.0
    waiting_since: float = 0.0
    talk_left: float = 0.0
    talk_since: float = 0.0
    agents: list[str] = field(default_factory=list)
    ringing: str = ""  # the phone told to answer, until it picks up
    seq: int = 0
    token: int = 0  # bumped on each change: a timer scheduled before it is stale
    prompts: list[str] = field(default_factory=list)


class SwitchSimulator:
    """A PBX in a box: implements ``TelephonyAdapter``; see the module docstring."""

    def __init__(self, config: SwitchConfig, *, seed: int = 0, now: float = 0.0) -> None:
        """``now`` starts the clock later in the curve (a demo opened at 15:00 starts with
        the afternoon's traffic, not with the whole morning at once)."""
        if now < 0:
            raise ValueError(f"now: {now} must not be negative")
        self.config = config
        self.switch_id = config.switch_id
        self.epoch = 0
        self.now = now
        self.stats = SwitchStats()
        self.calls: dict[str, _Call] = {}
        self.phones: dict[str, str] = dict.fromkeys(config.phones, "")  # phone -> call_ref
        self._arrivals = random.Random(f"{seed}/arrivals")
        self._behaviour = random.Random(f"{seed}/behaviour")
        self._dialing = random.Random(f"{seed}/dialing")
        self._heap: list[tuple[float, int, str, int, str, int, Any]] = []
        self._order = 0
        self._numbered = 0
        self._out: list[SwitchEvent] = []
        if config.arrivals is not None:
            first = config.arrivals.next_arrival(now, self._arrivals)
            if first is not None:
                self._schedule(first, "arrival", -1, None)

    # --- the clock -------------------------------------------------------------------

    def advance(self, until: float) -> list[SwitchEvent]:
        """Run the switch up to ``until`` seconds and return what happened, in order
        (including the events of commands given since the last call)."""
        if until < self.now:
            raise ValueError(f"until: {until} is before the switch's clock {self.now}")
        while self._heap and self._heap[0][0] <= until:
            when, _, kind, epoch, ref, token, payload = heapq.heappop(self._heap)
            self.now = when
            if kind == "arrival":
                self._arrive()
            elif epoch == self.epoch:
                call = self.calls.get(ref)
                if call is not None and call.token == token:
                    getattr(self, f"_on_{kind}")(call, payload)
        self.now = until
        return self.take_events()

    def take_events(self) -> list[SwitchEvent]:
        """The events emitted so far and not yet taken."""
        out, self._out = self._out, []
        return out

    def at(self, seconds: float) -> datetime:
        return self.config.start + timedelta(seconds=seconds)

    def add_phone(self, phone: str) -> None:
        if not phone:
            raise TelephonyError("must not be empty", field="agent")
        self.phones.setdefault(phone, "")

    def restart(self) -> None:
        """The PBX restarts: every call is dropped without a word (as a crashed switch
        does), call ids start over, and only ``switch.restarted`` with a new epoch says so."""
        self.stats.dropped_by_restart += len(self.calls)
        self.calls.clear()
        self.phones = dict.fromkeys(self.phones, "")
        self.epoch += 1
        self._numbered = 0
        self._out.append(
            SwitchRestarted(switch_id=self.switch_id, epoch=self.epoch, at=self.at(self.now))
        )

    @property
    def trunks_in_use(self) -> int:
        return len(self.calls)

    # --- commands (TelephonyAdapter) -------------------------------------------------

    def answer(self, call_ref: str, agent: str) -> None:
        call = self._call(call_ref)
        self._idle_phone(agent)
        if call.state is not CallState.WAITING or call.ringing:
            raise TelephonyError(f"call {call_ref} is not waiting for an agent", field="call_ref")
        call.ringing = agent
        self.phones[agent] = call_ref
        if self.config.answer_delay:
            self._schedule(self.now + self.config.answer_delay, "pickup", call, agent)
        else:
            self._on_pickup(call, agent)

    def hold(self, call_ref: str, agent: str) -> None:
        call = self._on_call(call_ref, agent)
        if call.state is not CallState.TALKING:
            raise TelephonyError(f"call {call_ref} is {call.state}, not talking", field="call_ref")
        call.talk_left = max(0.0, call.talk_left - (self.now - call.talk_since))
        call.state = CallState.HELD
        call.token += 1
        self._emit(CallHeld, call, agent=agent)

    def retrieve(self, call_ref: str, agent: str) -> None:
        call = self._on_call(call_ref, agent)
        if call.state is not CallState.HELD:
            raise TelephonyError(f"call {call_ref} is not on hold", field="call_ref")
        self._talk(call)
        self._emit(CallRetrieved, call, agent=agent)

    def transfer(
        self,
        call_ref: str,
        agent: str,
        *,
        to_agent: str = "",
        to_queue: str = "",
        mode: TransferMode = TransferMode.BLIND,
    ) -> None:
        """Blind and consult differ only in the recorded mode here: the consult leg (the
        agent talking to the target first) is not simulated."""
        call = self._on_call(call_ref, agent)
        if bool(to_agent) == bool(to_queue):
            raise TelephonyError("give exactly one of to_agent and to_queue", field="to_agent")
        if to_agent:
            self._idle_phone(to_agent, name="to_agent")
        call.agents.remove(agent)
        self.phones[agent] = ""
        mode = TransferMode(mode)
        if to_agent:
            call.agents.append(to_agent)
            self.phones[to_agent] = call_ref
            if call.state is CallState.HELD:
                self._talk(call)
        else:
            self._release_agents(call)
            call.queue = to_queue
            call.talk_left = self._behaviour.expovariate(1 / call.talk_mean)
            self._wait(call, self._behaviour.expovariate(1 / self.config.callers.patience_mean))
        self._emit(
            CallTransferred, call, agent=agent, to_agent=to_agent, to_queue=to_queue, mode=mode
        )

    def conference(self, call_ref: str, agent: str, party: str) -> None:
        call = self._on_call(call_ref, agent)
        self._idle_phone(party, name="party")
        call.agents.append(party)
        self.phones[party] = call_ref
        if call.state is CallState.HELD:
            self._talk(call)
        self._emit(CallConferenced, call, agent=agent, party=party)

    def release(self, call_ref: str, agent: str = "") -> None:
        call = self._on_call(call_ref, agent) if agent else self._call(call_ref)
        if agent and len(call.agents) > 1:
            call.agents.remove(agent)
            self.phones[agent] = ""
            self._emit(CallReleased, call, agent=agent, by=ReleasedBy.AGENT, call_ended=False)
            return
        by = ReleasedBy.AGENT if agent else ReleasedBy.SYSTEM
        self._end(call, CallReleased, agent=agent, by=by)

    def dial(self, number: str, *, agent: str = "", queue: str = "") -> str:
        if not number:
            raise TelephonyError("must not be empty", field="number")
        if agent:
            self._idle_phone(agent)
        elif not queue:
            raise TelephonyError("a call dialled with no agent needs a queue", field="queue")
        ref = self._next_ref()
        talk = self.config.dialing.talk_mean
        call = _Call(ref, Direction.OUTBOUND, number, queue, CallState.DIALLING, talk)
        self.stats.dialled += 1
        if self._trunk_free():
            self.calls[ref] = call
            if agent:
                call.agents.append(agent)
                self.phones[agent] = ref
            self._emit(CallDialled, call, number=number, agent=agent, queue=queue)
            outcome, ring = self.config.dialing.draw(number, self._dialing)
            self._schedule(self.now + ring, "dial_result", call, outcome)
        else:
            self._emit(CallDialled, call, number=number, agent=agent, queue=queue)
            self.stats.failed += 1
            self._emit(CallFailed, call, number=number, outcome=DialOutcome.BLOCKED, agent=agent)
        return ref

    def play(self, call_ref: str, prompt: str) -> None:
        self._call(call_ref).prompts.append(prompt)

    def collect(self, call_ref: str, prompt: str, *, max_digits: int, timeout: float) -> None:
        call = self._call(call_ref)
        if max_digits < 1:
            raise TelephonyError(f"{max_digits} must be at least 1", field="max_digits")
        if timeout <= 0:
            raise TelephonyError(f"{timeout} must be positive", field="timeout")
        call.prompts.append(prompt)
        keys = self.config.keypad(prompt, call.party, max_digits, self._behaviour)[:max_digits]
        if self.config.digits_delay > timeout:
            keys = ""
        delay = min(self.config.digits_delay, timeout)
        self._schedule(self.now + delay, "digits", call, (prompt, keys))

    # --- what happens on its own -----------------------------------------------------

    def place_call(
        self,
        caller_id: str = "",
        queue: str = "general",
        *,
        patience: float | None = None,
        talk: float | None = None,
    ) -> str:
        """A caller rings in now (outside the arrival curve: a test, or a person trying the
        demo); patience and talk time are drawn when not given. Returns the call_ref."""
        callers = self.config.callers
        if patience is None:
            patience = self._behaviour.expovariate(1 / callers.patience_mean)
        if talk is None:
            talk = self._behaviour.expovariate(1 / callers.talk_mean)
        return self._ring_in(caller_id, queue, patience, talk)

    def _arrive(self) -> None:
        curve = self.config.arrivals
        assert curve is not None
        nxt = curve.next_arrival(self.now, self._arrivals)
        if nxt is not None:
            self._schedule(nxt, "arrival", -1, None)
        callers = self.config.callers
        caller_id = callers.draw_caller(self._arrivals)
        queue = callers.draw_queue(self._arrivals)
        patience = self._arrivals.expovariate(1 / callers.patience_mean)
        talk = self._arrivals.expovariate(1 / callers.talk_mean)
        self._ring_in(caller_id, queue, patience, talk)

    def _ring_in(self, caller_id: str, queue: str, patience: float, talk: float) -> str:
        if not queue:
            raise TelephonyError("must not be empty", field="queue")
        talk_mean = self.config.callers.talk_mean
        ref = self._next_ref()
        call = _Call(
            ref, Direction.INBOUND, caller_id, queue, CallState.WAITING, talk_mean, talk_left=talk
        )
        if not self._trunk_free():
            self.stats.blocked += 1
            self._emit(CallBlocked, call, caller_id=caller_id, dialled=_line(queue))
            return ref
        self.calls[ref] = call
        self.stats.offered += 1
        self._emit(CallOffered, call, caller_id=caller_id, dialled=_line(queue), queue=queue)
        self._wait(call, patience)
        return ref

    def _on_pickup(self, call: _Call, agent: str) -> None:
        call.ringing = ""
        call.agents.append(agent)
        self.stats.answered += 1
        self._talk(call)
        self._emit(CallAnswered, call, agent=agent)

    def _on_abandon(self, call: _Call, _: object) -> None:
        where = AbandonedWhere.RINGING if call.ringing else AbandonedWhere.QUEUE
        self.stats.abandoned += 1
        self._end(call, CallAbandoned, waited=self.now - call.waiting_since, where=where)

    def _on_hangup(self, call: _Call, _: object) -> None:
        self._end(call, CallReleased, by=ReleasedBy.CALLER)

    def _on_digits(self, call: _Call, payload: tuple[str, str]) -> None:
        prompt, keys = payload
        self._emit(DigitsCollected, call, prompt=prompt, digits=keys)

    def _on_dial_result(self, call: _Call, outcome: DialOutcome) -> None:
        if outcome is not DialOutcome.ANSWERED:
            self.stats.failed += 1
            agent = call.agents[0] if call.agents else ""
            self._end(call, CallFailed, number=call.party, outcome=outcome, agent=agent)
            return
        call.talk_left = self._dialing.expovariate(1 / call.talk_mean)
        if call.agents:
            self.stats.answered += 1
            self._talk(call)
            self._emit(CallAnswered, call, agent=call.agents[0])
            return
        self.stats.offered += 1
        self._emit(
            CallOffered, call, caller_id=call.party, queue=call.queue, direction=Direction.OUTBOUND
        )
        self._wait(call, self._dialing.expovariate(1 / self.config.dialing.patience_mean))

    # --- bookkeeping -----------------------------------------------------------------

    def _talk(self, call: _Call) -> None:
        call.state = CallState.TALKING
        call.talk_since = self.now
        call.token += 1
        self._schedule(self.now + call.talk_left, "hangup", call, None)

    def _wait(self, call: _Call, patience: float) -> None:
        call.state = CallState.WAITING
        call.waiting_since = self.now
        call.patience = patience
        call.token += 1
        self._schedule(self.now + patience, "abandon", call, None)

    def _release_agents(self, call: _Call) -> None:
        for phone in [*call.agents, call.ringing]:
            if phone and self.phones.get(phone) == call.ref:
                self.phones[phone] = ""
        call.agents.clear()
        call.ringing = ""

    def _end(self, call: _Call, cls: type[CallEvent], **fields: Any) -> None:
        self._release_agents(call)
        self.calls.pop(call.ref, None)
        call.token += 1
        if cls is CallReleased:
            self.stats.released += 1
        self._emit(cls, call, **fields)

    def _emit(self, cls: type[CallEvent], call: _Call, **fields: Any) -> None:
        call.seq += 1
        self._out.append(
            cls(
                switch_id=self.switch_id,
                epoch=self.epoch,
                at=self.at(self.now),
                call_ref=call.ref,
                seq=call.seq,
                **fields,
            )
        )

    def _schedule(self, when: float, kind: str, call: _Call | int, payload: Any) -> None:
        self._order += 1
        if isinstance(call, _Call):
            entry = (when, self._order, kind, self.epoch, call.ref, call.token, payload)
        else:
            entry = (when, self._order, kind, call, "", 0, payload)
        heapq.heappush(self._heap, entry)

    def _next_ref(self) -> str:
        self._numbered += 1
        return f"{self.switch_id}-{self._numbered:06d}"

    def _trunk_free(self) -> bool:
        return len(self.calls) < self.config.trunks

    def _call(self, call_ref: str) -> _Call:
        call = self.calls.get(call_ref)
        if call is None:
            raise TelephonyError(
                f"no call {call_ref!r} on switch {self.switch_id}", field="call_ref"
            )
        return call

    def _on_call(self, call_ref: str, agent: str) -> _Call:
        call = self._call(call_ref)
        if agent not in self.phones:
            raise TelephonyError(f"no phone {agent!r} on switch {self.switch_id}", field="agent")
        if agent not in call.agents:
            raise TelephonyError(f"phone {agent!r} is not on call {call_ref}", field="agent")
        return call

    def _idle_phone(self, phone: str, *, name: str = "agent") -> None:
        if phone not in self.phones:
            raise TelephonyError(f"no phone {phone!r} on switch {self.switch_id}", field=name)
        if self.phones[phone]:
            raise TelephonyError(f"phone {phone!r} is on call {self.phones[phone]}", field=name)


def _line(queue: str) -> str:
    """The number a caller dialled to reach a queue (the simulator's DNIS)."""
    return f"line-{queue}"
