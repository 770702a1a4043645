"""Reads for contracts, RMAs, field service, spare parts and defects.

``support_level_of`` is what the SLA helper asks: the best level among the customer's
contracts in force at a moment (premium over plus over basic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F, QuerySet
from django.utils import timezone

from lealtad.service.models import (
    DefectAlert,
    PartStock,
    PurchaseOrder,
    Rma,
    ServiceContract,
    Technician,
    WorkOrder,
)
from lealtad.service.services import contracts

LEVEL_ORDER = contracts.LEVEL_ORDER
COVERAGE_ORDER = {"business": 1, "extended": 2, "24x7": 3}


def contracts_in_force(customer_id: int, on: date) -> QuerySet[ServiceContract]:
    return ServiceContract.objects.filter(
        customer_id=customer_id, cancelled=False, starts_on__lte=on, ends_on__gte=on
    )


def support_level_of(customer_id: int | None, at: datetime | date | None = None) -> str | None:
    """The customer's support level at ``at`` (now when omitted), ``None`` without a contract."""
    return contracts.support_level_of(customer_id, at)


@dataclass(frozen=True)
class Support:
    """What a customer's best contract in force promises: for the SLA policy and the agent."""

    level: str
    coverage: str
    contract: str


def support_of(customer_id: int | None, at: datetime | date | None = None) -> Support | None:
    """The contract that sets the customer's support at ``at``: the highest level, then the
    widest coverage, then the latest to end."""
    if customer_id is None:
        return None
    when = at or timezone.now()
    on = timezone.localdate(when) if isinstance(when, datetime) else when
    found = list(contracts_in_force(customer_id, on))
    if not found:
        return None
    best = max(
        found,
        key=lambda c: (
            LEVEL_ORDER.get(c.support_level, 0),
            COVERAGE_ORDER.get(c.coverage, 0),
            c.ends_on,
        ),
    )
    return Support(best.support_level, best.coverage, best.number)


def contract_for_serial(serial: str, on: date) -> ServiceContract | None:
    """The contract in force that covers a product serial (a technician reads it off the
    device)."""
    wanted = serial.strip()
    if not wanted:
        return None
    # The JSON's text narrows the rows on both databases; the list check is exact.
    candidates = ServiceContract.objects.filter(
        cancelled=False, starts_on__lte=on, ends_on__gte=on, serials__icontains=wanted
    ).order_by("-ends_on")
    for found in candidates:
        if wanted in found.serials:
            return found
    return None


def contract(number: str) -> ServiceContract | None:
    return ServiceContract.objects.filter(number=number).first()


def customer_contracts(customer_id: int) -> list[ServiceContract]:
    return list(ServiceContract.objects.filter(customer_id=customer_id))


def contracts_list(state: str = "", limit: int = 200) -> list[ServiceContract]:
    """The contracts page: ``in_force`` today, ``ended``, ``cancelled``, or all (newest first)."""
    today = timezone.localdate()
    found = ServiceContract.objects.all()
    if state == "in_force":
        found = found.filter(cancelled=False, starts_on__lte=today, ends_on__gte=today)
    elif state == "ended":
        found = found.filter(cancelled=False, ends_on__lt=today)
    elif state == "cancelled":
        found = found.filter(cancelled=True)
    return list(found[:limit])


def return_required(customer_id: int, on: date) -> bool:
    """Whether an RMA needs the goods back: not when a contract in force waives it."""
    return not contracts_in_force(customer_id, on).filter(return_required=False).exists()


def rma(number: str) -> Rma | None:
    return Rma.objects.filter(number=number).prefetch_related("lines").first()


def rmas(
    customer_id: int | None = None,
    status: str = "",
    limit: int = 100,
    case_id: int | None = None,
) -> list[Rma]:
    found = Rma.objects.prefetch_related("lines")
    if customer_id is not None:
        found = found.filter(customer_id=customer_id)
    if case_id is not None:
        found = found.filter(case_id=case_id)
    if status:
        found = found.filter(status=status)
    return list(found[:limit])


def work_order(number: str) -> WorkOrder | None:
    return (
        WorkOrder.objects.filter(number=number)
        .select_related("case", "technician")
        .prefetch_related("parts__part")
        .first()
    )


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def technician_day(technician_id: int, day: date) -> list[WorkOrder]:
    """A technician's visits of the day, in order (their mobile page)."""
    start, end = _day_bounds(day)
    return list(
        WorkOrder.objects.filter(
            technician_id=technician_id, starts_at__gte=start, starts_at__lt=end
        )
        .exclude(status=WorkOrder.Status.CANCELLED)
        .select_related("case")
        .order_by("starts_at")
    )


@dataclass
class Board:
    technicians: list[tuple[Technician, list[WorkOrder]]]
    waiting: list[WorkOrder]


def board(day: date) -> Board:
    """The dispatcher's board: each technician's visits that day, and what waits unplanned."""
    start, end = _day_bounds(day)
    planned = (
        WorkOrder.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=WorkOrder.Status.CANCELLED)
        .select_related("case", "technician")
        .order_by("starts_at")
    )
    rows: dict[int, list[WorkOrder]] = {}
    for order in planned:
        rows.setdefault(order.technician_id or 0, []).append(order)
    technicians = list(Technician.objects.filter(active=True))
    waiting = WorkOrder.objects.filter(status=WorkOrder.Status.OPEN).select_related("case")
    return Board([(t, rows.get(t.pk, [])) for t in technicians], list(waiting[:200]))


def technician(pk: int) -> Technician | None:
    return Technician.objects.filter(pk=pk).first()


def technician_for_user(user_id: int | None) -> Technician | None:
    if user_id is None:
        return None
    return Technician.objects.filter(user_id=user_id, active=True).first()


def below_minimum() -> list[PartStock]:
    return list(
        PartStock.objects.filter(on_hand__lt=F("minimum")).select_related("part").order_by("id")
    )


def stock(location: str = "") -> list[PartStock]:
    found = PartStock.objects.select_related("part").order_by("part__sku", "location")
    return list(found.filter(location=location) if location else found)


def purchase_orders(status: str = "", limit: int = 100) -> list[PurchaseOrder]:
    found = PurchaseOrder.objects.prefetch_related("lines__part")
    return list((found.filter(status=status) if status else found)[:limit])


def purchase_order(number: str) -> PurchaseOrder | None:
    return PurchaseOrder.objects.filter(number=number).prefetch_related("lines__part").first()


def defect_alerts(limit: int = 100) -> list[DefectAlert]:
    return list(DefectAlert.objects.all()[:limit])
