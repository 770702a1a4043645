"""Placing an order: the card authorized before the transaction, the units reserved and the
order, its lines and payment written in one short transaction (a take-now sale captured after
it), and orders another channel took recorded as they were."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lealtad.commerce import gateway as gateways
from lealtad.commerce import pricing
from lealtad.commerce.models import (
    Order,
    OrderLine,
    Payment,
)
from lealtad.commerce.schemas import OrderIn, OrderPlacedEvent
from lealtad.commerce.services import gateway_calls, points_tender, stock
from lealtad.commerce.services.allocation import (
    _allocate,
    _allocate_what_there_is,
    _Allocation,
    _stock_rows,
)
from lealtad.commerce.services.common import (
    Conflict,
    OutOfStock,
    PaymentFailed,
    SaleContext,
    insert_new,
    live_customer,
)
from lealtad.commerce.services.order_plan import (
    _locations,
    _merged,
    _Plan,
    _plan,
    _quote,
    _variants,
)
from lealtad.core import group_commit
from lealtad.core.write_batch import WriteBatch

# Two tries: the first reserves what was read before the transaction began (it holds the
# writer's lock only for the writes); if another order took those units in between, the second
# reads the stock again inside the transaction, rows locked, and cannot be beaten.
MAX_ATTEMPTS = 2


def new_number(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6).upper()}"


# Placement ---------------------------------------------------------------------------------


def place_order(
    data: OrderIn, ctx: SaleContext, agreed: Sequence[pricing.Promotion] = ()
) -> tuple[Order, bool]:
    """Place an order; ``(order, False)`` when the idempotency key was already used.

    Everything that is only read (customer, catalog, prices, promotions, tax, address, card,
    stock levels) is read before the transaction opens; the transaction holds the reservation
    and the rows written, so SQLite's single writer is busy for as short a time as possible.
    The card is authorized before it and, for a sale taken now, captured after it.
    ``agreed`` are terms a seller negotiated (a sales quote accepted: its discounts as
    promotions applied after the ones in force), priced by the same calculation.
    """
    with gateway_calls.after_commit():
        order, created = _place_order(data, ctx, tuple(agreed))
    if created and order.fulfilment == Order.Fulfilment.TAKE_NOW:  # its capture answered
        _attach(order, payments=list(Payment.objects.filter(order=order)))
    return order, created


def _place_order(
    data: OrderIn, ctx: SaleContext, agreed: tuple[pricing.Promotion, ...] = ()
) -> tuple[Order, bool]:
    if data.idempotency_key:
        found = _by_key(data.idempotency_key, data.customer_id)
        if found is not None:
            return found, False
    plan = _plan(data)
    plan.agreed = agreed
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
    _as_confirmed(plan, priced)
    number = new_number("PED")
    early = _allocate(plan, _stock_rows(plan))  # no units anywhere: the card is not touched
    # The card is authorized before the write transaction: a gateway's round trip must not
    # hold SQLite's one writer (or a group commit) while it waits. An order that then fails
    # to be written (its units sold meanwhile) gives the hold back.
    held = authorize(plan, number, priced.total - plan.points_value)
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


def _as_confirmed(plan: _Plan, priced: pricing.Quote) -> None:
    """A customer who was shown a total pays that total or nothing: a price or promotion that
    changed since is a refusal before the card is touched, not a surprise on the statement."""
    points_tender.check_share(plan.points_value, priced.total, plan.currency)
    if plan.expected_total is not None and priced.total != plan.expected_total:
        raise Conflict(
            _("the total is now %(total)s %(currency)s, not the %(expected)s confirmed")
            % {"total": priced.total, "currency": plan.currency, "expected": plan.expected_total}
        )


def authorize(plan: _Plan, number: str, total: Decimal) -> gateways.GatewayResult | None:
    """Hold ``total`` on the plan's card, before any transaction opens (a declined card is
    402, nothing written); none when someone else settles the money or there is no card."""
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
    order = _order_row(plan, ctx, priced, found, now, number)
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
    if plan.points:  # in this transaction: no order without its points spent, nor the reverse
        points_tender.spend(order, plan.points, plan.points_value, own, now)
    if plan.fulfilment == "take_now":
        _hand_over(order, lines, payment, own)
    _tell_placed(plan, order, lines, payment, own)
    if own.batch is not None:
        own.batch.flush()
    return order, lines, payment


def _order_row(
    plan: _Plan,
    ctx: SaleContext,
    priced: pricing.Quote,
    found: _Allocation,
    now: datetime,
    number: str | None,
) -> Order:
    return Order(
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


def _tell_placed(
    plan: _Plan, order: Order, lines: list[OrderLine], payment: Payment, ctx: SaleContext
) -> None:
    """The placement's audit row, events and timeline step."""
    ctx.audit(
        "place_order",
        "order",
        order.number,
        {"status": [None, order.status], "total": [None, order.total]},
        order.customer_id,
    )
    payload = order_payload(order, lines)
    if plan.points:  # loyalty earns nothing on what points paid (decision 0015)
        payload["points_tender"] = {"points": plan.points, "value": plan.points_value}
    ctx.announce("order.placed", order.number, order.customer_id, payload)
    if payment.status != Payment.Status.PENDING:  # else told once the gateway captured it
        ctx.announce(
            f"payment.{payment.status}",
            order.number,
            order.customer_id,
            {"order": order.number, "amount": payment.amount, "reference": payment.reference},
        )
    where = plan.origin.name if plan.origin else ""
    ctx.timeline(plan.customer, _subject(order, lines), "order", order.number, where)


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
            reference=plan.external_payment or _in_store_reference(plan, order),
            method_label=plan.method_label,
            amount=order.total - plan.points_value,
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


def _in_store_reference(plan: _Plan, order: Order) -> str:
    """Cash the clerk took is paid; anything else not through the gateway (paid at the till,
    or another channel's order that did not say) is the ``unpaid:`` placeholder the till's
    report later settles (:mod:`.external_payments`)."""
    return f"cash:{order.number}" if plan.in_store == "cash" else f"unpaid:{order.number}"


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
