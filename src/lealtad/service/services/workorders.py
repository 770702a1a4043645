"""Field-service work orders: opened from a case, dispatched to a technician with the skill,
in the zone and free at the time (``service_engine.dispatch``), parts used from stock, time
and cost recorded; closing the last open work order of a case resolves it and adds its cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.service.choices import OPEN_STATUSES, EntryKind
from lealtad.service.models import Case, Technician, WorkOrder, WorkOrderPart
from lealtad.service.services import cases, parts
from lealtad.service.services.field_common import (
    FieldNotFound,
    FieldRefused,
    FieldState,
    announce,
    numbered,
    placeholder,
)
from lealtad.service_engine import dispatch

CENTS = Decimal("0.01")
LIVE = (WorkOrder.Status.OPEN, WorkOrder.Status.SCHEDULED)


@dataclass
class NewWorkOrder:
    case_id: int
    skill: str
    zone: str
    minutes: int = 60
    address: str = ""


def open_work_order(new: NewWorkOrder, actor: Actor) -> WorkOrder:
    if not new.skill.strip():
        raise FieldRefused(_("A visit needs a skill."), field="skill")
    if not new.zone.strip():
        raise FieldRefused(_("A visit needs a zone."), field="zone")
    if not 1 <= new.minutes <= 24 * 60:
        raise FieldRefused(_("A visit lasts 1 to 1440 minutes."), field="minutes")
    with transaction.atomic():
        case = cases.locked(new.case_id)
        if case.status not in OPEN_STATUSES:
            raise FieldState(_("Case %(n)s is not open."), field="case_id", n=case.number)
        order = WorkOrder.objects.create(
            number=placeholder(),
            case=case,
            skill=new.skill.strip(),
            zone=new.zone.strip(),
            minutes=new.minutes,
            address=new.address.strip(),
            created_at=timezone.now(),
        )
        numbered(order, "OT")
        cases.entry(
            case, EntryKind.NOTE, actor, body=f"{order.number}: {order.skill}, {order.zone}"
        )
    return order


def _locked(number: str) -> WorkOrder:
    found = WorkOrder.objects.select_for_update().filter(number=number).first()
    if found is None:
        raise FieldNotFound(_("There is no work order %(n)s."), field="number", n=number)
    return found


def _day_of(tech: Technician, day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, _as_time(tech.day_start), tzinfo=zone)
    return start, datetime.combine(day, _as_time(tech.day_end), tzinfo=zone)


def _as_time(value: time | str) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def _candidates(day: date, skip: int = 0) -> list[dispatch.Technician]:
    """Every active technician's day with the visits already booked on it (two queries)."""
    techs = list(Technician.objects.filter(active=True))
    days = {t.pk: _day_of(t, day) for t in techs}
    if not techs:
        return []
    first = min(start for start, _end in days.values())
    last = max(end for _start, end in days.values())
    booked: dict[int, list[dispatch.Booking]] = {t.pk: [] for t in techs}
    rows = (
        WorkOrder.objects.filter(
            technician_id__in=list(booked), status__in=LIVE, starts_at__lt=last, ends_at__gt=first
        )
        .exclude(pk=skip)
        .values_list("technician_id", "starts_at", "ends_at", "zone")
    )
    for tech_id, starts_at, ends_at, zone in rows:
        if starts_at and ends_at:
            booked[tech_id].append(dispatch.Booking(starts_at, ends_at, zone))
    return [
        dispatch.Technician(
            t.pk,
            frozenset(t.skills),
            frozenset(t.zones),
            days[t.pk][0],
            days[t.pk][1],
            tuple(booked[t.pk]),
        )
        for t in techs
    ]


def dispatch_order(
    number: str, day: date, actor: Actor, earliest: datetime | None = None
) -> WorkOrder:
    """Plan the visit on ``day``: the technician and time the dispatch core chooses."""
    with transaction.atomic():
        order = _locked(number)
        if order.status not in LIVE:
            raise FieldState(
                _("Work order %(n)s is %(s)s."), field="number", n=number, s=order.status
            )
        list(Technician.objects.select_for_update().filter(active=True))  # one planner at a time
        visit = dispatch.Visit(order.skill, order.zone, order.minutes, earliest)
        plan = dispatch.choose(visit, _candidates(day, skip=order.pk))
        if plan is None:
            raise FieldState(
                _("No technician with skill %(k)s is free for %(m)s minutes on %(d)s."),
                field="day",
                k=order.skill,
                m=order.minutes,
                d=day.isoformat(),
            )
        return _book(order, plan.technician_id, plan.start, plan.end, actor)


