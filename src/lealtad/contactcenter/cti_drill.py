"""The kill drill: a switch simulator drives the center through CTI while the ACD router
process (``lealtad contactcenter route``) is killed with SIGKILL again and again.

What must hold (issue 13): no contact lost or doubled — every call the switch offered is one
contact, answered at most once, and none is left live once the switch has no calls — and no
agent stuck: every agent is usable within wrap-up + 5 s, even across the router's deaths.
While it runs the drill watches for agents held in wrap-up, and offers left ringing, longer
than the router should let them; at the end it reconciles the center with the switch.
``benchmarks/acd_kill.py`` runs it for a simulated hour; ``tests/contactcenter/
test_router_kill.py`` for a few minutes.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Count
from django.utils import timezone

from lealtad.contact_engine.telephony import (
    ArrivalCurve,
    CallerProfile,
    SwitchConfig,
    SwitchSimulator,
)
from lealtad.contactcenter.choices import LIVE_STATUSES, AgentState, ContactStatus
from lealtad.contactcenter.demo import AutoAgents, DemoAgent
from lealtad.contactcenter.models import Agent, CenterEvent, Contact
from lealtad.contactcenter.services import agents, cti, setup
from lealtad.core.audit import Actor

SWITCH_ID = "drill-pbx"
SLACK = 5.0  # seconds an agent or an offer may overstay what the router allows
ACTOR = Actor.system("kill-drill")


@dataclass
class DrillReport:
    simulated_seconds: float = 0.0
    wall_seconds: float = 0.0
    kills: int = 0
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    blocked: int = 0
    contacts: int = 0
    lost: int = 0
    doubled: int = 0
    live_left: int = 0
    agents_not_available: int = 0
    wrap_up_overstay: float = 0.0  # worst seconds past wrap-up + 0 seen while running
    offer_overstay: float = 0.0  # worst seconds past the offer timeout
    stuck_seen: int = 0  # observations past the allowance (wrap-up or timeout + 5 s)
    restarts_to_first_offer: list[float] = field(default_factory=list)
    router_crashes: int = 0  # router exits not caused by the drill (see router.log)

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.doubled
            or self.live_left
            or self.agents_not_available
            or self.stuck_seen
            or self.router_crashes
        )


class RouterProcess:
    """``lealtad contactcenter route`` in a process group of its own, to kill whole."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.crashes = 0  # exits the drill did not cause (a broken router shows here)
        home = Path(self.env.get("LEALTAD_HOME") or ".")
        home.mkdir(parents=True, exist_ok=True)
        self.log = home / "router.log"

    def check(self) -> None:
        """Count and replace a router that stopped by itself."""
        if self.proc is not None and self.proc.poll() is not None:
            self.crashes += 1
            self.start()

    def start(self) -> None:
        command = [
            sys.executable,
            "-c",
            "from lealtad.cli import main; main()",
            "contactcenter",
            "route",
            "--poll",
            "0.05",
        ]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                command,
                env=self.env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def build_center(agent_count: int, wrap_up: int, offer_timeout: int) -> list[DemoAgent]:
    setup.save_skill("general", "General")
    setup.save_skill("billing", "Billing")
    setup.save_queue("general", "General", "general")
    setup.save_queue("billing", "Billing", "billing", overflows=[(40, "general")])
    setup.update_settings(trunks=500, wrap_up_seconds=wrap_up, offer_timeout_seconds=offer_timeout)
    team = []
    for n in range(1, agent_count + 1):
        skills = {"general": 5 + n % 5, **({"billing": 7} if n % 2 else {})}
        found = setup.save_agent(f"Drill agent {n}", skills=skills, extension=str(3000 + n))
        agents.log_in(found.pk, ACTOR)
        team.append(DemoAgent(found.pk, f"drill{n}", found.extension, human=False))
    return team


def _overstays(wrap_up: float, offer_timeout: float) -> tuple[float, float]:
    """How far the worst agent in wrap-up, and the worst ringing offer, are past their due."""
    now = timezone.now()
    wrapping = Agent.objects.filter(state=AgentState.WRAP_UP).values_list("state_since", flat=True)
    ringing = Contact.objects.filter(status=ContactStatus.OFFERED).values_list(
        "offered_at", flat=True
    )
    worst_wrap = max(((now - s).total_seconds() - wrap_up for s in wrapping if s), default=0.0)
    worst_offer = max(
        ((now - s).total_seconds() - offer_timeout for s in ringing if s), default=0.0
    )
    return worst_wrap, worst_offer


def run_drill(
    env: Mapping[str, str],
    *,
    kills: int = 20,
    simulated: float = 3600.0,
    speed: float = 30.0,
    calls_per_hour: float = 150.0,
    agent_count: int = 12,
    wrap_up: int = 2,
    offer_timeout: int = 4,
    seed: int = 1,
    tick: float = 0.1,
    progress: Callable[[float], None] | None = None,
) -> DrillReport:
    """Run the drill on the database this process is set up with (the router process gets
    ``env`` and must reach the same database)."""
    team = build_center(agent_count, wrap_up, offer_timeout)
    switch = SwitchSimulator(_switch_config(team, simulated, calls_per_hour), seed=seed)
    rng = random.Random(seed)
    autos = AutoAgents(switch, team, rng, wrap_ups=False)
    wall_total = simulated / speed
    kill_at = sorted(rng.uniform(0.05, 0.95) * wall_total for _ in range(kills))
    report = DrillReport()
    router = RouterProcess(env)
    router.start()
    started = time.monotonic()
    try:
        _drive(
            autos,
            switch,
            router,
            report,
            kill_at,
            started=started,
            speed=speed,
            simulated=simulated,
            wrap_up=wrap_up,
            offer_timeout=offer_timeout,
            tick=tick,
            progress=progress,
        )
        _settle(autos, switch, wrap_up, offer_timeout, report)
    finally:
        router.stop()
        report.router_crashes = router.crashes
    report.wall_seconds = time.monotonic() - started
    report.simulated_seconds = switch.now
    _reconcile(report, switch)
    return report


