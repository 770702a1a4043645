"""Orders from any channel: placement with stock reservation and payment, then fulfilment.

Life of an order::

    placed ──ship──▶ shipped ──deliver──▶ delivered
       │ ──collect (pickup)──▶ completed
       │ ──cancel──▶ cancelled (units and authorization released)
    take_now: placed and completed in one step (units leave the shelf, payment captured)

Shipping, delivery and collection (with partial shipments) are in :mod:`.shipments`; returns
(:mod:`.returns`) move a delivered/completed order to ``partly_returned``/``returned``.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
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
)
from lealtad.commerce.schemas import AdjustmentIn, LineIn, OrderIn, OrderPlacedEvent
from lealtad.commerce.services import captures, gateway_calls, stock
from lealtad.commerce.services.common import (
    Conflict,
    Invalid,
    NotFound,
    OutOfStock,
    PaymentFailed,
    SaleContext,
    customer_reference,
    insert_new,
    live_customer,
)
from lealtad.core import group_commit
from lealtad.core.write_batch import WriteBatch
from lealtad.customers.selectors import references as customer_references
from lealtad.customers.selectors.references import Customer

# Two tries: the first reserves what was read before the transaction began (it holds the
# writer's lock only for the writes); if another order took those units in between, the second
# reads the stock again inside the transaction, rows locked, and cannot be beaten.
MAX_ATTEMPTS = 2


def new_number(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6).upper()}"


@dataclass
class _Plan:
    """A validated request, ready to be placed (everything it needs, read once)."""

    customer: Customer
    channel: str
    fulfilment: str
    lines: list[tuple[selectors.SaleItem, int, Location | None]]
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
    # Who pays, when the caller settles the money itself (an exchange pays with the returned
    # goods' value and charges only the difference): called in the order's transaction.
    settle: Callable[[Order, datetime], Payment] | None = None


@dataclass(frozen=True)
class _Allocation:
    holds: list[stock.Hold]
    chosen: list[Location | None]  # each line's location
    captured: bool = False  # a sale the asking store could not serve, made elsewhere


# Placement ---------------------------------------------------------------------------------


def place_order(data: OrderIn, ctx: SaleContext) -> tuple[Order, bool]:
    """Place an order; ``(order, False)`` when the idempotency key was already used.

    Everything that is only read (customer, catalog, prices, promotions, tax, address, card,
    stock levels) is read before the transaction opens; the transaction holds the reservation
    and the rows written, so SQLite's single writer is busy for as short a time as possible.
    The card is authorized before it and, for a sale taken now, captured after it.
    """
    with gateway_calls.after_commit():
        order, created = _place_order(data, ctx)
    if created and order.fulfilment == Order.Fulfilment.TAKE_NOW:  # its capture answered
        _attach(order, payments=list(Payment.objects.filter(order=order)))
    return order, created


def _place_order(data: OrderIn, ctx: SaleContext) -> tuple[Order, bool]:
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
    if external:
        with transaction.atomic():
            return _place(plan, ctx, external=True)
    now = timezone.now()
    priced = _quote(plan, now)
    number = new_number("PED")
    early = _allocate(plan, _stock_rows(plan))  # no units anywhere: the card is not touched
    # The card is authorized before the write transaction: a gateway's round trip must not
    # hold SQLite's one writer (or a group commit) while it waits. An order that then fails
    # to be written (its units sold meanwhile) gives the hold back.
    held = _authorize(plan, number, priced.total)
    try:
        order, lines, payment = _reserve_and_record(plan, ctx, priced, now, number, held, early)
    except BaseException:
        if held is not None:
            gateways.gateway().void(held.reference)
        raise
    if plan.settle is None:  # else the caller's settlement may have made more payments
        _attach(
            order,
            lines=lines,
            payments=[payment],
            shipments=[],
            returns=[],
            adjustments=[],
            exchanges=[],
        )
        Order.exchange_of.related.set_cached_value(order, None)  # a new order replaces nothing
    return order


def _reserve_and_record(
    plan: _Plan,
    ctx: SaleContext,
    priced: pricing.Quote,
    now: datetime,
    number: str,
    held: gateways.GatewayResult | None,
    early: _Allocation,
) -> tuple[Order, list[OrderLine], Payment]:
    """Reserve the units read before the transaction; if another order took them meanwhile,
    read them again under lock (the second try cannot be beaten)."""
    for attempt in range(MAX_ATTEMPTS):
        last = attempt == MAX_ATTEMPTS - 1
        if attempt and not last:
            early = _allocate(plan, _stock_rows(plan))

        def write(
            early: _Allocation | None = None if last else early,
        ) -> tuple[Order, list[OrderLine], Payment]:
            found = early or _allocate(plan, _stock_rows(plan, lock=True))
            stock.reserve(found.holds)
            return _record(plan, ctx, priced, found, now, number, held)

        try:
            return group_commit.in_group(write)
        except OutOfStock as exc:
            if not exc.retry or last:
                raise
    raise AssertionError("unreachable")


def _authorize(plan: _Plan, number: str, total: Decimal) -> gateways.GatewayResult | None:
    if plan.settle is not None or plan.external_payment or not plan.token:
        return None
    try:
        return gateways.gateway().authorize(plan.token, total, plan.currency, number)
    except gateways.PaymentDeclined as exc:
        raise PaymentFailed(str(exc)) from exc


def _place(plan: _Plan, ctx: SaleContext, external: bool) -> Order:
    """Place inside the caller's transaction (an order another channel took), the stock
    read there, rows locked."""
    now = timezone.now()
    if external:
        found = _allocate_what_there_is(plan)
    else:
        found = _allocate(plan, _stock_rows(plan, lock=True))
        stock.reserve(found.holds)
    return _record(plan, ctx, _quote(plan, now), found, now)[0]


def _merged(lines: list[LineIn]) -> dict[tuple[str, str | None], int]:
    merged: dict[tuple[str, str | None], int] = defaultdict(int)
    for line in lines:
        merged[(line.sku, line.location)] += line.quantity
    return merged


def _locations(codes: set[str]) -> dict[str, Location]:
    found = selectors.active_locations(codes)
    missing = codes - set(found)
    if missing:
        raise NotFound(f"unknown location {', '.join(sorted(missing))}")
    return found


def _variants(skus: set[str]) -> dict[str, selectors.SaleItem]:
    found = selectors.sale_items(skus)
    missing = skus - set(found)
    if missing:
        raise NotFound(f"lines.sku: unknown SKU {', '.join(sorted(missing))}")
    currencies = {v.currency for v in found.values()}
    if len(currencies) > 1:
        raise Conflict("lines: one order is paid in one currency")
    return found


def _plan(data: OrderIn) -> _Plan:
    customer = customer_reference(data.customer_id)
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
        plan.ship_address_id = address.pop("id")
        plan.ship_to = address
        plan.tax_country, plan.tax_region = address["country"], address["region"]
    else:
        assert plan.pickup is not None
        plan.tax_country, plan.tax_region = plan.pickup.country, plan.pickup.tax_region
        if data.fulfilment == "take_now" and plan.origin is None:
            plan.origin = plan.pickup
    plan.token, plan.method_label = _payment_source(customer, data)
    return plan


def _address(customer: Customer, address_id: int | None, kind: str | None) -> dict[str, Any]:
    """The current address asked for, as the order keeps it, ``id`` included."""
    found = customer_references.current_address(customer.pk, address_id, kind)
    if found is None:
        raise NotFound("ship_address: no such current address on file for this customer")
    return found


def _payment_source(customer: Customer, data: OrderIn) -> tuple[str, str]:
    pay = data.payment
    if pay.card_number:
        try:
            card = gateways.gateway().tokenize(pay.card_number)
        except gateways.PaymentDeclined as exc:
            raise Invalid(str(exc)) from exc
        return card.token, f"{card.brand} ···{card.last4}"
    sql = f"SELECT token, brand, last4 FROM {PaymentMethod._meta.db_table} WHERE customer_id = %s"
    params = [customer.pk]
    if pay.method_id:
        sql, params = sql + " AND id = %s", [customer.pk, pay.method_id]
    with connection.cursor() as cursor:  # the default card first, as the model orders them
        cursor.execute(sql + " ORDER BY is_default DESC, id LIMIT 1", params)
        method = cursor.fetchone()
    if method is None:
        raise NotFound("payment: no such payment method on file for this customer")
    token, brand, last4 = method
    return token, f"{brand} ···{last4}"


def _stock_rows(plan: _Plan, lock: bool = False) -> dict[int, list[list[Any]]]:
    """The plan's variants' stock rows with units free, at active locations, by variant:
    ``[stock id, location id, units free, location kind]``. ``lock``: inside the order's
    transaction, the rows locked in id order (PostgreSQL; SQLite's writer already is alone)."""
    ids = sorted({item.id for item, _, _ in plan.lines})
    s, loc = Stock._meta.db_table, Location._meta.db_table
    sql = (
        f"SELECT s.id, s.variant_id, s.location_id, s.on_hand - s.reserved, l.kind "
        f"FROM {s} s JOIN {loc} l ON l.id = s.location_id "
        f"WHERE l.active AND s.on_hand > s.reserved "
        f"AND s.variant_id IN ({', '.join(['%s'] * len(ids))})"
    )
    if lock:
        sql += " ORDER BY s.id"
        if connection.features.has_select_for_update_of:
            sql += " FOR UPDATE OF s"
    rows: dict[int, list[list[Any]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        for sid, vid, lid, free, kind in cursor.fetchall():
            rows[vid].append([sid, lid, free, kind])
    return rows


def _allocate(plan: _Plan, rows: dict[int, list[list[Any]]]) -> _Allocation:
    """Choose, for each line, the stock row its units come from.

    Explicit location, else the pickup store (pickup, take now), else for shipping: the
    asking store if it has them all, then warehouses before stores, most units first. A line
    is not split over locations.
    """
    origin_id = plan.origin.pk if plan.origin else None
    holds: list[stock.Hold] = []
    chosen: list[int] = []
    captured = False
    for variant, quantity, wanted in plan.lines:
        candidates = rows.get(variant.id, [])
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
        holds.append(stock.Hold(pick[0], variant.id, pick[1], quantity))
        if origin_id is not None and pick[1] != origin_id:
            captured = True
        chosen.append(pick[1])
    places = selectors.location_rows(chosen)
    return _Allocation(holds, [places[pk] for pk in chosen], captured and plan.fulfilment == "ship")


def _quote(plan: _Plan, at: datetime) -> pricing.Quote:
    items = [item for item, _, _ in plan.lines]
    prices = selectors.channel_prices([item.id for item in items], plan.channel, at)
    lines = [
        pricing.Line(
            sku=item.sku,
            product=item.product,
            quantity=quantity,
            unit_price=prices.get(item.id, item.price),
            category=item.category,
        )
        for item, quantity, _ in plan.lines
    ]
    rate, _name = selectors.tax_rate(plan.tax_country, plan.tax_region)
    context = pricing.Context(
        channel=plan.channel,
        at=at,
        segments=selectors.customer_segments(plan.customer.pk),
        coupon=plan.coupon,
    )
    return pricing.quote(lines, selectors.promotions(at), rate, context)


def _record(
    plan: _Plan,
    ctx: SaleContext,
    priced: pricing.Quote,
    found: _Allocation,
    now: datetime,
    number: str | None = None,
    held: gateways.GatewayResult | None = None,
) -> tuple[Order, list[OrderLine], Payment]:
    """Write the order, its lines and payment, audit, events and timeline step (the units
    are already reserved)."""
    order = Order(
        number=number or new_number("PED"),
        customer_id=plan.customer.pk,
        channel=plan.channel,
        fulfilment=plan.fulfilment,
        ship_address_id=plan.ship_address_id,
        ship_to=plan.ship_to,
        pickup_location=plan.pickup,
        origin_location=plan.origin,
        captured_elsewhere=found.captured,
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
    insert_new([order])
    lines = [
        OrderLine(
            order=order,
            variant_id=item.id,
            sku=item.sku,
            description=item.description(),
            quantity=quantity,
            unit_price=p.line.unit_price,
            discount=p.discount,
            tax=p.tax,
            total=p.total,
            location=where,
        )
        for (item, quantity, _), p, where in zip(
            plan.lines, priced.lines, found.chosen, strict=True
        )
    ]
    insert_new(lines)
    # Audit entries and events in one INSERT per table at the end (an exchange's settlement
    # writes its own payments and events as it goes: not collected).
    own = ctx if plan.settle is not None else replace(ctx, batch=WriteBatch())
    payment = _charge(order, plan, own, now, held)
    if plan.fulfilment == "take_now":
        _hand_over(order, lines, payment, own)
    own.audit(
        "place_order",
        "order",
        order.number,
        {"status": [None, order.status], "total": [None, order.total]},
        order.customer_id,
    )
    own.announce("order.placed", order.number, order.customer_id, order_payload(order, lines))
    if payment.status != Payment.Status.PENDING:  # else told once the gateway captured it
        own.announce(
            f"payment.{payment.status}",
            order.number,
            order.customer_id,
            {"order": order.number, "amount": payment.amount, "reference": payment.reference},
        )
    where = plan.origin.name if plan.origin else ""
    own.timeline(plan.customer, _subject(order, lines), "order", order.number, where)
    if own.batch is not None:
        own.batch.flush()
    return order, lines, payment


def _attach(order: Order, **rows: list[Any]) -> None:
    """Give the order its related rows as ``prefetch_related`` would, so presenting a new
    order reads nothing more (``order.lines.all()`` answers from them; a filtered or ordered
    query still reads the database)."""
    cache = order.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, found in rows.items():
        queryset = getattr(order, name).all()
        queryset._result_cache = found
        queryset._prefetch_done = True
        cache[name] = queryset


def _allocate_what_there_is(plan: _Plan) -> _Allocation:
    """For an order another system already took: reserve where units are, never oversell;
    lines that find none are kept unallocated (a backorder)."""
    holds: list[stock.Hold] = []
    chosen: list[Location | None] = []
    for variant, quantity, wanted in plan.lines:
        where = wanted or plan.pickup
        rows = Stock.objects.filter(variant_id=variant.id, location__active=True).select_related(
            "location"
        )
        if where is not None:
            rows = rows.filter(location=where)
        placed = None
        for row in sorted(rows, key=lambda r: (r.location.kind != "warehouse", r.pk)):
            try:
                with transaction.atomic():
                    stock.reserve([stock.Hold(row.pk, variant.id, row.location_id, quantity)])
            except OutOfStock:
                continue
            placed = row
            holds.append(stock.Hold(row.pk, variant.id, row.location_id, quantity))
            break
        chosen.append(placed.location if placed else None)
    return _Allocation(holds, chosen)


def _charge(
    order: Order,
    plan: _Plan,
    ctx: SaleContext,
    now: datetime,
    held: gateways.GatewayResult | None = None,
) -> Payment:
    if plan.settle is not None:
        return plan.settle(order, now)
    if plan.external_payment or not plan.token:
        payment = Payment(
            order=order,
            status=Payment.Status.CAPTURED,
            gateway=f"external:{plan.channel}",
            reference=plan.external_payment or f"unpaid:{order.number}",
            method_label=plan.method_label,
            amount=order.total,
            channel=ctx.channel,
            created_at=now,
        )
    else:
        # The card was authorized before the transaction opened: no gateway call in here.
        assert held is not None, "a card order is authorized before its transaction"
        payment = Payment(
            order=order,
            status=Payment.Status.AUTHORIZED,
            gateway=gateways.gateway().name,
            reference=held.reference,
            method_label=plan.method_label,
            amount=held.amount,
            channel=ctx.channel,
            created_at=now,
        )
    insert_new([payment])
    return payment


def _hand_over(order: Order, lines: list[OrderLine], payment: Payment, ctx: SaleContext) -> None:
    """Take now: the units leave the shelf and the money is taken at once."""
    for line in lines:
        if line.location_id is not None:
            stock.take_out(line.variant_id, line.location_id, line.quantity)
    OrderLine.objects.filter(order=order).update(shipped=F("quantity"))
    for line in lines:
        line.shipped = line.quantity
    if payment.status == Payment.Status.AUTHORIZED:  # captured once the sale committed
        payment.status = Payment.Status.PENDING
        payment.save(update_fields=["status"])
        gateway_calls.request(
            gateway_calls.Call(
                gateway_calls.CAPTURE,
                payment.pk,
                payment.reference,
                order.number,
                order.customer_id,
                payment.amount,
                key=f"{order.number}:take-now",
                final=True,
                event_key=order.number,
                announce={"order": order.number, "amount": str(payment.amount)},
                **gateway_calls.asked_by(ctx),
            ),
            ctx,
        )
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
    left = _call_off(lines)
    captures.void_rest(order, ctx, reason)
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
    return order


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


# Money back --------------------------------------------------------------------------------


def refundable(order: Order) -> Decimal:
    """What can still be given back: what the captures (and other payments taken) took, less
    what they gave back. Money only held by an authorization is not refundable: it is
    released when the rest of the order is cancelled."""
    captured = order.payments.filter(kind=Payment.Kind.CHARGE, status__in=captures.TAKEN)
    return sum((p.amount - p.refunded for p in captured), Decimal("0.00"))


def refund(order: Order, amount: Decimal, key: str, ctx: SaleContext) -> list[Payment]:
    """Give ``amount`` back from the money taken for the order, oldest capture first.

    Only captured money comes back: asking more than the captures have left refuses the
    whole refund (409) and writes nothing. Returns take back shipped units only, and each
    shipment captured their share as they left, so a return is always covered by them.
    """
    charges = list(
        order.payments.select_for_update()
        .filter(kind=Payment.Kind.CHARGE, status__in=captures.TAKEN)
        .order_by("id")
    )
    there = sum((c.amount - c.refunded for c in charges), Decimal("0.00"))
    if amount > there:  # before any gateway call: a refused refund moves no money
        raise Conflict(f"only {there} of {amount} can be refunded on this order")
    left = amount
    made = []
    for charge in charges:
        take = min(left, charge.amount - charge.refunded)
        if take <= 0:
            continue
        external = charge.gateway.startswith("external:")
        charge.refunded += take
        charge.status = (
            Payment.Status.REFUNDED if charge.refunded == charge.amount else charge.status
        )
        charge.save(update_fields=["refunded", "status"])
        payment = Payment.objects.create(
            order=order,
            kind=Payment.Kind.REFUND,
            status=Payment.Status.REFUNDED if external else Payment.Status.PENDING,
            gateway=charge.gateway,
            reference=f"{charge.reference}:refund:{key}" if external else "",
            method_label=charge.method_label,
            amount=take,
            original=charge,
            channel=ctx.channel,
            created_at=timezone.now(),
        )
        told = {"order": order.number, "amount": str(take), "to": charge.method_label}
        if external:  # another system's money: recorded, never sent to the card gateway
            ctx.announce("payment.refunded", f"{key}:{charge.pk}", order.customer_id, told)
        else:  # one gateway call per capture, each with a key of its own, after the commit
            gateway_calls.request(
                gateway_calls.Call(
                    gateway_calls.REFUND,
                    payment.pk,
                    charge.reference,
                    order.number,
                    order.customer_id,
                    take,
                    key=f"{key}:{charge.pk}",
                    event_key=f"{key}:{charge.pk}",
                    announce=told,
                    **gateway_calls.asked_by(ctx),
                ),
                ctx,
            )
        made.append(payment)
        left -= take
        if left <= 0:
            break
    return made


@gateway_calls.after_commit()
@transaction.atomic
def adjust_price(order: Order, data: AdjustmentIn, ctx: SaleContext) -> PriceAdjustment:
    """Money back after the sale, to the original payment, with the reason."""
    if order.status == Order.Status.CANCELLED:
        raise Conflict("a cancelled order has nothing to adjust")
    if data.amount > refundable(order):
        raise Conflict(f"amount: at most {refundable(order)} {order.currency} can be given back")
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
