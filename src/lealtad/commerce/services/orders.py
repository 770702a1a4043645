"""Orders from any channel: placement with stock reservation and payment, then fulfilment.

Life of an order::

    placed ──ship──▶ shipped ──deliver──▶ delivered
       │ ──collect (pickup)──▶ completed
       │ ──cancel──▶ cancelled (units and authorization released)
    take_now: placed and completed in one step (units leave the shelf, payment captured)

Returns (:mod:`.returns`) move a delivered/completed order to ``partly_returned``/``returned``.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lealtad.commerce import gateway as gateways
from lealtad.commerce import pricing, selectors
from lealtad.commerce.models import (
    Location,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    PriceAdjustment,
    Shipment,
    Stock,
    Variant,
)
from lealtad.commerce.schemas import AdjustmentIn, LineIn, OrderIn, OrderPlacedEvent, ShipIn
from lealtad.commerce.services import stock
from lealtad.commerce.services.common import (
    Conflict,
    Invalid,
    NotFound,
    OutOfStock,
    PaymentFailed,
    SaleContext,
    live_customer,
)
from lealtad.customers.models import Address, Customer

MAX_ATTEMPTS = 4  # re-plan when another order took the units between planning and reserving


def new_number(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6).upper()}"


@dataclass
class _Plan:
    """A validated request, ready to be placed (everything it needs, read once)."""

    customer: Customer
    channel: str
    fulfilment: str
    lines: list[tuple[Variant, int, Location | None]]
    currency: str
    tax_country: str
    tax_region: str
    ship_to: dict[str, Any] = field(default_factory=dict)
    ship_address_id: int | None = None
    pickup: Location | None = None
    origin: Location | None = None
    coupon: str = ""
    idempotency_key: str | None = None
    token: str = ""
    method_label: str = ""
    external_ref: str = ""
    external_payment: str = ""  # an external channel's own payment reference


# Placement ---------------------------------------------------------------------------------


def place_order(data: OrderIn, ctx: SaleContext) -> tuple[Order, bool]:
    """Place an order; ``(order, False)`` when the idempotency key was already used."""
    if data.idempotency_key:
        found = _by_key(data.idempotency_key, data.customer_id)
        if found is not None:
            return found, False
    plan = _plan(data)
    try:
        return _place_with_retries(plan, ctx), True
    except IntegrityError:
        found = _by_key(data.idempotency_key, data.customer_id) if data.idempotency_key else None
        if found is None:
            raise
        return found, False


def _by_key(key: str, customer_id: int) -> Order | None:
    found = Order.objects.filter(idempotency_key=key).first()
    if found is not None and found.customer_id != live_customer(customer_id).pk:
        raise Conflict("this idempotency key was used for another customer's order")
    return found


def _place_with_retries(plan: _Plan, ctx: SaleContext, external: bool = False) -> Order:
    for attempt in range(MAX_ATTEMPTS):
        try:
            with transaction.atomic():
                return _place(plan, ctx, external)
        except OutOfStock as exc:
            if not exc.retry or attempt == MAX_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _merged(lines: list[LineIn]) -> dict[tuple[str, str | None], int]:
    merged: dict[tuple[str, str | None], int] = defaultdict(int)
    for line in lines:
        merged[(line.sku, line.location)] += line.quantity
    return merged


def _locations(codes: set[str]) -> dict[str, Location]:
    found = {loc.code: loc for loc in Location.objects.filter(code__in=codes, active=True)}
    missing = codes - set(found)
    if missing:
        raise Invalid(f"unknown location {', '.join(sorted(missing))}")
    return found


def _variants(skus: set[str]) -> dict[str, Variant]:
    found = {
        v.sku: v
        for v in Variant.objects.filter(sku__in=skus, active=True).select_related(
            "product__category"
        )
    }
    missing = skus - set(found)
    if missing:
        raise Invalid(f"unknown SKU {', '.join(sorted(missing))}")
    currencies = {v.currency for v in found.values()}
    if len(currencies) > 1:
        raise Invalid("one order is paid in one currency")
    return found


def _plan(data: OrderIn) -> _Plan:
    customer = live_customer(data.customer_id)
    merged = _merged(data.lines)
    variants = _variants({sku for sku, _ in merged})
    codes = {loc for _, loc in merged if loc} | {
        c for c in (data.pickup_location, data.origin_location) if c
    }
    locations = _locations(codes)
    plan = _Plan(
        customer=customer,
        channel=data.channel,
        fulfilment=data.fulfilment,
        lines=[
            (variants[sku], qty, locations[loc] if loc else None)
            for (sku, loc), qty in merged.items()
        ],
        currency=next(iter(variants.values())).currency,
        tax_country="",
        tax_region="",
        pickup=locations.get(data.pickup_location or ""),
        origin=locations.get(data.origin_location or ""),
        coupon=data.coupon,
        idempotency_key=data.idempotency_key,
    )
    if data.fulfilment == "ship":
        address = _address(customer, data.ship_address_id, data.ship_address_kind)
        plan.ship_address_id = address.pk
        plan.ship_to = {
            "kind": address.kind,
            "line1": address.line1,
            "line2": address.line2,
            "city": address.city,
            "region": address.region,
            "postal_code": address.postal_code,
            "country": address.country,
        }
        plan.tax_country, plan.tax_region = address.country, address.region
    else:
        assert plan.pickup is not None
        plan.tax_country, plan.tax_region = plan.pickup.country, plan.pickup.tax_region
        if data.fulfilment == "take_now" and plan.origin is None:
            plan.origin = plan.pickup
    plan.token, plan.method_label = _payment_source(customer, data)
    return plan


def _address(customer: Customer, address_id: int | None, kind: str | None) -> Address:
    today = date.today()
    current = Address.objects.filter(customer=customer).filter(
        Q(valid_to=None) | Q(valid_to__gte=today)
    )
    if address_id is not None:
        found = current.filter(pk=address_id).first()
    else:
        found = current.filter(kind=kind).order_by("-valid_from", "-id").first()
    if found is None:
        raise Invalid("no such current address on file for this customer")
    return found


def _payment_source(customer: Customer, data: OrderIn) -> tuple[str, str]:
    pay = data.payment
    if pay.card_number:
        try:
            card = gateways.gateway().tokenize(pay.card_number)
        except gateways.PaymentDeclined as exc:
            raise Invalid(str(exc)) from exc
        return card.token, f"{card.brand} ···{card.last4}"
    methods = PaymentMethod.objects.filter(customer_id=customer.pk)
    method = methods.filter(pk=pay.method_id).first() if pay.method_id else methods.first()
    if method is None:
        raise Invalid("no such payment method on file for this customer")
    return method.token, f"{method.brand} ···{method.last4}"


def _allocate(plan: _Plan) -> tuple[list[stock.Hold], list[Location | None], bool]:
    """Choose, for each line, the stock row its units come from.

    Explicit location, else the pickup store (pickup, take now), else for shipping: the
    asking store if it has them all, then warehouses before stores, most units first. A line
    is not split over locations. Returns the holds, each line's location and whether a sale
    the asking store could not serve was captured elsewhere.
    """
    variant_ids = [v.pk for v, _, _ in plan.lines]
    rows: dict[int, list[list[Any]]] = defaultdict(list)
    for sid, vid, lid, on_hand, reserved, kind in Stock.objects.filter(
        variant_id__in=variant_ids, location__active=True
    ).values_list("id", "variant_id", "location_id", "on_hand", "reserved", "location__kind"):
        rows[vid].append([sid, lid, on_hand - reserved, kind])
    origin_id = plan.origin.pk if plan.origin else None
    holds: list[stock.Hold] = []
    chosen: list[Location | None] = []
    captured = False
    by_id: dict[int, Location] = {}
    for variant, quantity, wanted in plan.lines:
        candidates = rows.get(variant.pk, [])
        fixed = wanted or (plan.pickup if plan.fulfilment != "ship" else None)
        if fixed is not None:
            candidates = [c for c in candidates if c[1] == fixed.pk]
        else:
            candidates = sorted(
                candidates, key=lambda c: (c[1] != origin_id, c[3] != "warehouse", -c[2], c[1])
            )
        pick = next((c for c in candidates if c[2] >= quantity), None)
        if pick is None:
            here = (
                sum(c[2] for c in candidates)
                if fixed
                else max((c[2] for c in candidates), default=0)
            )
            raise OutOfStock(
                _("Not enough %(sku)s: %(wanted)s wanted, at most %(have)s in one place.")
                % {"sku": variant.sku, "wanted": quantity, "have": max(here, 0)}
            )
        pick[2] -= quantity
        holds.append(stock.Hold(pick[0], variant.pk, pick[1], quantity))
        if origin_id is not None and pick[1] != origin_id:
            captured = True
        if pick[1] not in by_id:
            by_id[pick[1]] = Location.objects.get(pk=pick[1])
        chosen.append(by_id[pick[1]])
    return holds, chosen, captured and plan.fulfilment == "ship"


def _quote(plan: _Plan, at: datetime) -> pricing.Quote:
    variants = [v for v, _, _ in plan.lines]
    prices = selectors.unit_prices(variants, plan.channel, at)
    lines = [
        pricing.Line(
            sku=v.sku,
            product=v.product.code,
            quantity=quantity,
            unit_price=prices[v.pk],
            category=v.product.category.code if v.product.category else "",
        )
        for v, quantity, _ in plan.lines
    ]
    rate, _name = selectors.tax_rate(plan.tax_country, plan.tax_region)
    context = pricing.Context(
        channel=plan.channel,
        at=at,
        segments=selectors.customer_segments(plan.customer.pk),
        coupon=plan.coupon,
    )
    return pricing.quote(lines, selectors.promotions(at), rate, context)


def _place(plan: _Plan, ctx: SaleContext, external: bool) -> Order:
    now = timezone.now()
    if external:
        holds, chosen = _allocate_what_there_is(plan)
        captured = False
    else:
        holds, chosen, captured = _allocate(plan)
        stock.reserve(holds)
    priced = _quote(plan, now)
    order = Order.objects.create(
        number=new_number("PED"),
        customer_id=plan.customer.pk,
        channel=plan.channel,
        fulfilment=plan.fulfilment,
        ship_address_id=plan.ship_address_id,
        ship_to=plan.ship_to,
        pickup_location=plan.pickup,
        origin_location=plan.origin,
        captured_elsewhere=captured,
        currency=plan.currency,
        tax_country=plan.tax_country,
        tax_region=plan.tax_region,
        tax_rate=priced.tax_rate,
        subtotal=priced.subtotal,
        discount=priced.discount,
        tax=priced.tax,
        total=priced.total,
        promotions=list(priced.applied),
        coupon=plan.coupon,
        idempotency_key=plan.idempotency_key,
        external_ref=plan.external_ref,
        placed_at=now,
        placed_by=ctx.actor.label[:150],
    )
    lines = OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                variant=variant,
                sku=variant.sku,
                description=f"{variant.product.name_es} {variant.label()}".strip()[:250],
                quantity=quantity,
                unit_price=p.line.unit_price,
                discount=p.discount,
                tax=p.tax,
                total=p.total,
                location=where,
            )
            for (variant, quantity, _), p, where in zip(
                plan.lines, priced.lines, chosen, strict=True
            )
        ]
    )
    payment = _charge(order, plan, ctx, now)
    if plan.fulfilment == "take_now":
        _hand_over(order, lines, payment, ctx)
    ctx.audit(
        "place_order",
        "order",
        order.number,
        {"status": [None, order.status], "total": [None, order.total]},
        order.customer_id,
    )
    ctx.announce("order.placed", order.number, order.customer_id, order_payload(order, lines))
    ctx.announce(
        f"payment.{payment.status}",
        order.number,
        order.customer_id,
        {"order": order.number, "amount": payment.amount, "reference": payment.reference},
    )
    where = plan.origin.name if plan.origin else ""
    ctx.timeline(plan.customer, _subject(order, lines), "order", order.number, where)
    return order


def _allocate_what_there_is(plan: _Plan) -> tuple[list[stock.Hold], list[Location | None]]:
    """For an order another system already took: reserve where units are, never oversell;
    lines that find none are kept unallocated (a backorder)."""
    holds: list[stock.Hold] = []
    chosen: list[Location | None] = []
    for variant, quantity, wanted in plan.lines:
        where = wanted or plan.pickup
        rows = Stock.objects.filter(variant=variant, location__active=True).select_related(
            "location"
        )
        if where is not None:
            rows = rows.filter(location=where)
        placed = None
        for row in sorted(rows, key=lambda r: (r.location.kind != "warehouse", r.pk)):
            try:
                with transaction.atomic():
                    stock.reserve([stock.Hold(row.pk, variant.pk, row.location_id, quantity)])
            except OutOfStock:
                continue
            placed = row
            holds.append(stock.Hold(row.pk, variant.pk, row.location_id, quantity))
            break
        chosen.append(placed.location if placed else None)
    return holds, chosen


def _charge(order: Order, plan: _Plan, ctx: SaleContext, now: datetime) -> Payment:
    if plan.external_payment or not plan.token:
        return Payment.objects.create(
            order=order,
            status=Payment.Status.CAPTURED,
            gateway=f"external:{plan.channel}",
            reference=plan.external_payment or f"unpaid:{order.number}",
            method_label=plan.method_label,
            amount=order.total,
            channel=ctx.channel,
            created_at=now,
        )
    gw = gateways.gateway()
    try:
        auth = gw.authorize(plan.token, order.total, order.currency, order.number)
    except gateways.PaymentDeclined as exc:
        raise PaymentFailed(str(exc)) from exc
    return Payment.objects.create(
        order=order,
        status=Payment.Status.AUTHORIZED,
        gateway=gw.name,
        reference=auth.reference,
        method_label=plan.method_label,
        amount=auth.amount,
        channel=ctx.channel,
        created_at=now,
    )


def _capture(order: Order, ctx: SaleContext) -> Payment | None:
    payment = order.payments.filter(
        kind=Payment.Kind.CHARGE, status=Payment.Status.AUTHORIZED
    ).first()
    if payment is None:
        return None
    gateways.gateway().capture(payment.reference, payment.amount)
    payment.status = Payment.Status.CAPTURED
    payment.save(update_fields=["status"])
    ctx.announce(
        "payment.captured",
        order.number,
        order.customer_id,
        {"order": order.number, "amount": payment.amount, "reference": payment.reference},
    )
    return payment


def _hand_over(order: Order, lines: list[OrderLine], payment: Payment, ctx: SaleContext) -> None:
    """Take now: the units leave the shelf and the money is taken at once."""
    for line in lines:
        if line.location_id is not None:
            stock.take_out(line.variant_id, line.location_id, line.quantity)
    OrderLine.objects.filter(order=order).update(shipped=F("quantity"))
    for line in lines:
        line.shipped = line.quantity
    if payment.status == Payment.Status.AUTHORIZED:
        gateways.gateway().capture(payment.reference, payment.amount)
        payment.status = Payment.Status.CAPTURED
        payment.save(update_fields=["status"])
    order.status = Order.Status.COMPLETED
    order.save(update_fields=["status", "updated_at"])


def _subject(order: Order, lines: list[OrderLine]) -> str:
    how = dict(Order.Fulfilment.choices)[order.fulfilment]
    units = sum(line.quantity for line in lines)
    return _("Order %(number)s: %(units)s item(s), %(total)s %(currency)s, %(how)s") % {
        "number": order.number,
        "units": units,
        "total": order.total,
        "currency": order.currency,
        "how": how,
    }


def order_payload(order: Order, lines: list[OrderLine] | None = None) -> dict[str, Any]:
    rows = lines if lines is not None else list(order.lines.all())
    return {
        "order": order.number,
        "channel": order.channel,
        "status": order.status,
        "fulfilment": order.fulfilment,
        "currency": order.currency,
        "subtotal": order.subtotal,
        "discount": order.discount,
        "tax": order.tax,
        "total": order.total,
        "promotions": order.promotions,
        "ship_to": order.ship_to,
        "pickup_location": order.pickup_location.code if order.pickup_location else None,
        "origin_location": order.origin_location.code if order.origin_location else None,
        "captured_elsewhere": order.captured_elsewhere,
        "external_ref": order.external_ref,
        "placed_at": order.placed_at,
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "tax": line.tax,
                "total": line.total,
                "location": line.location.code if line.location else None,
            }
            for line in rows
        ],
    }


# Inbound: an order another channel took ----------------------------------------------------


def record_external_order(
    customer_id: int, data: OrderPlacedEvent, ctx: SaleContext, occurred_at: datetime
) -> Order:
    customer = live_customer(customer_id)
    merged = _merged(data.lines)
    variants = _variants({sku for sku, _ in merged})
    codes = {loc for _, loc in merged if loc} | ({data.location} if data.location else set())
    locations = _locations(codes)
    pickup = locations.get(data.location or "")
    plan = _Plan(
        customer=customer,
        channel=ctx.channel,
        fulfilment=data.fulfilment,
        lines=[
            (variants[sku], q, locations[loc] if loc else None) for (sku, loc), q in merged.items()
        ],
        currency=next(iter(variants.values())).currency,
        tax_country=pickup.country if pickup else (data.ship_to.country if data.ship_to else "EC"),
        tax_region=pickup.tax_region if pickup else (data.ship_to.region if data.ship_to else ""),
        ship_to=data.ship_to.model_dump() if data.ship_to else {},
        pickup=pickup,
        origin=pickup,
        coupon=data.coupon,
        idempotency_key=f"event:{ctx.event_id}" if ctx.event_id else None,
        method_label=data.payment.method if data.payment else "",
        external_ref=data.order_ref,
        external_payment=data.payment.reference if data.payment else "",
    )
    with transaction.atomic():
        order = _place(plan, ctx, external=True)
        if occurred_at:
            Order.objects.filter(pk=order.pk).update(placed_at=occurred_at)
            order.placed_at = occurred_at
    return order


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


@transaction.atomic
def ship_order(order: Order, data: ShipIn, ctx: SaleContext) -> list[Shipment]:
    if order.fulfilment != Order.Fulfilment.SHIP:
        raise Conflict(f"order {order.number} is not shipped: it is {order.fulfilment}")
    _move(order, (Order.Status.PLACED,), Order.Status.SHIPPED)
    lines = list(order.lines.select_related("location"))
    if any(line.location_id is None for line in lines):
        raise Conflict("some lines have no stock allocated yet")
    by_location: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines:
        by_location[line.location_id].append(line)  # type: ignore[index]
    now = timezone.now()
    shipments = []
    for location_id in sorted(by_location):
        group = by_location[location_id]
        source = group[0].location
        assert source is not None
        for line in group:
            stock.take_out(line.variant_id, location_id, line.quantity - line.shipped)
            line.shipped = line.quantity
            line.save(update_fields=["shipped"])
        shipments.append(
            Shipment.objects.create(
                order=order,
                from_location=source,
                carrier=data.carrier,
                tracking=data.tracking or new_number("ENV"),
                ship_to=order.ship_to,
                lines=[{"sku": line.sku, "quantity": line.quantity} for line in group],
                shipped_at=now,
            )
        )
    _capture(order, ctx)
    ctx.audit(
        "ship_order", "order", order.number, {"status": ["placed", "shipped"]}, order.customer_id
    )
    ctx.announce(
        "order.shipped",
        order.number,
        order.customer_id,
        {
            "order": order.number,
            "shipments": [
                {
                    "from": s.from_location.code,
                    "carrier": s.carrier,
                    "tracking": s.tracking,
                    "lines": s.lines,
                }
                for s in shipments
            ],
            "ship_to": order.ship_to,
        },
    )
    ctx.timeline(
        live_customer(order.customer_id),
        _("Order %(number)s shipped (%(tracking)s)")
        % {"number": order.number, "tracking": ", ".join(s.tracking for s in shipments)},
        "order",
        order.number,
        ", ".join(s.from_location.name for s in shipments),
    )
    return shipments


@transaction.atomic
def deliver_order(order: Order, ctx: SaleContext) -> Order:
    _move(order, (Order.Status.SHIPPED,), Order.Status.DELIVERED)
    order.shipments.update(status=Shipment.Status.DELIVERED, delivered_at=timezone.now())
    ctx.audit(
        "deliver_order",
        "order",
        order.number,
        {"status": ["shipped", "delivered"]},
        order.customer_id,
    )
    ctx.announce("order.delivered", order.number, order.customer_id, {"order": order.number})
    return order


@transaction.atomic
def collect_order(order: Order, ctx: SaleContext) -> Order:
    """A pickup order handed to the customer at the store."""
    if order.fulfilment != Order.Fulfilment.PICKUP:
        raise Conflict(f"order {order.number} is not a pickup order")
    _move(order, (Order.Status.PLACED,), Order.Status.COMPLETED)
    for line in order.lines.all():
        if line.location_id is None:
            raise Conflict("some lines have no stock allocated yet")
        stock.take_out(line.variant_id, line.location_id, line.quantity - line.shipped)
    order.lines.update(shipped=F("quantity"))
    _capture(order, ctx)
    ctx.audit(
        "collect_order",
        "order",
        order.number,
        {"status": ["placed", "completed"]},
        order.customer_id,
    )
    ctx.announce("order.completed", order.number, order.customer_id, {"order": order.number})
    return order


@transaction.atomic
def cancel_order(order: Order, reason: str, ctx: SaleContext) -> Order:
    _move(order, (Order.Status.PLACED,), Order.Status.CANCELLED)
    stock.release(
        stock.Hold(
            Stock.objects.get(variant_id=line.variant_id, location_id=line.location_id).pk,
            line.variant_id,
            line.location_id,
            line.quantity,
        )
        for line in order.lines.all()
        if line.location_id is not None
    )
    for payment in order.payments.filter(status=Payment.Status.AUTHORIZED):
        gateways.gateway().void(payment.reference)
        payment.status = Payment.Status.VOIDED
        payment.save(update_fields=["status"])
    ctx.audit(
        "cancel_order",
        "order",
        order.number,
        {"status": ["placed", "cancelled"], "reason": [None, reason]},
        order.customer_id,
    )
    ctx.announce(
        "order.cancelled",
        order.number,
        order.customer_id,
        {"order": order.number, "reason": reason},
    )
    ctx.timeline(
        live_customer(order.customer_id),
        _("Order %(number)s cancelled") % {"number": order.number},
        "order",
        order.number,
    )
    return order


# Money back --------------------------------------------------------------------------------


def refundable(order: Order) -> Decimal:
    captured = order.payments.filter(kind=Payment.Kind.CHARGE, status__in=["captured", "refunded"])
    return sum((p.amount - p.refunded for p in captured), Decimal("0.00"))


def refund(order: Order, amount: Decimal, key: str, ctx: SaleContext) -> list[Payment]:
    """Give ``amount`` back to the order's original payments, oldest first."""
    left = amount
    made = []
    charges = order.payments.select_for_update().filter(
        kind=Payment.Kind.CHARGE, status__in=["captured", "refunded"]
    )
    for charge in charges.order_by("id"):
        take = min(left, charge.amount - charge.refunded)
        if take <= 0:
            continue
        if charge.gateway.startswith("external:"):
            reference = f"{charge.reference}:refund:{key}"
        else:
            reference = gateways.gateway().refund(charge.reference, take, key).reference
        charge.refunded += take
        charge.status = (
            Payment.Status.REFUNDED if charge.refunded == charge.amount else charge.status
        )
        charge.save(update_fields=["refunded", "status"])
        made.append(
            Payment.objects.create(
                order=order,
                kind=Payment.Kind.REFUND,
                status=Payment.Status.REFUNDED,
                gateway=charge.gateway,
                reference=reference,
                method_label=charge.method_label,
                amount=take,
                original=charge,
                channel=ctx.channel,
                created_at=timezone.now(),
            )
        )
        left -= take
        if left <= 0:
            break
    if left > 0:
        raise Conflict(f"only {amount - left} of {amount} can be refunded on this order")
    for payment in made:
        ctx.announce(
            "payment.refunded",
            f"{key}:{payment.original_id}",
            order.customer_id,
            {"order": order.number, "amount": payment.amount, "to": payment.method_label},
        )
    return made


