"""Pickup orders handed over at the store, with who collected them.

A pickup order waits on the store's shelf (its units reserved there) until someone comes for
it. Handing it over is collecting it (:func:`..shipments.collect_order`: the units leave the
shelf, the card's hold is captured) plus the proof of who took it: the name, and the last
digits of the document they showed when it was not the customer. Only the pickup store hands
it over; a batch is checked whole first (errors name the row and field), then written in one
transaction, so a bad row leaves every order waiting.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.commerce.models import Location, Order, PickupHandover
from lealtad.commerce.services import gateway_calls
from lealtad.commerce.services.common import Conflict, Invalid, NotFound, SaleContext
from lealtad.commerce.services.shipments import collect_order


@dataclass(frozen=True)
class Handover:
    order: str  # the order's number
    picked_up_by: str  # who took it: the customer, or the person they sent
    id_document: str = ""  # what identified them (kept to its last four characters)


def _checked(rows: list[Handover], store: Location) -> list[tuple[Order, Handover]]:
    """Every row's order, or the first refusal naming the row and its field."""
    if not rows:
        raise Invalid(_("Nothing to hand over."), field="rows")
    orders = {
        o.number: o
        for o in Order.objects.filter(number__in=[r.order for r in rows]).select_related("handover")
    }
    seen: set[str] = set()
    found = []
    for i, row in enumerate(rows):
        order = orders.get(row.order)
        if order is None:
            raise NotFound(
                _("There is no order %(number)s."), field=f"rows[{i}].order", number=row.order
            )
        if len(row.picked_up_by.strip()) < 3:
            raise Invalid(_("Write who picked the order up."), field=f"rows[{i}].picked_up_by")
        if row.order in seen:
            raise Invalid(
                _("Order %(number)s is twice in the list."),
                field=f"rows[{i}].order",
                number=row.order,
            )
        seen.add(row.order)
        _refuse(order, store, f"rows[{i}].order")
        found.append((order, row))
    return found


def _refuse(order: Order, store: Location, field: str) -> None:
    if order.fulfilment != Order.Fulfilment.PICKUP:
        raise Conflict(
            _("Order %(number)s is not picked up in a store."), field=field, number=order.number
        )
    if order.pickup_location_id != store.pk:
        raise Conflict(
            _("Order %(number)s is picked up at another store."), field=field, number=order.number
        )
    if hasattr(order, "handover") or order.status != Order.Status.PLACED:
        raise Conflict(
            _("Order %(number)s cannot be handed over: it is %(status)s."),
            field=field,
            number=order.number,
            status=order.get_status_display(),
        )


@gateway_calls.after_commit()
@transaction.atomic
def hand_over(rows: list[Handover], store: Location, ctx: SaleContext) -> list[PickupHandover]:
    """Hand each pickup order over at ``store``; the card is captured after the commit."""
    found = _checked(rows, store)
    now = timezone.now()
    made = []
    for order, row in found:
        collect_order(order, ctx)  # refuses (409) an order a concurrent hand-over took first
        made.append(
            PickupHandover(
                order=order,
                location=store,
                picked_up_by=row.picked_up_by.strip()[:150],
                id_document=row.id_document.strip()[-4:],
                handed_over_by=ctx.actor.label[:150],
                handed_over_at=now,
            )
        )
        ctx.audit(
            "hand_over_pickup",
            "order",
            order.number,
            {"picked_up_by": [None, row.picked_up_by.strip()], "location": [None, store.code]},
            order.customer_id,
        )
    return PickupHandover.objects.bulk_create(made)
