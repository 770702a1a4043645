"""Getting an order to the customer: shipments (one or several), deliveries, pickups.

Life of a shipped order::

    placed ──ship some──▶ partly_shipped ──ship the rest──▶ shipped ──deliver──▶ delivered

A shipment takes units that are reserved for the order at the location it leaves from. It may
leave from another location (the units are then taken from what is free there, and the
reservation held for them is released), which is how a backordered line of an external order
ships once stock is found. Each shipment captures the paid share of what it carries from the
card's authorization, and the one that completes the order captures what is left of it
(:mod:`.captures`; the gateway is asked once the shipment committed); collecting a pickup
order captures the rest. Each shipment is its own
``order.shipped`` event; the order is ``delivered`` when every unit is shipped and every
shipment delivered.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lealtad.commerce.models import Location, Order, OrderLine, Payment, Shipment, Stock
from lealtad.commerce.schemas import ShipIn
from lealtad.commerce.services import captures, gateway_calls, points_tender, stock
from lealtad.commerce.services.common import (
    Conflict,
    NotFound,
    OutOfStock,
    SaleContext,
    live_customer,
)
from lealtad.commerce.services.orders import _move
from lealtad.commerce.services.placement import new_number

SHIPPABLE = (Order.Status.PLACED, Order.Status.PARTLY_SHIPPED)


@dataclass(frozen=True)
class _Pick:
    line: OrderLine
    quantity: int
    source: Location


@gateway_calls.after_commit()
def ship_order(order: Order, data: ShipIn, ctx: SaleContext) -> list[Shipment]:
    """Ship every unit not yet shipped, or only ``data.lines``; one shipment per location.

    A repeated ``idempotency_key`` answers the shipments it made the first time.
    """
    if data.idempotency_key:
        found = _shipped_with(data.idempotency_key, order)
        if found:
            return found
    try:
        with transaction.atomic():
            return _ship(order, data, ctx)
    except IntegrityError:
        found = _shipped_with(data.idempotency_key, order) if data.idempotency_key else []
        if not found:
            raise
        return found


def _shipped_with(key: str, order: Order) -> list[Shipment]:
    found = list(
        Shipment.objects.filter(
            Q(idempotency_key=key) | Q(idempotency_key__startswith=f"{key}/")
        ).select_related("from_location")
    )
    if any(s.order_id != order.pk for s in found):
        raise Conflict("this idempotency key was used for another order's shipment")
    return found


def _ship(order: Order, data: ShipIn, ctx: SaleContext) -> list[Shipment]:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if data.idempotency_key:  # the same request, delivered twice at once: the first won
        found = _shipped_with(data.idempotency_key, order)
        if found:
            return found
    if order.fulfilment != Order.Fulfilment.SHIP:
        raise Conflict(f"order {order.number} is not shipped: it is {order.fulfilment}")
    lines = list(order.lines.select_for_update(of=("self",)).select_related("location"))
    if order.status not in SHIPPABLE:
        raise Conflict(_not_shippable(order, lines))
    picks = _picks(order, lines, data)
    shipped_before = {line.pk: line.shipped for line in lines}
    for pick in sorted(picks, key=lambda p: (p.source.pk, p.line.variant_id)):
        _take(pick)
    before = order.status
    complete = all(line.to_ship == 0 for line in lines)
    _move(order, SHIPPABLE, Order.Status.SHIPPED if complete else Order.Status.PARTLY_SHIPPED)
    parcels = _record(order, picks, data)
    shipments = [shipment for shipment, _ in parcels]
    _pay_for(order, lines, shipped_before, parcels, complete, ctx)
    _tell_shipped(order, before, shipments, complete, ctx)
    return shipments


def _tell_shipped(
    order: Order, before: str, shipments: list[Shipment], complete: bool, ctx: SaleContext
) -> None:
    """The shipping's audit row, one ``order.shipped`` event per shipment, a timeline step."""
    ctx.audit(
        "ship_order",
        "order",
        order.number,
        {
            "status": [before, order.status],
            "shipments": [None, [{"tracking": s.tracking, "lines": s.lines} for s in shipments]],
        },
        order.customer_id,
    )
    for s in shipments:
        ctx.announce(
            "order.shipped",
            f"{order.number}:{s.tracking}",
            order.customer_id,
            {
                "order": order.number,
                "status": order.status,
                "complete": complete,
                "shipment": _described(s),
                "shipments": [_described(s)],
                "ship_to": order.ship_to,
            },
        )
    text = (
        _("Order %(number)s shipped (%(tracking)s)")
        if complete
        else _("Order %(number)s partly shipped (%(tracking)s)")
    )
    ctx.timeline(
        live_customer(order.customer_id),
        text % {"number": order.number, "tracking": ", ".join(s.tracking for s in shipments)},
        "order",
        order.number,
        ", ".join(s.from_location.name for s in shipments),
    )


