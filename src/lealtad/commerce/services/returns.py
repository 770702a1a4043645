"""Returns at any channel, against an order from any channel.

The goods go back on the shelf of the location that received them (not the one that sold
them), the money goes back to the order's original payment, and the reason is kept.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lealtad.commerce import returnable
from lealtad.commerce.models import Location, Order, OrderLine, Return, ReturnLine
from lealtad.commerce.schemas import ReturnIn
from lealtad.commerce.selectors.inbound import RETURNABLE
from lealtad.commerce.services import gateway_calls, points_tender, stock
from lealtad.commerce.services.cash_refunds import refund_in_cash
from lealtad.commerce.services.common import (
    Conflict,
    NotFound,
    SaleContext,
    live_customer,
)
from lealtad.commerce.services.placement import new_number
from lealtad.commerce.services.refunds import refund


def take_return(order: Order, data: ReturnIn, ctx: SaleContext) -> tuple[Return, bool]:
    """Take goods back; ``(return, False)`` when the idempotency key was already used."""
    if data.idempotency_key:
        found = Return.objects.filter(idempotency_key=data.idempotency_key).first()
        if found is not None:
            if found.order_id != order.pk:
                raise Conflict("this idempotency key was used for another order's return")
            return found, False
    location = receiving_location(data.location)
    try:
        return take_back(order, data, location, ctx), True
    except IntegrityError:
        found = Return.objects.filter(idempotency_key=data.idempotency_key).first()
        if found is None or not data.idempotency_key:
            raise
        return found, False


def receiving_location(code: str) -> Location:
    location = Location.objects.filter(code=code, active=True).first()
    if location is None:
        raise NotFound(f"location: unknown location {code}")
    return location


@gateway_calls.after_commit()
@transaction.atomic
def take_back(
    order: Order,
    data: ReturnIn,
    location: Location,
    ctx: SaleContext,
    *,
    refund_now: bool = True,
    on_timeline: bool = True,
) -> Return:
    """Goods back on ``location``'s shelf and, with ``refund_now``, their paid share back on
    the original payment. An exchange settles the money itself and tells the timeline once."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in RETURNABLE:
        raise Conflict(f"order {order.number} is {order.status}: nothing to return yet")
    lines = {line.sku: line for line in order.lines.select_for_update()}
    _refuse_excess(order, lines, data)
    ret = Return.objects.create(
        number=new_number("DEV"),
        order=order,
        customer_id=order.customer_id,
        channel=data.channel,
        location=location,
        reason=data.reason,
        refund_amount=Decimal("0.00"),
        refund_method=getattr(data, "refund_method", Return.RefundMethod.ORIGINAL),
        idempotency_key=data.idempotency_key,
        created_at=timezone.now(),
        created_by=ctx.actor.label[:150],
    )
    ret.refund_amount = _bring_back(ret, lines, data, location)
    ret.save(update_fields=["refund_amount"])
    if refund_now:  # what points paid comes back as points, in proportion; the rest as money
        in_money = ret.refund_amount - points_tender.give_back(order, ret, ctx)
        if ret.refund_method == Return.RefundMethod.CASH:
            refund_in_cash(order, in_money, ret.number, ctx)
        else:
            refund(order, in_money, ret.number, ctx)
    before = order.status
    order.status = _after_return(order, list(lines.values()))
    order.save(update_fields=["status", "updated_at"])
    _tell_returned(order, ret, location, data, before, ctx, on_timeline)
    return ret


def _refuse_excess(order: Order, lines: dict[str, OrderLine], data: ReturnIn) -> None:
    """Only units received and not yet returned come back (:mod:`..returnable`)."""
    for refused in returnable.excess(lines, data.lines)[:1]:
        if refused.left is None:
            raise Conflict(f"{refused.sku} is not on order {order.number}")
        raise Conflict(
            f"{refused.sku}: {refused.asked} returned but only {refused.left} "
            "received and not yet returned"
        )


def _bring_back(
    ret: Return, lines: dict[str, OrderLine], data: ReturnIn, location: Location
) -> Decimal:
    """The return's lines, each refunding its units' paid share, the units back on the
    receiving location's shelf; what the return refunds in all."""
    total = Decimal("0.00")
    for sku, quantity in returnable.wanted(data.lines).items():
        line = lines[sku]
        amount = returnable.paid_for(line, quantity, line.returned)
        total += amount
        ReturnLine.objects.create(
            ret=ret, order_line=line, quantity=quantity, refund=amount, restocked=data.restock
        )
        OrderLine.objects.filter(pk=line.pk).update(returned=F("returned") + quantity)
        line.returned += quantity
        if data.restock:
            stock.put_back(line.variant_id, location, quantity)
    return total


def _tell_returned(
    order: Order,
    ret: Return,
    location: Location,
    data: ReturnIn,
    before: str,
    ctx: SaleContext,
    on_timeline: bool,
) -> None:
    total = ret.refund_amount
    ctx.audit(
        "take_return",
        "return",
        ret.number,
        {"order": [None, order.number], "refund": [None, total], "status": [before, order.status]},
        order.customer_id,
    )
    wanted = returnable.wanted(data.lines)
    ctx.announce(
        "order.returned",
        ret.number,
        order.customer_id,
        {
            "order": order.number,
            "return": ret.number,
            "order_channel": order.channel,
            "location": location.code,
            "reason": data.reason,
            "refund": total,
            "lines": [{"sku": sku, "quantity": q} for sku, q in wanted.items()],
            "restocked": data.restock,
            "refund_method": ret.refund_method,
        },
    )
    if on_timeline:
        ctx.timeline(
            live_customer(order.customer_id),
            _("Return %(number)s of order %(order)s at %(where)s: %(reason)s")
            % {
                "number": ret.number,
                "order": order.number,
                "where": location.name,
                "reason": data.reason,
            },
            "return",
            ret.number,
            location.name,
        )


def _after_return(order: Order, lines: list[OrderLine]) -> str:
    """Returned when every unit not cancelled came back; a partly shipped order stays so
    while units are still to ship (the return shows in its returns); else partly returned."""
    if order.status == Order.Status.PARTLY_SHIPPED and any(line.to_ship for line in lines):
        return Order.Status.PARTLY_SHIPPED
    if all(line.returned == line.kept for line in lines):
        return Order.Status.RETURNED
    return Order.Status.PARTLY_RETURNED
