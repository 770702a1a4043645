"""How many lines the dialer starts now, in each of its three modes.

* **Preview** — the agent reads the record first and accepts or rejects it; one line per agent
  who accepted and has none yet. The caller counts only those agents as available.
* **Progressive** ("call execution") — one line per free agent, the connected call goes to
  that agent, no reject. No call is ever abandoned, but the agent waits through every ring,
  every no-answer and every busy tone.
* **Predictive** — dials ahead of the agents from live statistics (answer rate, time to answer,
  handle time, agents about to free up) so agents wait less, at the price of answered calls
  with no agent to take them: *abandoned* (dropped) calls. Regulators cap them (the US FTC
  rule: 3% of the calls a live person answered, per campaign over 30 days; Ofcom likewise).

The predictive decision is model-based: it dials the most lines for which the *expected*
share of answers finding no agent stays under a target. A feedback controller moves that
target with the abandonment measured over the last N answered calls (aiming below the cap),
and when the measure nears the cap — over the window or since the start — the pacer brakes
to progressive pacing (which cannot abandon) until it has fallen back. The model is a normal
approximation (fast enough to ask on every event of a thirty-day simulation); the controller
corrects its bias, so the cap is held by feedback, not by trusting the model.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import StrEnum


class DialMode(StrEnum):
    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    PREDICTIVE = "predictive"


@dataclass(frozen=True)
class PacingSettings:
    """What a campaign's dialer is allowed to do; priors are used until live figures exist.

    ``abandon_cap`` is a share of the calls answered by a live person (machines and no-answers
    do not count). ``window`` is the N of "the last N answered calls" the controller watches.
    ``setpoint`` is the fraction of the cap the controller aims at; ``brake_at`` the fraction
    at which the pacer stops dialling ahead.
    """

    mode: DialMode = DialMode.PREDICTIVE
    abandon_cap: float = 0.03
    window: int = 300
    setpoint: float = 0.6
    brake_at: float = 0.85
    gain: float = 0.05
    memory: int = 500
    prior_answer_rate: float = 0.3
    prior_ring_seconds: float = 10.0
    prior_handle_seconds: float = 240.0
    prior_weight: int = 20
    max_lines_per_agent: float = 4.0
    trunks: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", DialMode(self.mode))
        rules = [
            (0 < self.abandon_cap < 1, "abandon_cap", "between 0 and 1"),
            (self.window >= 10, "window", "at least 10 answered calls"),
            (0 < self.setpoint < self.brake_at, "setpoint", "above 0 and below brake_at"),
            (self.brake_at <= 1, "brake_at", "at most 1"),
            (self.gain > 0, "gain", "positive"),
            (self.memory >= 10, "memory", "at least 10"),
            (0 < self.prior_answer_rate <= 1, "prior_answer_rate", "in (0, 1]"),
            (self.prior_ring_seconds > 0, "prior_ring_seconds", "positive"),
            (self.prior_handle_seconds > 0, "prior_handle_seconds", "positive"),
            (self.prior_weight >= 1, "prior_weight", "at least 1"),
            (self.max_lines_per_agent >= 1, "max_lines_per_agent", "at least 1"),
            (self.trunks is None or self.trunks >= 1, "trunks", "at least 1"),
        ]
        for ok, name, rule in rules:
            _check(ok, name, rule, getattr(self, name))


def _check(ok: bool, field: str, rule: str, value: object) -> None:
    if not ok:
        raise ValueError(f"{field}: must be {rule} (got {value!r})")


@dataclass(frozen=True)
class FloorState:
    """The agents as the dialer sees them at the moment it decides.

    ``agents_available`` are ready and have no call (in preview mode: accepted a record and have
    no line yet). ``agents_busy`` are talking or wrapping up. ``agents_about_to_free`` is how
    many busy agents will be free within the time a call takes to be answered, if the caller
    knows (agents at the end of wrap-up): they count as free and the other busy agents as not;
    left ``None``, the pacer gives every busy agent the chance to free up that the mean handle
    time and time to answer imply.
    """

    agents_available: int
    agents_busy: int = 0
    agents_about_to_free: float | None = None

    def __post_init__(self) -> None:
        _check(self.agents_available >= 0, "agents_available", "0 or more", self.agents_available)
        _check(self.agents_busy >= 0, "agents_busy", "0 or more", self.agents_busy)
        about = self.agents_about_to_free
        _check(
            about is None or 0 <= about <= self.agents_busy,
            "agents_about_to_free",
            "between 0 and agents_busy",
            about,
        )


@dataclass(frozen=True)
class PacerStats:
    dialled: int
    answered: int
    connected: int
    abandoned: int
    lines_in_flight: int
    answered_waiting: int
    answer_rate: float
    mean_ring_seconds: float
    mean_handle_seconds: float
    abandon_rate: float
    window_abandon_rate: float
    target: float
    braking: bool
    dial_ratio: float


def expected_abandon_share(
    lines: float, answer_rate: float, agents_sure: float, agents_busy: float, free_chance: float
) -> float:
    """Expected share of the answered calls that find no agent, if ``lines`` are in flight.

    Answers A ~ Binomial(lines, answer_rate); agents M = agents_sure + Binomial(agents_busy,
    free_chance); both in the normal approximation, so E[max(A - M, 0)] has a closed form.
    """
    mean_answers = lines * answer_rate
    if mean_answers <= 0 or lines <= agents_sure:  # every possible answer has an agent
        return 0.0
    mu = mean_answers - agents_sure - agents_busy * free_chance
    var = mean_answers * (1 - answer_rate) + agents_busy * free_chance * (1 - free_chance)
    if var <= 1e-12:
        return max(mu, 0.0) / mean_answers
    sigma = math.sqrt(var)
    z = mu / sigma
    cdf = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    # A call cannot be abandoned twice: the approximation overshoots when answers are few;
    # far in the tail mu*cdf and sigma*pdf cancel to a rounding error below zero.
    return min(max((mu * cdf + sigma * pdf) / mean_answers, 0.0), 1.0)


class _Mean:
    """A mean that starts from a prior and then forgets, so a list whose answer rate drifts
    over the day is followed (a running mean over thirty days would not move)."""

    def __init__(self, prior: float, weight: int, memory: int) -> None:
        self.value = prior
        self.seen = weight
        self._memory = memory

    def add(self, x: float) -> None:
        self.seen += 1
        self.value += (x - self.value) / min(self.seen, self._memory)


class Pacer:
    """Fed what happens to lines and answered calls; answers how many lines to dial now."""

    def __init__(self, settings: PacingSettings | None = None) -> None:
        self.settings = s = settings or PacingSettings()
        self._answer = _Mean(s.prior_answer_rate, s.prior_weight, s.memory)
        self._ring = _Mean(s.prior_ring_seconds, s.prior_weight, s.memory)
        self._handle = _Mean(s.prior_handle_seconds, s.prior_weight, s.memory)
        self._window: deque[int] = deque(maxlen=s.window)
        self._window_abandons = 0
        self._target = s.abandon_cap * s.setpoint * 0.5
        self._braking = False
        self._ratio = 0.0
        self.dialled_total = 0
        self.answered_total = 0
        self.unanswered_total = 0
        self.connected_total = 0
        self.abandoned_total = 0

    # --- observations -------------------------------------------------------------------
    def dialled(self, lines: int = 1) -> None:
        _check(lines >= 0, "lines", "0 or more", lines)
        self.dialled_total += lines

    def answered(self, ring_seconds: float | None = None) -> None:
        """A live person answered a line (it will be connected to an agent or abandoned)."""
        self._resolve(1, ring_seconds)
        self.answered_total += 1

    def unanswered(self) -> None:
        """A line ended with no live person: no answer, busy, machine, failed number."""
        self._resolve(0, ring_seconds=None)
        self.unanswered_total += 1

    def connected(self) -> None:
        """An answered call reached an agent."""
        self._outcome(abandoned=False)

    def abandoned(self) -> None:
        """An answered call found no agent in time and was dropped."""
        self._outcome(abandoned=True)

    def resume(self, answered: int, unanswered: int, connected: int, abandoned: int) -> None:
        """Carry over a campaign's resolved lines from before a restart: the answer rate and
        the abandonment since the start (which the brake watches) go on from there."""
        for name, value in (("answered", answered), ("unanswered", unanswered)):
            _check(value >= 0, name, "0 or more", value)
        _check(0 <= connected + abandoned <= answered, "connected", "at most answered", connected)
        lines = answered + unanswered
        self.dialled_total += lines
        self.answered_total += answered
        self.unanswered_total += unanswered
        self.connected_total += connected
        self.abandoned_total += abandoned
        if lines:
            self._answer.value = answered / lines
            self._answer.seen = max(self._answer.seen, min(lines, self.settings.memory))

    def abandoned_after_all(self) -> None:
        """A call counted connected turns out abandoned: the person hung up before the agent
        was bridged (the switch says so after the dialer handed the call over)."""
        if self.connected_total <= 0:
            raise ValueError("connected: no connected call to count as abandoned")
        self.connected_total -= 1
        self.abandoned_total += 1
        for i in range(len(self._window) - 1, -1, -1):
            if self._window[i] == 0:
                self._window[i] = 1
                self._window_abandons += 1
                break
        self._steer()

    def handled(self, handle_seconds: float) -> None:
        """An agent finished a call (talk and wrap-up)."""
        _check(handle_seconds >= 0, "handle_seconds", "0 or more", handle_seconds)
        self._handle.add(handle_seconds)

    def _resolve(self, answered: int, ring_seconds: float | None) -> None:
        if self.lines_in_flight <= 0:
            raise ValueError("lines: more lines ended than were dialled")
        self._answer.add(answered)
        if ring_seconds is not None:
            _check(ring_seconds >= 0, "ring_seconds", "0 or more", ring_seconds)
            self._ring.add(ring_seconds)

    def _outcome(self, abandoned: bool) -> None:
        if self.answered_waiting <= 0:
            raise ValueError("answered: more calls connected or abandoned than were answered")
        if abandoned:
            self.abandoned_total += 1
        else:
            self.connected_total += 1
        if len(self._window) == self._window.maxlen:
            self._window_abandons -= self._window[0]
        self._window.append(int(abandoned))
        self._window_abandons += int(abandoned)
        self._steer()

    def _steer(self) -> None:
        """Move the target towards the setpoint; brake when the measure nears the cap."""
        s = self.settings
        cap = s.abandon_cap
        if len(self._window) < min(50, s.window):
            return
        measured = self.window_abandon_rate
        error = (s.setpoint * cap - measured) / cap
        self._target = min(max(self._target * math.exp(s.gain * error), cap * 0.01), cap * 3)
        overall = self.abandon_rate
        if measured >= s.brake_at * cap or overall >= s.brake_at * cap:
            self._braking = True
        elif measured < s.setpoint * cap and overall < s.setpoint * cap * 1.2:
            self._braking = False

    # --- read-outs ----------------------------------------------------------------------
    @property
    def lines_in_flight(self) -> int:
        return self.dialled_total - self.answered_total - self.unanswered_total

    @property
    def answered_waiting(self) -> int:
        return self.answered_total - self.connected_total - self.abandoned_total

    @property
    def answer_rate(self) -> float:
        return self._answer.value

    @property
    def abandon_rate(self) -> float:
        done = self.connected_total + self.abandoned_total
        return self.abandoned_total / done if done else 0.0

    @property
    def window_abandon_rate(self) -> float:
        return self._window_abandons / len(self._window) if self._window else 0.0

    def stats(self) -> PacerStats:
        return PacerStats(
            dialled=self.dialled_total,
            answered=self.answered_total,
            connected=self.connected_total,
            abandoned=self.abandoned_total,
            lines_in_flight=self.lines_in_flight,
            answered_waiting=self.answered_waiting,
            answer_rate=self._answer.value,
            mean_ring_seconds=self._ring.value,
            mean_handle_seconds=self._handle.value,
            abandon_rate=self.abandon_rate,
            window_abandon_rate=self.window_abandon_rate,
            target=self._target,
            braking=self._braking,
            dial_ratio=self._ratio,
        )

    # --- the decision -------------------------------------------------------------------
    def lines_to_dial(self, floor: FloorState) -> int:
        """How many new lines to start now (0 or more)."""
        in_flight = self.lines_in_flight
        sure = floor.agents_available - self.answered_waiting
        covered = max(0, sure - in_flight)
        if self.settings.mode is not DialMode.PREDICTIVE or self._braking:
            return self._limit(covered, floor, in_flight)
        most = self._limit(10**9, floor, in_flight)
        sure_now = float(max(sure, 0))
        busy, free_chance = floor.agents_busy, self._free_chance(floor)
        if floor.agents_about_to_free is not None:  # known to be ending: counted as free
            sure_now, busy, free_chance = sure_now + floor.agents_about_to_free, 0, 0.0
        lines = self._most_lines(in_flight, covered, most, sure_now, busy, free_chance)
        expected_agents = sure_now + busy * free_chance
        self._ratio = (in_flight + lines) / expected_agents if expected_agents > 0 else 0.0
        return lines

    def _free_chance(self, floor: FloorState) -> float:
        """The chance a busy agent frees up while a line rings (exponential handle times)."""
        if floor.agents_busy == 0:
            return 0.0
        return 1 - math.exp(-self._ring.value / self._handle.value)

    def _limit(self, lines: int, floor: FloorState, in_flight: int) -> int:
        s = self.settings
        agents = floor.agents_available + floor.agents_busy
        room = math.floor(s.max_lines_per_agent * agents) - in_flight
        if s.trunks is not None:
            room = min(room, s.trunks - in_flight)
        return max(0, min(lines, room))

    def _most_lines(
        self, in_flight: int, low: int, high: int, sure: float, busy: int, free_chance: float
    ) -> int:
        """The largest n in [low, high] whose expected abandon share stays under the target
        (the share grows with n, so a bisection finds it)."""
        rate, target = self._answer.value, self._target
        if high <= low:
            return high

        def fits(n: int) -> bool:
            share = expected_abandon_share(in_flight + n, rate, sure, busy, free_chance)
            return share <= target

        if not fits(low + 1):
            return low
        lo, hi = low + 1, high
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fits(mid):
                lo = mid
            else:
                hi = mid - 1
        return lo