def _not_shippable(order: Order, lines: list[OrderLine]) -> str:
    """Why nothing ships: the rest was cancelled, or the order is past (or not in) shipping."""
    cancelled = sum(line.cancelled for line in lines)
    if cancelled and not any(line.to_ship for line in lines):
        return (
            f"order {order.number} has nothing left to ship: "
            f"its {cancelled} unshipped unit(s) were cancelled"
        )
    return f"order {order.number} is {order.status}; this needs it placed or partly_shipped"


def _picks(order: Order, lines: list[OrderLine], data: ShipIn) -> list[_Pick]:
    """What leaves from where; refuses unknown SKUs/locations and more than is left."""
    if not data.lines:
        picks = []
        for line in lines:
            if line.to_ship == 0:
                continue
            if line.location is None:
                raise Conflict(
                    f"some lines have no stock allocated yet: name the location {line.sku} "
                    "ships from"
                )
            picks.append(_Pick(line, line.to_ship, line.location))
        if not picks:
            raise Conflict(f"order {order.number} has nothing left to ship")
        return picks
    by_sku = {line.sku: line for line in lines}
    codes = {item.location for item in data.lines if item.location}
    places = {loc.code: loc for loc in Location.objects.filter(code__in=codes, active=True)}
    wanted: dict[tuple[str, str | None], int] = defaultdict(int)
    per_sku: dict[str, int] = defaultdict(int)
    for item in data.lines:
        if item.sku not in by_sku:
            raise Conflict(f"{item.sku} is not on order {order.number}")
        if item.location and item.location not in places:
            raise NotFound(f"lines.location: unknown location {item.location}")
        wanted[(item.sku, item.location)] += item.quantity
        per_sku[item.sku] += item.quantity
    for sku, quantity in per_sku.items():
        left = by_sku[sku].to_ship
        if quantity > left:
            raise Conflict(f"{sku}: {quantity} to ship but only {left} left to ship")
    picks = []
    for (sku, code), quantity in wanted.items():
        line = by_sku[sku]
        source = places[code] if code else line.location
        if source is None:
            raise Conflict(f"{sku} has no stock allocated: name the location it ships from")
        picks.append(_Pick(line, quantity, source))
    return picks


def _take(pick: _Pick) -> None:
    """The units leave the shelf: reserved ones where they were held, else free ones."""
    line = pick.line
    if line.location_id == pick.source.pk:
        stock.take_out(line.variant_id, pick.source.pk, pick.quantity)
    else:
        try:
            stock.take_available(line.variant_id, pick.source.pk, pick.quantity)
        except OutOfStock as exc:
            raise OutOfStock(
                f"not enough {line.sku} free at {pick.source.code} to ship {pick.quantity}"
            ) from exc
        if line.location_id is not None:
            held = Stock.objects.get(variant_id=line.variant_id, location_id=line.location_id)
            stock.release([stock.Hold(held.pk, line.variant_id, line.location_id, pick.quantity)])
    OrderLine.objects.filter(pk=line.pk).update(shipped=F("shipped") + pick.quantity)
    line.shipped += pick.quantity


def _record(order: Order, picks: list[_Pick], data: ShipIn) -> list[tuple[Shipment, list[_Pick]]]:
    """One shipment per location shipped from, with the picks it carries."""
    by_source: dict[int, list[_Pick]] = defaultdict(list)
    for pick in picks:
        by_source[pick.source.pk].append(pick)
    now = timezone.now()
    parcels = []
    for n, source_id in enumerate(sorted(by_source)):
        group = by_source[source_id]
        key = None
        if data.idempotency_key:
            key = data.idempotency_key if n == 0 else f"{data.idempotency_key}/{n}"
        shipment = Shipment.objects.create(
            order=order,
            from_location=group[0].source,
            carrier=data.carrier,
            tracking=data.tracking or new_number("ENV"),
            ship_to=order.ship_to,
            lines=[{"sku": p.line.sku, "quantity": p.quantity} for p in group],
            shipped_at=now,
            idempotency_key=key,
        )
        parcels.append((shipment, group))
    return parcels


