"""A hand-built week of the service desk (March 2025, the installation's time zone), worked
through the real case services with the clock set at each step, for the metrics tests.

Cases resolved in the week [1 March, 8 March):
    A  opened 2/3 10:00, reply 10:30, resolved 12:00                     first contact, 2 h
    B  opened 2/3 10:00, internal note 10:10, reply 10:20, resolved 11:00  first contact, 1 h
    C  opened 3/3 09:00, reply 11:00 (late), customer writes 12:00,
       field work 100.00, resolved 20:00 (late; 01:00 UTC the next day)  customer wrote, 11 h
    D  opened 3/3 09:00, reply 09:10, resolved 10:00, reopened 11:00,
       resolved 13:00                                                   reopened, 4 h
    E  opened 4/3 09:00, reply 09:30, moved to the experts 10:00,
       resolved 14:00                                                   transferred, 5 h
    F  opened 4/3 09:00, reply 09:20, resolved 10:00 as a commitment     other outcome, 1 h
Still open at the week's end: G (opened 20/2, never answered), H (opened 5/3, answered,
resolved 9/3), I (opened 6/3, never answered). "Now" is 10/3 12:00.

Level 1 charges 5.00 a case, the experts 40.00. Customers: 1 (A, B), 2 (C), 3 (D, E, F),
4 (G, H, I).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.service.models import (
    BusinessCalendar,
    Case,
    GroupMember,
    SlaPolicy,
    SupportGroup,
)
from lealtad.service.services import cases, costing
from lealtad.service.services.cases import NewCase

ACTOR = Actor.system("test")
WEEK = ("2025-03-01", "2025-03-08")


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return timezone.make_aware(datetime(2025, month, day, hour, minute))


@dataclass
class Desk:
    """The clock the case services read, and the cases by letter."""

    now: datetime = field(default_factory=timezone.now)
    cases: dict[str, Case] = field(default_factory=dict)

    def open(self, name: str, when: datetime, customer: int, **more: object) -> Case:
        self.now = when
        new = NewCase(subject=f"Caso {name}", category="post_sale", customer_id=customer)
        for key, value in more.items():
            setattr(new, key, value)
        self.cases[name] = cases.open_case(new, ACTOR, at=when)
        return self.cases[name]

    def do(self, name: str, when: datetime, action: str, *args: object) -> None:
        self.now = when
        case_id = self.cases[name].pk
        if action == "resolve":
            resolve(case_id, *args)
        else:
            getattr(cases, action)(case_id, *args)


def resolve(case_id: int, outcome: str = "resolved", follow_up: date | None = None) -> None:
    """``cases.resolve`` and the handling charge it is to make in the same transaction."""
    with transaction.atomic():
        cases.resolve(case_id, ACTOR, outcome, follow_up_on=follow_up)
        costing.charge_handling(Case.objects.select_for_update().get(pk=case_id))


@pytest.fixture
def groups(db, make_user):
    experts = SupportGroup.objects.create(
        name="expertos", label="Expertos", level=2, cost_per_case=Decimal("40.00")
    )
    level1 = SupportGroup.objects.create(
        name="nivel1", label="Nivel 1", level=1, cost_per_case=Decimal("5.00")
    )
    GroupMember.objects.create(group=level1, user=make_user("agent", "ana"), max_open=100)
    always = BusinessCalendar.objects.create(
        name="24x7", label="24x7", time_zone="UTC", always_open=True
    )
    SlaPolicy.objects.create(
        name="estandar",
        label="Estándar",
        calendar=always,
        first_response_minutes=60,
        resolution_minutes=480,
    )
    return level1, experts


@pytest.fixture
def desk(groups, monkeypatch) -> Desk:
    found = Desk()
    monkeypatch.setattr(timezone, "now", lambda: found.now)
    return found


@pytest.fixture
def week(desk: Desk) -> Desk:
    d = desk
    d.open("G", at(20, 9, month=2), 4)
    d.open("A", at(2, 10), 1)
    d.do("A", at(2, 10, 30), "reply", "Listo", ACTOR)
    d.do("A", at(2, 12), "resolve")
    d.open("B", at(2, 10), 1, channel="phone")
    d.do("B", at(2, 10, 10), "note", "Revisar", ACTOR)
    d.do("B", at(2, 10, 20), "reply", "Hecho", ACTOR)
    d.do("B", at(2, 11), "resolve")
    d.open("C", at(3, 9), 2, category="complaint", value_tier="mvc")
    d.do("C", at(3, 11), "reply", "Lo vemos", ACTOR)
    d.do("C", at(3, 12), "customer_message", "Sigue mal", ACTOR)
    Case.objects.filter(pk=d.cases["C"].pk).update(cost=F("cost") + Decimal("100.00"))
    d.do("C", at(3, 20), "resolve")
    d.open("D", at(3, 9), 3)
    d.do("D", at(3, 9, 10), "reply", "Ok", ACTOR)
    d.do("D", at(3, 10), "resolve")
    d.do("D", at(3, 11), "set_status", "open", ACTOR)
    d.do("D", at(3, 13), "resolve")
    d.open("E", at(4, 9), 3)
    d.do("E", at(4, 9, 30), "reply", "Pasamos a expertos", ACTOR)
    d.now = at(4, 10)
    cases.assign(d.cases["E"].pk, ACTOR, "expertos")
    d.do("E", at(4, 14), "resolve")
    d.open("F", at(4, 9), 3)
    d.do("F", at(4, 9, 20), "reply", "Le llamamos", ACTOR)
    d.do("F", at(4, 10), "resolve", "commitment", date(2025, 3, 12))
    d.open("H", at(5, 9), 4)
    d.do("H", at(5, 9, 30), "reply", "Revisando", ACTOR)
    d.open("I", at(6, 9), 4)
    d.do("H", at(9, 9), "resolve")
    d.now = at(10, 12)
    for case in d.cases.values():
        case.refresh_from_db()
    return d


def hours(value: float) -> timedelta:
    return timedelta(hours=value)