def _switch_config(team: list[DemoAgent], simulated: float, calls_per_hour: float) -> SwitchConfig:
    return SwitchConfig(
        switch_id=SWITCH_ID,
        trunks=400,
        phones=tuple(m.extension for m in team),
        arrivals=ArrivalCurve.flat(calls_per_hour, hours=simulated / 3600),
        callers=CallerProfile(
            queues={"general": 0.7, "billing": 0.3}, patience_mean=120.0, talk_mean=150.0
        ),
    )


def _drive(
    autos: AutoAgents,
    switch: SwitchSimulator,
    router: RouterProcess,
    report: DrillReport,
    kill_at: list[float],
    *,
    started: float,
    speed: float,
    simulated: float,
    wrap_up: float,
    offer_timeout: float,
    tick: float,
    progress: Callable[[float], None] | None,
) -> None:
    """The switch keeps pace with the wall clock so the router is killed mid-traffic, not
    between calls; a drill that outlives three times its span is hung, not slow."""
    wall_total = simulated / speed
    restart_marks: list[tuple[float, int]] = []
    while True:
        elapsed = time.monotonic() - started
        target = elapsed * speed  # past ``simulated`` no one rings; calls finish
        done = target >= simulated and not switch.calls
        if elapsed > 3 * wall_total + 120:
            raise RuntimeError(f"the drill did not finish: {len(switch.calls)} calls live")
        autos.act(switch.now)
        cti.apply_events(switch.advance(max(target, switch.now)))
        _watch(report, wrap_up, offer_timeout)
        _note_first_offers(report, restart_marks)
        router.check()
        if kill_at and elapsed >= kill_at[0]:
            kill_at.pop(0)
            _kill_and_restart(router, report, restart_marks)
        if progress is not None:
            progress(switch.now)
        if done:
            break
        time.sleep(tick)


def _kill_and_restart(
    router: RouterProcess, report: DrillReport, restart_marks: list[tuple[float, int]]
) -> None:
    router.kill()
    report.kills += 1
    router.start()
    restart_marks.append((time.monotonic(), _last_offer_id()))


def _watch(report: DrillReport, wrap_up: float, offer_timeout: float) -> None:
    worst_wrap, worst_offer = _overstays(wrap_up, offer_timeout)
    report.wrap_up_overstay = max(report.wrap_up_overstay, worst_wrap)
    report.offer_overstay = max(report.offer_overstay, worst_offer)
    report.stuck_seen += (worst_wrap > SLACK) + (worst_offer > SLACK)


def _last_offer_id() -> int:
    found = CenterEvent.objects.filter(kind="contact.offered").order_by("-id")
    return found.values_list("id", flat=True).first() or 0


def _note_first_offers(report: DrillReport, marks: list[tuple[float, int]]) -> None:
    """Seconds from each restart to the new router's first offer (when one was due)."""
    if not marks:
        return
    at, last = marks[0]
    if _last_offer_id() > last:
        report.restarts_to_first_offer.append(time.monotonic() - at)
        marks.pop(0)
    elif not Contact.objects.filter(status=ContactStatus.QUEUED).exists():
        marks.pop(0)  # nothing waited: no offer was due


def _settle(
    autos: AutoAgents,
    switch: SwitchSimulator,
    wrap_up: float,
    offer_timeout: float,
    report: DrillReport,
) -> None:
    """After the last call: let the router end the last wrap-ups (within the allowance)."""
    deadline = time.monotonic() + wrap_up + offer_timeout + SLACK
    while time.monotonic() < deadline:
        autos.act(switch.now)
        cti.apply_events(switch.advance(switch.now + 1))
        _watch(report, wrap_up, offer_timeout)
        busy = Agent.objects.exclude(state=AgentState.AVAILABLE).exists()
        if not busy and not Contact.objects.filter(status__in=LIVE_STATUSES).exists():
            break
        time.sleep(0.1)


def _reconcile(report: DrillReport, switch: SwitchSimulator) -> None:
    stats = switch.stats
    report.offered, report.answered = stats.offered, stats.answered
    report.abandoned, report.blocked = stats.abandoned, stats.blocked
    mine = Contact.objects.filter(source=f"cti:{SWITCH_ID}")
    report.contacts = mine.count()
    report.lost = max(0, stats.offered - report.contacts)
    answered = Counter(
        CenterEvent.objects.filter(
            kind="contact.answered", contact_id__in=mine.values("pk")
        ).values_list("contact_id", flat=True)
    )
    twice = mine.values("external_ref").annotate(n=Count("id")).filter(n__gt=1).count()
    report.doubled = twice + sum(1 for n in answered.values() if n > 1)
    report.live_left = mine.filter(status__in=[*LIVE_STATUSES, ContactStatus.WRAP_UP]).count()
    report.agents_not_available = Agent.objects.exclude(state=AgentState.AVAILABLE).count()
