"""Service contracts: a customer's support level over a period, for some products or serials.

``support_level_of`` is the one reading of a customer's level at a moment: services (the SLA
policy) call it here, ``selectors.field`` answers with it; RMAs ask ``waives_return`` whether
a contract lets the goods stay with the customer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.service.models import Coverage, ServiceContract, SupportLevel
from lealtad.service.services.field_common import FieldNotFound, FieldRefused, FieldState


@dataclass
class NewContract:
    number: str
    customer_id: int
    support_level: str
    starts_on: date
    ends_on: date
    coverage: str = "business"
    serials: list[str] = field(default_factory=list)
    product_skus: list[str] = field(default_factory=list)
    return_required: bool = True


def _check(new: NewContract) -> None:
    if not new.number.strip():
        raise FieldRefused(_("A contract needs a number."), field="number")
    if new.support_level not in SupportLevel.values:
        raise FieldRefused(
            _("There is no support level %(l)s."), field="support_level", l=new.support_level
        )
    if new.coverage not in Coverage.values:
        raise FieldRefused(_("There is no coverage %(c)s."), field="coverage", c=new.coverage)
    if new.ends_on < new.starts_on:
        raise FieldRefused(
            _("A contract cannot end before it starts."), field="ends_on", kind="conflict"
        )
    if new.customer_id <= 0:
        raise FieldRefused(_("A contract is for a customer."), field="customer_id")


def create_contract(new: NewContract, actor: Actor) -> ServiceContract:
    _check(new)
    with transaction.atomic():
        if ServiceContract.objects.filter(number=new.number.strip()).exists():
            raise FieldState(
                _("Contract %(n)s already exists."), field="number", n=new.number.strip()
            )
        return ServiceContract.objects.create(
            number=new.number.strip(),
            customer_id=new.customer_id,
            support_level=new.support_level,
            coverage=new.coverage,
            serials=[s.strip() for s in new.serials if s.strip()],
            product_skus=[s.strip() for s in new.product_skus if s.strip()],
            starts_on=new.starts_on,
            ends_on=new.ends_on,
            return_required=new.return_required,
            created_at=timezone.now(),
            created_by=actor.label[:150],
        )


def cancel_contract(number: str, actor: Actor) -> ServiceContract:
    with transaction.atomic():
        found = ServiceContract.objects.select_for_update().filter(number=number).first()
        if found is None:
            raise FieldNotFound(_("There is no contract %(n)s."), field="number", n=number)
        if found.cancelled:
            raise FieldState(_("Contract %(n)s is already cancelled."), field="number", n=number)
        found.cancelled = True
        found.save(update_fields=["cancelled"])
    return found


def waives_return(customer_id: int, on: date) -> bool:
    """Whether a contract in force lets an RMA's goods stay with the customer (the RMA's own
    read, kept here: services do not import the selectors, which import services)."""
    return ServiceContract.objects.filter(
        customer_id=customer_id,
        cancelled=False,
        starts_on__lte=on,
        ends_on__gte=on,
        return_required=False,
    ).exists()


LEVEL_ORDER = {"basic": 1, "plus": 2, "premium": 3}


def support_level_of(customer_id: int | None, at: datetime | date | None = None) -> str | None:
    """The best support level among the customer's contracts in force at ``at`` (now when
    omitted), ``None`` without one (a read kept in services so services can use it without a
    services -> selectors import, which would close a cycle)."""
    if customer_id is None:
        return None
    return support_levels_of([customer_id], at).get(customer_id)


def support_levels_of(
    customer_ids: Iterable[int], at: datetime | date | None = None
) -> dict[int, str]:
    """:func:`support_level_of` for many customers in one query (those without a contract in
    force are left out)."""
    when = at or timezone.now()
    on = timezone.localdate(when) if isinstance(when, datetime) else when
    rows = ServiceContract.objects.filter(
        customer_id__in=set(customer_ids), cancelled=False, starts_on__lte=on, ends_on__gte=on
    ).values_list("customer_id", "support_level")
    best: dict[int, str] = {}
    for customer_id, level in rows:
        held = best.get(customer_id)
        if held is None or LEVEL_ORDER.get(level, 0) > LEVEL_ORDER.get(held, 0):
            best[customer_id] = level
    return best