@transaction.atomic
def adjust_price(order: Order, data: AdjustmentIn, ctx: SaleContext) -> PriceAdjustment:
    """Money back after the sale, to the original payment, with the reason."""
    if order.status == Order.Status.CANCELLED:
        raise Conflict("a cancelled order has nothing to adjust")
    if data.amount > refundable(order):
        raise Invalid(f"at most {refundable(order)} {order.currency} can be given back")
    adjustment = PriceAdjustment.objects.create(
        order=order,
        amount=data.amount,
        reason=data.reason,
        channel=data.channel,
        created_at=timezone.now(),
        created_by=ctx.actor.label[:150],
    )
    refund(order, data.amount, f"ADJ-{adjustment.pk}", ctx)
    ctx.audit(
        "adjust_price",
        "order",
        order.number,
        {"price_adjustment": [None, data.amount], "reason": [None, data.reason]},
        order.customer_id,
    )
    ctx.announce(
        "order.price_adjusted",
        f"{order.number}:ADJ-{adjustment.pk}",
        order.customer_id,
        {"order": order.number, "amount": data.amount, "reason": data.reason},
    )
    ctx.timeline(
        live_customer(order.customer_id),
        _("Price adjustment of %(amount)s on order %(number)s: %(reason)s")
        % {"amount": data.amount, "number": order.number, "reason": data.reason},
        "order",
        order.number,
    )
    return adjustment


def get_order(number: str) -> Order:
    order = Order.objects.filter(number=number).first()
    if order is None:
        raise NotFound(f"no order {number}")
    return order