def _pay_for(
    order: Order,
    lines: list[OrderLine],
    shipped_before: dict[int, int],
    parcels: list[tuple[Shipment, list[_Pick]]],
    complete: bool,
    ctx: SaleContext,
) -> list[Payment]:
    """Each shipment captures what the goods shipped so far were paid, less what was already
    taken (earlier captures, an exchange's credit); the last one of a completed order takes
    what is left of the authorization. The gateway is asked once the shipment committed."""
    shipped = dict(shipped_before)
    points = points_tender.paid_in_points(order)  # they pay their share of each parcel
    already = captures.taken(order) - points
    made: list[Payment] = []
    for n, (shipment, group) in enumerate(parcels):
        for pick in group:
            shipped[pick.line.pk] += pick.quantity
        value = captures.shipped_value(lines, shipped)
        due = points_tender.money_part(order, value, points) - already
        key = shipment.idempotency_key or f"{order.number}:{shipment.pk}"
        final = complete and n == len(parcels) - 1
        took = captures.capture(order, due, ctx, key=key, shipment=shipment, final=final)
        already += sum((p.amount for p in took), captures.ZERO)
        made += took
    return made


def _described(s: Shipment) -> dict[str, object]:
    return {
        "from": s.from_location.code,
        "carrier": s.carrier,
        "tracking": s.tracking,
        "lines": s.lines,
    }


@transaction.atomic
def deliver_order(order: Order, ctx: SaleContext, tracking: str | None = None) -> Order:
    """The carrier delivered the shipments on their way (or only ``tracking``'s). The order is
    ``delivered`` once everything was shipped and every shipment delivered."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in (Order.Status.SHIPPED, Order.Status.PARTLY_SHIPPED):
        raise Conflict(f"order {order.number} is {order.status}; this needs it shipped")
    on_the_way = order.shipments.filter(status=Shipment.Status.SHIPPED)
    if tracking:
        on_the_way = on_the_way.filter(tracking=tracking)
    delivered = list(on_the_way.values_list("tracking", flat=True))
    if not delivered:
        raise Conflict(
            f"no shipment {tracking} of order {order.number} is on its way"
            if tracking
            else f"no shipment of order {order.number} is on its way"
        )
    on_the_way.update(status=Shipment.Status.DELIVERED, delivered_at=timezone.now())
    before = order.status
    everything = (
        order.status == Order.Status.SHIPPED
        and not order.shipments.filter(status=Shipment.Status.SHIPPED).exists()
    )
    if everything:
        _move(order, (Order.Status.SHIPPED,), Order.Status.DELIVERED)
    ctx.audit(
        "deliver_order",
        "order",
        order.number,
        {"status": [before, order.status], "delivered": [None, delivered]},
        order.customer_id,
    )
    for number in delivered:
        ctx.announce(
            "shipment.delivered",
            f"{order.number}:{number}",
            order.customer_id,
            {"order": order.number, "tracking": number},
        )
    if everything:
        ctx.announce("order.delivered", order.number, order.customer_id, {"order": order.number})
    return order


@gateway_calls.after_commit()
@transaction.atomic
def collect_order(order: Order, ctx: SaleContext) -> Order:
    """A pickup order handed to the customer at the store."""
    if order.fulfilment != Order.Fulfilment.PICKUP:
        raise Conflict(f"order {order.number} is not a pickup order")
    _move(order, (Order.Status.PLACED,), Order.Status.COMPLETED)
    for line in order.lines.all():
        if line.location_id is None:
            raise Conflict("some lines have no stock allocated yet")
        stock.take_out(line.variant_id, line.location_id, line.to_ship)
    order.lines.update(shipped=F("quantity") - F("cancelled"))
    captures.capture(order, captures.ZERO, ctx, key=f"{order.number}:collect", final=True)
    ctx.audit(
        "collect_order",
        "order",
        order.number,
        {"status": ["placed", "completed"]},
        order.customer_id,
    )
    ctx.announce("order.completed", order.number, order.customer_id, {"order": order.number})
    return order