def schedule(number: str, technician_id: int, starts_at: datetime, actor: Actor) -> WorkOrder:
    """The dispatcher's own choice: refused when the technician lacks the skill or is busy."""
    with transaction.atomic():
        order = _locked(number)
        if order.status not in LIVE:
            raise FieldState(
                _("Work order %(n)s is %(s)s."), field="number", n=number, s=order.status
            )
        tech = Technician.objects.select_for_update().filter(pk=technician_id, active=True).first()
        if tech is None:
            raise FieldNotFound(
                _("There is no technician %(t)s."), field="technician", t=technician_id
            )
        if order.skill not in tech.skills:
            raise FieldRefused(
                _("%(t)s does not have the skill %(k)s."),
                field="technician",
                kind="conflict",
                t=tech.name,
                k=order.skill,
            )
        ends_at = starts_at + timedelta(minutes=order.minutes)
        busy = WorkOrder.objects.filter(
            technician=tech, status__in=LIVE, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).exclude(pk=order.pk)
        if busy.exists():
            raise FieldState(
                _("%(t)s already has a visit at that time."), field="starts_at", t=tech.name
            )
        return _book(order, tech.pk, starts_at, ends_at, actor)


def _book(
    order: WorkOrder, tech_id: int, start: datetime, end: datetime, actor: Actor
) -> WorkOrder:
    order.technician_id, order.starts_at, order.ends_at = tech_id, start, end
    order.status = WorkOrder.Status.SCHEDULED
    order.save(update_fields=["technician", "starts_at", "ends_at", "status"])
    cases.entry(
        order.case,
        EntryKind.NOTE,
        actor,
        body=f"{order.number}: {start:%Y-%m-%d %H:%M}",
        data={"work_order": order.number, "technician": tech_id, "starts_at": start.isoformat()},
    )
    return order


def use_part(
    number: str, sku: str, quantity: int, actor: Actor, location: str = ""
) -> WorkOrderPart:
    """Parts the technician fitted, from their van (or ``location``); refused whole when the
    stock is short."""
    with transaction.atomic():
        order = _locked(number)
        if order.status not in LIVE:
            raise FieldState(
                _("Work order %(n)s is %(s)s."), field="number", n=number, s=order.status
            )
        where = location or (order.technician.location if order.technician else "")
        if not where:
            raise FieldRefused(
                _("Say which location the parts come from."), field="location", kind="conflict"
            )
        part, _po = parts.take(sku, where, quantity)
        used = WorkOrderPart.objects.create(
            work_order=order, part=part, location=where, quantity=quantity, unit_cost=part.unit_cost
        )
        WorkOrder.objects.filter(pk=order.pk).update(
            parts_cost=F("parts_cost") + part.unit_cost * quantity
        )
    return used


def close(number: str, minutes_worked: int, report: str, actor: Actor) -> WorkOrder:
    """The visit is done: labour at the technician's rate plus parts is the order's cost, added
    to the case's; the case is resolved when no other work order on it is still open."""
    if minutes_worked < 0 or minutes_worked > 24 * 60:
        raise FieldRefused(_("Minutes worked are 0 to 1440."), field="minutes_worked")
    with transaction.atomic():
        order = _locked(number)
        if order.status == WorkOrder.Status.DONE:
            raise FieldState(_("Work order %(n)s is already closed."), field="number", n=number)
        if order.status == WorkOrder.Status.CANCELLED or order.technician_id is None:
            raise FieldState(_("Work order %(n)s was never dispatched."), field="number", n=number)
        rate = order.technician.hourly_rate if order.technician else Decimal(0)
        order.labour_cost = (rate * minutes_worked / 60).quantize(CENTS)
        order.minutes_worked, order.report = minutes_worked, report.strip()
        order.status, order.closed_at = WorkOrder.Status.DONE, timezone.now()
        order.save()
        total = order.labour_cost + order.parts_cost
        Case.objects.filter(pk=order.case_id).update(cost=F("cost") + total)
        _resolve_case(order, total, actor)
        announce(
            "work_order.closed",
            order.number,
            {"work_order": order.number, "case": order.case.number, "cost": total},
            order.case.customer_id,
        )
    return order


def _resolve_case(order: WorkOrder, total: Decimal, actor: Actor) -> None:
    case = cases.locked(order.case_id)
    others = WorkOrder.objects.filter(case_id=case.pk, status__in=LIVE).exclude(pk=order.pk)
    if case.status in OPEN_STATUSES and not others.exists():
        text = _("Work order %(n)s done (cost %(c)s): %(r)s") % {
            "n": order.number,
            "c": total,
            "r": order.report,
        }
        cases.resolve(case.pk, actor, note_text=str(text))
    else:
        cases.entry(case, EntryKind.NOTE, actor, body=f"{order.number}: {total}")


def cancel(number: str, actor: Actor) -> WorkOrder:
    with transaction.atomic():
        order = _locked(number)
        if order.status not in LIVE:
            raise FieldState(
                _("Work order %(n)s is %(s)s."), field="number", n=number, s=order.status
            )
        order.status = WorkOrder.Status.CANCELLED
        order.save(update_fields=["status"])
    return order
