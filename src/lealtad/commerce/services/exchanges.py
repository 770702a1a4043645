"""Exchanges: goods brought back and replacements taken, as one operation, at any channel.

A customer brings back size L of a web order at a store and takes size M. In one transaction:
the goods go back on the receiving location's shelf (a :class:`~.models.Return`), the
replacements become an order placed through the same placement path as any other (priced
today, stock reserved or taken), and the money is settled once, on the original payment:

* the returned goods' paid value pays for the replacements first (a *credit*: the original
  charge gives that much to the replacement order, so a later refund of the replacement goes
  back to the same card);
* the replacements cost more: only the difference is charged (authorized, and captured when
  the replacement is handed over or shipped), on the card the original order was paid with;
* they cost less: the difference is refunded to the original payment.

The return and the replacement point at each other (``Return.exchange_order``,
``Exchange``), and the customer's timeline shows the exchange as one step.

A channel not on Lealtad (a store's own POS) reports its exchanges as ``order.exchanged``
events, applied by this same operation (:func:`record_external_exchange`): the money for the
difference already moved there, so it is recorded as that channel's payment or refund and never
sent to the card gateway, and the replacements are reserved where there are units, never
oversold (like any order another channel took).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lealtad.commerce import gateway as gateways
from lealtad.commerce import returnable
from lealtad.commerce.models import (
    Exchange,
    Location,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    Return,
)
from lealtad.commerce.schemas import (
    ExchangeIn,
    InboundAddress,
    InboundPayment,
    OrderExchangedEvent,
    OrderIn,
    PaymentIn,
    ReturnIn,
)
from lealtad.commerce.services import external_payments, gateway_calls, returns
from lealtad.commerce.services.common import (
    CommerceError,
    Conflict,
    PaymentFailed,
    SaleContext,
    customer_reference,
    live_customer,
)
from lealtad.commerce.services.orders import (
    _locations,
    _merged,
    _place_with_retries,
    _Plan,
    _plan,
    _quote,
    _variants,
    cancel_order,
    new_number,
    refund,
    refundable,
)

ZERO = Decimal("0.00")


@gateway_calls.after_commit()
def exchange(order: Order, data: ExchangeIn, ctx: SaleContext) -> tuple[Exchange, bool]:
    """Take goods back and hand replacements; ``(exchange, False)`` on a repeated key."""
    if data.idempotency_key:
        found = _by_key(data.idempotency_key, order)
        if found is not None:
            return found, False
    location = returns.receiving_location(data.location)
    ready = _prepare(order, data)
    try:
        return _exchange(order, data, location, ctx, ready=ready), True
    except BaseException as exc:
        if ready.held is not None:  # the card's hold for a difference that was not written
            gateways.gateway().void(ready.held.reference)
        if not isinstance(exc, IntegrityError):
            raise
        found = _by_key(data.idempotency_key, order) if data.idempotency_key else None
        if found is None:
            raise
        return found, False


@dataclass(frozen=True)
class _Ready:
    """What an exchange at Lealtad's own channel reads, and asks of the card, before its
    transaction opens: the replacements' plan and, when they cost more than the goods coming
    back, the card's authorization of the difference (no gateway call inside the
    transaction)."""

    number: str
    plan: _Plan
    held: gateways.GatewayResult | None


def _prepare(order: Order, data: ExchangeIn) -> _Ready:
    number = new_number("CAM")
    plan = _plan(_replacement_order(order, data))
    owed = _quote(plan, timezone.now()).total - _worth(order, data)
    held = None
    if owed > 0 and plan.token:
        try:
            held = gateways.gateway().authorize(plan.token, owed, plan.currency, number)
        except gateways.PaymentDeclined as exc:
            raise PaymentFailed(str(exc)) from exc
    return _Ready(number, plan, held)


def _worth(order: Order, data: ExchangeIn) -> Decimal:
    """What the goods coming back were paid (as the return will refund them); what the
    return refuses (more than was received) it refuses in the transaction."""
    lines = {line.sku: line for line in OrderLine.objects.filter(order=order)}  # not a cache
    wanted = returnable.wanted(data.returns)
    return sum(
        (
            returnable.paid_for(lines[sku], q, lines[sku].returned)
            for sku, q in wanted.items()
            if sku in lines and q <= returnable.left(lines[sku])
        ),
        ZERO,
    )


@dataclass(frozen=True)
class _Outside:
    """An exchange another channel made: how it settled the difference, where it ships the
    replacements, and when it happened."""

    settlement: InboundPayment | None
    ship_to: InboundAddress | None
    occurred_at: datetime | None


def record_external_exchange(
    order: Order, event: OrderExchangedEvent, ctx: SaleContext, occurred_at: datetime | None
) -> tuple[Exchange, bool]:
    """An exchange another channel made (``order.exchanged``); ``(exchange, False)`` when it
    was recorded already (the same event id, or the channel's exchange number)."""
    key = event.key(order.number, ctx.event_id)
    found = _by_key(key, order)
    if found is not None:
        return found, False
    location = returns.receiving_location(event.location)
    # Checked by the event's schema; built without ExchangeIn's checks, whose channel must be
    # one of Lealtad's own while this one may be an external system's.
    data = ExchangeIn.model_construct(
        channel=ctx.channel,
        location=location.code,
        reason=event.reason,
        returns=event.returns,
        replacements=event.replacements,
        fulfilment=event.fulfilment,
        restock=event.restock,
        idempotency_key=key,
    )
    outside = _Outside(event.settlement, event.ship_to, occurred_at)
    try:
        return _exchange(order, data, location, ctx, outside), True
    except (IntegrityError, CommerceError):
        # The same report, delivered twice at once, was recorded first by the other delivery
        # (its goods are back already): not an error.
        found = _by_key(key, order)
        if found is None:
            raise
        return found, False


def _by_key(key: str, order: Order) -> Exchange | None:
    found = Exchange.objects.filter(idempotency_key=key).first()
    if found is not None and found.original_order_id != order.pk:
        raise Conflict("this idempotency key was used for another order's exchange")
    return found


@transaction.atomic
def _exchange(
    order: Order,
    data: ExchangeIn,
    location: Location,
    ctx: SaleContext,
    outside: _Outside | None = None,
    ready: _Ready | None = None,
) -> Exchange:
    number = ready.number if ready is not None else new_number("CAM")
    ret = returns.take_back(
        order,
        ReturnIn.model_construct(
            channel=data.channel,
            location=data.location,
            reason=data.reason,
            lines=data.returns,
            restock=data.restock,
        ),
        location,
        ctx,
        refund_now=False,
        on_timeline=False,
    )
    order.refresh_from_db()
    credits: list[Payment] = []
    if ready is not None:
        plan = ready.plan
    elif outside is None:
        plan = _plan(_replacement_order(order, data))
    else:
        plan = _outside_plan(order, data, location, outside)
    held = ready.held if ready is not None else None

    def settle(replacement: Order, now: datetime) -> Payment:
        credits[:] = _credit(order, replacement, min(ret.refund_amount, replacement.total), ctx)
        owed = replacement.total - ret.refund_amount
        if owed > 0:
            return _take_difference(replacement, owed, plan, outside, held, ctx, now)
        if credits:
            return credits[-1]
        return Payment.objects.create(
            order=replacement,
            status=Payment.Status.CAPTURED,
            gateway="exchange",
            reference=number,
            amount=ZERO,
            channel=ctx.channel,
            created_at=now,
        )

    plan.settle = settle
    replacement = _place_with_retries(plan, ctx, external=outside is not None)
    if outside is not None and outside.occurred_at is not None:
        Order.objects.filter(pk=replacement.pk).update(placed_at=outside.occurred_at)
        replacement.placed_at = outside.occurred_at
    handed = replacement.payments.order_by("-id").first()
    for credit in credits:
        if handed is None or credit.pk != handed.pk:
            ctx.announce(
                "payment.captured",
                f"{number}:{credit.pk}",
                order.customer_id,
                {
                    "order": replacement.number,
                    "amount": credit.amount,
                    "reference": credit.reference,
                    "credit_from": order.number,
                },
            )
    difference = replacement.total - ret.refund_amount
    if difference < 0:
        _give_difference(order, -difference, number, outside, ctx)
    Return.objects.filter(pk=ret.pk).update(exchange_order=replacement)
    found = Exchange.objects.create(
        number=number,
        customer_id=order.customer_id,
        original_order=order,
        ret=ret,
        replacement=replacement,
        channel=data.channel,
        location=location,
        reason=data.reason,
        returned_value=ret.refund_amount,
        replacement_value=replacement.total,
        difference=difference,
        idempotency_key=data.idempotency_key,
        created_at=timezone.now(),
        created_by=ctx.actor.label[:150],
    )
    _tell(found, order, ret, replacement, data, location, ctx, outside)
    return found


def _replacement_order(order: Order, data: ExchangeIn) -> OrderIn:
    """The replacements as an order of their own, placed where the goods came back."""
    payment = data.payment or _original_card(order)
    return OrderIn(
        customer_id=order.customer_id,
        channel=data.channel,
        lines=data.replacements,
        fulfilment=data.fulfilment,
        ship_address_id=data.ship_address_id,
        ship_address_kind=data.ship_address_kind,
        pickup_location=None
        if data.fulfilment == "ship"
        else (data.pickup_location or data.location),
        origin_location=data.location,
        payment=payment,
        coupon="",
    )


def _outside_plan(order: Order, data: ExchangeIn, location: Location, outside: _Outside) -> _Plan:
    """The replacements as an order another channel took: no card to charge (the channel
    settled the difference), taken from the receiving location unless shipped."""
    merged = _merged(data.replacements)
    variants = _variants({sku for sku, _ in merged})
    places = _locations({code for _, code in merged if code} | {location.code})
    ship_to = outside.ship_to if data.fulfilment == "ship" else None
    return _Plan(
        customer=customer_reference(order.customer_id),
        channel=data.channel,
        fulfilment=data.fulfilment,
        lines=[
            (variants[sku], q, places[code] if code else None) for (sku, code), q in merged.items()
        ],
        currency=next(iter(variants.values())).currency,
        tax_country=ship_to.country if ship_to else location.country,
        tax_region=ship_to.region if ship_to else location.tax_region,
        ship_to=ship_to.model_dump() if ship_to else {},
        pickup=None if ship_to else location,
        origin=location,
    )


def _original_card(order: Order) -> PaymentIn:
    """The card on file the original order was paid with (by its brand and last digits),
    else the customer's default card; a difference is charged only if there is one to pay."""
    labels = set(
        order.payments.filter(kind=Payment.Kind.CHARGE).values_list("method_label", flat=True)
    )
    cards = list(PaymentMethod.objects.filter(customer_id=order.customer_id))
    for card in cards:
        if f"{card.brand} ···{card.last4}" in labels:
            return PaymentIn(method_id=card.pk)
    if not cards:
        raise Conflict(
            "payment: no card on file to charge a difference with; give payment "
            "(charged only if the replacements cost more)"
        )
    return PaymentIn(on_file=True)


def _credit(
    original: Order, replacement: Order, amount: Decimal, ctx: SaleContext
) -> list[Payment]:
    """The returned goods' value pays for the replacements: each original charge gives its
    share (oldest first) to the replacement order, without a round trip to the card."""
    left = amount
    made: list[Payment] = []
    now = timezone.now()
    charges = original.payments.select_for_update().filter(
        kind=Payment.Kind.CHARGE,
        status__in=[Payment.Status.CAPTURED, Payment.Status.REFUNDED],
    )
    for charge in charges.order_by("id"):
        take = min(left, charge.amount - charge.refunded)
        if take <= 0:
            continue
        charge.refunded += take
        if charge.refunded == charge.amount:
            charge.status = Payment.Status.REFUNDED
        charge.save(update_fields=["refunded", "status"])
        Payment.objects.create(
            order=original,
            kind=Payment.Kind.REFUND,
            status=Payment.Status.REFUNDED,
            gateway=charge.gateway,
            reference=f"{charge.reference}:exchange:{replacement.number}",
            method_label=_("credit to order %(number)s") % {"number": replacement.number},
            amount=take,
            original=charge,
            channel=ctx.channel,
            created_at=now,
        )
        made.append(
            Payment.objects.create(
                order=replacement,
                status=Payment.Status.CAPTURED,
                gateway=charge.gateway,
                reference=charge.reference,
                method_label=charge.method_label,
                amount=take,
                original=charge,
                channel=ctx.channel,
                created_at=now,
            )
        )
        left -= take
        if left <= 0:
            break
    if left > 0:
        raise Conflict(
            f"only {amount - left} of {amount} is left on order {original.number} to pay "
            "for the replacements"
        )
    return made


def _take_difference(
    replacement: Order,
    owed: Decimal,
    plan: _Plan,
    outside: _Outside | None,
    held: gateways.GatewayResult | None,
    ctx: SaleContext,
    now: datetime,
) -> Payment:
    """The customer pays the difference: on the card (authorized before the transaction),
    or as the other channel says it took it (without a settlement, an ``unpaid:``
    placeholder a later ``payment.captured`` settles)."""
    if outside is None:
        return _charge_difference(replacement, owed, held, plan.method_label, ctx, now)
    paid = outside.settlement
    reference = paid.reference if paid else f"unpaid:{replacement.number}"
    method = paid.method if paid else ""
    return external_payments.charge(replacement, owed, reference, method, ctx, now)


def _give_difference(
    order: Order, amount: Decimal, number: str, outside: _Outside | None, ctx: SaleContext
) -> None:
    """The customer gets the difference back: on the original payment, or as the other
    channel says it gave it."""
    if outside is None:
        refund(order, amount, number, ctx)
        return
    paid = outside.settlement
    reference = paid.reference if paid else f"unrefunded:{number}"
    method = paid.method if paid else ""
    external_payments.give_back(order, amount, reference, method, ctx, key=number)


def _charge_difference(
    replacement: Order,
    owed: Decimal,
    held: gateways.GatewayResult | None,
    label: str,
    ctx: SaleContext,
    now: datetime,
) -> Payment:
    if held is None or held.amount != owed:  # prices moved since the card was authorized
        raise Conflict(
            f"the replacements now cost {owed} more than the goods coming back, not "
            f"{held.amount if held else ZERO}: make the exchange again"
        )
    return Payment.objects.create(
        order=replacement,
        status=Payment.Status.AUTHORIZED,
        gateway=gateways.gateway().name,
        reference=held.reference,
        method_label=label,
        amount=held.amount,
        channel=ctx.channel,
        created_at=now,
    )


def _tell(
    found: Exchange,
    order: Order,
    ret: Return,
    replacement: Order,
    data: ExchangeIn,
    location: Location,
    ctx: SaleContext,
    outside: _Outside | None = None,
) -> None:
    """Audit, the ``order.exchanged`` event and one step on the customer's timeline."""
    settled = "charged" if found.difference > 0 else "refunded" if found.difference < 0 else "even"
    ctx.audit(
        "exchange_order",
        "exchange",
        found.number,
        {
            "order": [None, order.number],
            "return": [None, ret.number],
            "replacement": [None, replacement.number],
            "difference": [None, found.difference],
        },
        order.customer_id,
    )
    ctx.announce(
        "order.exchanged",
        found.number,
        order.customer_id,
        {
            "exchange": found.number,
            "order": order.number,
            "order_channel": order.channel,
            "return": ret.number,
            "replacement": replacement.number,
            "location": location.code,
            "reason": data.reason,
            "returned": [{"sku": line.sku, "quantity": line.quantity} for line in data.returns],
            "replacements": [
                {"sku": line.sku, "quantity": line.quantity} for line in data.replacements
            ],
            "returned_value": found.returned_value,
            "replacement_value": found.replacement_value,
            "difference": found.difference,
            "settled": settled,
            "settled_by": ctx.channel if outside is not None else "lealtad",
            "settlement": outside.settlement.reference
            if outside is not None and outside.settlement
            else None,
        },
    )
    back = ", ".join(f"{line.sku} x{line.quantity}" for line in data.returns)
    taken = ", ".join(f"{line.sku} x{line.quantity}" for line in data.replacements)
    money = {
        "charged": _("%(amount)s charged") % {"amount": found.difference},
        "refunded": _("%(amount)s refunded") % {"amount": -found.difference},
        "even": _("no difference"),
    }[settled]
    ctx.timeline(
        live_customer(order.customer_id),
        _(
            "Exchange %(number)s at %(where)s: %(back)s back from order %(order)s, "
            "%(taken)s taken (order %(replacement)s); %(money)s"
        )
        % {
            "number": found.number,
            "where": location.name,
            "back": back,
            "order": order.number,
            "taken": taken,
            "replacement": replacement.number,
            "money": money,
        },
        "exchange",
        found.number,
        location.name,
    )


@gateway_calls.after_commit()
@transaction.atomic
def cancel(order: Order, reason: str, ctx: SaleContext) -> Order:
    """Cancel a placed order; a replacement's credit goes back to the original payment."""
    cancel_order(order, reason, ctx)
    if Exchange.objects.filter(replacement=order).exists():
        left = refundable(order)
        if left > 0:
            refund(order, left, f"{order.number}:cancel", ctx)
    return order
