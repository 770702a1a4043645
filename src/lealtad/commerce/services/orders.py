"""Orders from any channel: placement with stock reservation and payment, then fulfilment.

Life of an order::

    placed ──ship──▶ shipped ──deliver──▶ delivered
       │ ──collect (pickup)──▶ completed
       │ ──cancel──▶ cancelled (units and authorization released)
    take_now: placed and completed in one step (units leave the shelf, payment captured)

Placing is :mod:`.placement` (with :mod:`.order_plan` and :mod:`.allocation`), money back
:mod:`.refunds`; this module holds what moves a placed order's status (cancellation) and
names the order's use cases for callers. Shipping, delivery and collection (with partial
shipments) are in :mod:`.shipments`; returns (:mod:`.returns`) move a delivered/completed
order to ``partly_returned``/``returned``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lealtad.commerce.models import (
    Order,
    OrderLine,
    Payment,
    Shipment,
    Stock,
)
from lealtad.commerce.services import captures, gateway_calls, points_tender, stock
from lealtad.commerce.services.common import (
    Conflict,
    NotFound,
    SaleContext,
    live_customer,
)
from lealtad.commerce.services.placement import (
    new_number,
    order_payload,
    place_order,
    record_external_order,
)
from lealtad.commerce.services.refunds import adjust_price, refund, refundable

__all__ = [
    "adjust_price",
    "cancel_order",
    "get_order",
    "new_number",
    "order_payload",
    "place_order",
    "record_external_order",
    "refund",
    "refundable",
]


# Fulfilment --------------------------------------------------------------------------------


def _move(order: Order, before: tuple[str, ...], after: str) -> None:
    """Change the status only from an expected one: a second, concurrent request loses."""
    done = Order.objects.filter(pk=order.pk, status__in=before).update(
        status=after, updated_at=timezone.now()
    )
    if done != 1:
        order.refresh_from_db()
        raise Conflict(
            f"order {order.number} is {order.status}; this needs it {' or '.join(before)}"
        )
    order.status = after


@gateway_calls.after_commit()
@transaction.atomic
def cancel_order(order: Order, reason: str, ctx: SaleContext) -> Order:
    """Cancel a placed order, or what is left unshipped of a partly shipped one.

    The units not shipped give their reservations back and what the card still holds is
    released (``void``): money is taken only for goods that left. A partly shipped order is
    then ``shipped`` (``delivered`` if its parcels all arrived): what left stays sold.
    """
    status = Order.objects.select_for_update().values_list("status", flat=True).get(pk=order.pk)
    partial = status == Order.Status.PARTLY_SHIPPED
    credit = order.payments.filter(kind=Payment.Kind.CHARGE, original__isnull=False)
    if partial and credit.exists():
        raise Conflict(
            f"order {order.number} is paid with another order's credit and partly shipped: "
            "return what arrived instead of cancelling the rest"
        )
    lines = list(order.lines.all())
    after = _after_cancel(order) if partial else Order.Status.CANCELLED
    before = order.status = status
    _move(order, (Order.Status.PLACED, Order.Status.PARTLY_SHIPPED), after)
    _release_unshipped(lines)
    left = _call_off(lines)
    captures.void_rest(order, ctx, reason)
    points_tender.give_back_unsold(order, lines, ctx, timezone.now())
    _tell_cancelled(order, before, reason, left, partial, ctx)
    return order


def _release_unshipped(lines: list[OrderLine]) -> None:
    """The units not shipped give their reservations back."""
    stock.release(
        stock.Hold(
            Stock.objects.get(variant_id=line.variant_id, location_id=line.location_id).pk,
            line.variant_id,
            line.location_id,
            line.to_ship,
        )
        for line in lines
        if line.location_id is not None and line.to_ship > 0
    )


def _tell_cancelled(
    order: Order,
    before: str,
    reason: str,
    left: list[dict[str, Any]],
    partial: bool,
    ctx: SaleContext,
) -> None:
    ctx.audit(
        "cancel_order",
        "order",
        order.number,
        {"status": [before, order.status], "reason": [None, reason], "cancelled": [None, left]},
        order.customer_id,
    )
    ctx.announce(
        "order.cancelled",
        order.number,
        order.customer_id,
        {"order": order.number, "reason": reason, "status": order.status, "lines": left},
    )
    if order.status == Order.Status.DELIVERED:
        ctx.announce("order.delivered", order.number, order.customer_id, {"order": order.number})
    text = (
        _("Rest of order %(number)s cancelled (not shipped)")
        if partial
        else _("Order %(number)s cancelled")
    )
    customer = live_customer(order.customer_id)
    ctx.timeline(customer, text % {"number": order.number}, "order", order.number)


def _call_off(lines: list[OrderLine]) -> list[dict[str, Any]]:
    """Every unit not shipped is cancelled for good: nothing is left to ship, a return of
    all that left returns the order, and the cancelled part is never due."""
    left = [{"sku": line.sku, "quantity": line.to_ship} for line in lines if line.to_ship > 0]
    for line in lines:
        if line.to_ship > 0:
            OrderLine.objects.filter(pk=line.pk).update(cancelled=F("cancelled") + line.to_ship)
            line.cancelled += line.to_ship
    return left


def _after_cancel(order: Order) -> str:
    """What a partly shipped order becomes when the rest is called off: shipped, or
    delivered when none of its parcels is still on its way."""
    on_the_way = order.shipments.filter(status=Shipment.Status.SHIPPED).exists()
    return Order.Status.SHIPPED if on_the_way else Order.Status.DELIVERED


def get_order(number: str) -> Order:
    order = Order.objects.filter(number=number).first()
    if order is None:
        raise NotFound(f"no order {number}")
    return order
