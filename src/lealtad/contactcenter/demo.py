"""A simulated contact center for the demo: queues, skills, agents who log in, and a switch
simulator ringing calls in on a day's curve through CTI, in real time (or faster).

Most agents are driven here (they answer what the ACD offers them, talk until the caller is
done, wrap up with a code); ``agente1`` and ``agente2`` are left for a person to log in as
(password ``lealtad-demo``) and take calls at the desktop. Everything goes through the same
paths a real PBX uses: the switch's events through :mod:`.cti`, the desktop's steps back to
the switch through :class:`.cti_commands.SwitchMirror`.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.utils import timezone

from lealtad.contact_engine.telephony import (
    ArrivalCurve,
    CallerProfile,
    SwitchConfig,
    SwitchEvent,
    SwitchRestarted,
    SwitchSimulator,
    TelephonyError,
    drive,
)
from lealtad.contactcenter import selectors
from lealtad.contactcenter.choices import AgentState, ContactStatus
from lealtad.contactcenter.models import Contact, CtiSwitch
from lealtad.contactcenter.services import agents, contacts, cti, ivr, setup
from lealtad.contactcenter.services.cti_commands import SwitchMirror
from lealtad.contactcenter.services.runtime import RouterRuntime
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.customers.selectors.dialing import dialing_facts

log = logging.getLogger(__name__)
DEMO_PASSWORD = "lealtad-demo"
SWITCH_ID = "demo-pbx"
HUMANS = ("agente1", "agente2")
ACTOR = Actor.system("demo-center")

SKILLS = {"general": "General", "billing": "Facturación", "fraud": "Fraude", "premier": "Premier"}
# name, label, skill, level, overflow after seconds to queue
QUEUES = (
    ("general", "Atención general", "general", 1, ()),
    ("billing", "Facturación", "billing", 1, ((60, "general"),)),
    ("fraud", "Fraude", "fraud", 3, ()),
    ("premier", "Clientes premier", "premier", 2, ((30, "general"),)),
)
QUEUE_MIX = {"general": 0.55, "billing": 0.25, "fraud": 0.07, "premier": 0.13}
CODES = (
    ("consulta-saldo", "Consulta de saldo", "billing", "resolved"),
    ("reclamo-factura", "Reclamo de factura", "billing", "commitment"),
    ("cambio-plan", "Cambio de plan", "general", "resolved"),
    ("soporte-tecnico", "Soporte técnico", "general", "escalated"),
    ("fraude-tarjeta", "Sospecha de fraude", "fraud", "escalated"),
)
FIRST = (
    "Andrea",
    "Carlos",
    "Diana",
    "Esteban",
    "Fernanda",
    "Gabriel",
    "Helena",
    "Iván",
    "Julia",
    "Kevin",
    "Lorena",
    "Mateo",
)
LAST = (
    "Quishpe",
    "Andrade",
    "Guamán",
    "Tipán",
    "Cevallos",
    "Chicaiza",
    "Mamani",
    "Villacís",
    "Paredes",
    "Salazar",
    "Toapanta",
    "Yépez",
)


def _skills_for(n: int) -> dict[str, int]:
    """Everyone takes general calls; some bill, two know fraud, three serve premier."""
    skills = {"general": 5 + n % 5}
    if n % 2 == 0:
        skills["billing"] = 6 + n % 4
    if n in (3, 7):
        skills["fraud"] = 8
    if n in (1, 4, 9):
        skills["premier"] = 9
    return skills


@dataclass(frozen=True)
class DemoAgent:
    agent_id: int
    username: str
    extension: str
    human: bool


def ensure_center(agent_count: int = 12) -> list[DemoAgent]:
    """The demo center's queues, skills, codes and agents (users ``agente1`` …), created
    once and left as they are on later runs (a person may have changed them)."""
    for name, label in SKILLS.items():
        setup.save_skill(name, label)
    for name, label, skill, level, overflow in QUEUES:
        if not selectors.queues().filter(name=name).exists():
            setup.save_queue(name, label, skill, level=level, overflows=list(overflow))
    for code, label, category, outcome in CODES:
        setup.save_wrap_up_code(code, label, category, outcome)
    ivr.seed_examples(ACTOR)  # the IVR's example flows (examples/ivr), on these queues
    setup.update_settings(trunks=60, wrap_up_seconds=20, offer_timeout_seconds=15)
    group, _ = Group.objects.get_or_create(name="agent")
    hashed = make_password(DEMO_PASSWORD)
    made = []
    for n in range(1, agent_count + 1):
        username = f"agente{n}"
        first, last = FIRST[(n - 1) % len(FIRST)], LAST[(n - 1) % len(LAST)]
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "password": hashed},
        )
        user.groups.add(group)
        agent = selectors.agent_for_user(user)
        extension = str(2000 + n)
        if agent is None:
            agent = setup.save_agent(
                f"{first} {last}", user=user, skills=_skills_for(n), extension=extension
            )
        made.append(DemoAgent(agent.pk, username, agent.extension, username in HUMANS))
    return made


def _known_numbers(limit: int = 400) -> tuple[str, ...]:
    """Phones of demo customers, so most callers pop up with their record."""
    facts = dialing_facts(range(1, limit + 1), "service")
    return tuple(f.phone for f in facts.values() if f.phone)


def _open_clock(now: datetime) -> float:
    """Seconds into the day the switch starts at: now if the center is open, else 10:30."""
    local = timezone.localtime(now)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return float(seconds) if 8 * 3600 <= seconds < 20 * 3600 - 600 else 10.5 * 3600


@dataclass
class AutoAgents:
    """The agents the demo drives: answer what rings, wrap up a little after the call
    (without ``wrap_ups`` they leave it to the router's wrap-up timer)."""

    switch: SwitchSimulator
    team: list[DemoAgent]
    rng: random.Random
    wrap_ups: bool = True
    ring_seconds: float = 2.0
    ringing_since: dict[int, float] = field(default_factory=dict)
    wrap_until: dict[int, float] = field(default_factory=dict)

    def act(self, now: float) -> None:
        for member in self.team:
            try:
                self._act_for(member, now)
            except (DomainError, TelephonyError) as exc:  # the caller hung up meanwhile
                log.debug("demo agent %s: %s", member.username, exc)

    def _act_for(self, member: DemoAgent, now: float) -> None:
        found = selectors.agent(member.agent_id)
        if found is None:
            return
        if found.state in (AgentState.LOGGED_OUT, AgentState.NOT_READY):
            self._back_to_work(found.state, member.agent_id)
            return
        for contact in selectors.live_contacts(member.agent_id):
            if contact.status == ContactStatus.OFFERED:
                self._answer(contact, member, now)
            elif contact.status == ContactStatus.WRAP_UP and self.wrap_ups:
                self._wrap_up(contact, now)

    @staticmethod
    def _back_to_work(state: str, agent_id: int) -> None:
        if state == AgentState.LOGGED_OUT:
            agents.log_in(agent_id, ACTOR)
        else:
            agents.set_state(agent_id, AgentState.AVAILABLE, ACTOR)

    def _answer(self, contact: Contact, member: DemoAgent, now: float) -> None:
        rings = self.ringing_since.setdefault(contact.pk, now)
        if now - rings < self.ring_seconds:  # a phone rings a moment before it is picked up
            return
        self.ringing_since.pop(contact.pk, None)
        call = cti.call_for_contact(contact.pk)
        if call is None or call.switch_id != self.switch.switch_id:
            contacts.answer(contact.pk, ACTOR, agent_id=member.agent_id)
        else:
            self.switch.answer(call.call_ref, member.extension)

    def _wrap_up(self, contact: Contact, now: float) -> None:
        until = self.wrap_until.setdefault(contact.pk, now + self.rng.uniform(4, 15))
        if now < until:
            return
        self.wrap_until.pop(contact.pk, None)
        code, _label, _category, outcome = self.rng.choice(CODES)
        follow = timezone.localdate() + timedelta(days=2) if outcome == "commitment" else None
        contacts.wrap_up(contact.pk, ACTOR, code=code, outcome=outcome, follow_up_on=follow)


class DemoCenter:
    """The switch, the CTI feed, the mirror and the automatic agents, in one loop."""

    def __init__(
        self,
        *,
        calls_per_day: float = 1200,
        seed: int = 7,
        route: bool = False,
        now: datetime | None = None,
    ) -> None:
        self.team = ensure_center()
        now = now or timezone.now()
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        config = SwitchConfig(
            switch_id=SWITCH_ID,
            trunks=60,
            phones=tuple(m.extension for m in self.team),
            arrivals=ArrivalCurve.typical_day(calls_per_day),
            callers=CallerProfile(
                queues=QUEUE_MIX,
                known_numbers=_known_numbers(),
                unknown_share=0.15,
                withheld_share=0.03,
                patience_mean=90.0,
                talk_mean=150.0,
            ),
            start=midnight,
        )
        self.switch = SwitchSimulator(config, seed=seed, now=_open_clock(now))
        cti.apply_events([self._restarted()])  # calls of a previous demo run are closed
        self.mirror = SwitchMirror(self.switch)
        autos = [m for m in self.team if not m.human]
        self.autos = AutoAgents(self.switch, autos, random.Random(seed))
        self.router = RouterRuntime() if route else None
        self.applied = 0

    def _restarted(self) -> SwitchEvent:
        """A fresh simulator is a restarted switch: a later epoch than any stored one."""
        stored = CtiSwitch.objects.filter(switch_id=SWITCH_ID).values_list("epoch", flat=True)
        epoch = (stored.first() or 0) + 1
        self.switch.epoch = epoch
        return SwitchRestarted(switch_id=SWITCH_ID, epoch=epoch, at=timezone.now())

    def tick(self, now: float) -> None:
        if self.router is not None:
            self.router.step()
        self.mirror.step()
        self.autos.act(now)

    def feed(self, events: list[SwitchEvent]) -> None:
        results = cti.apply_events(events)
        self.applied += sum(r.status == "applied" for r in results)
        for event, result in zip(events, results, strict=True):
            if result.status == "refused":
                log.info("demo switch event %s refused: %s", event.type, result.error)

    def run(self, *, speed: float = 1.0, until: float | None = None, stop: Any = None) -> float:
        """Run until ``until`` simulated seconds from now (forever without), or ``stop``."""
        end = None if until is None else self.switch.now + until
        return drive(
            self.switch,
            self.feed,
            speed=speed,
            until=end,
            stop=stop or threading.Event(),
            before_tick=self.tick,
            tick=0.25,
        )


def clock_text(seconds: float) -> str:
    """The simulated time of day, as HH:MM:SS."""
    whole = int(seconds) % 86400
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
