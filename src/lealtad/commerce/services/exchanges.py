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

What an exchange reads and authorizes before its transaction is :mod:`.exchange_plans`; how
its money is settled, :mod:`.exchange_money`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lealtad.commerce import gateway as gateways
from lealtad.commerce.models import (
    Exchange,
    Location,
    Order,
    Payment,
    Return,
)
from lealtad.commerce.schemas import (
    ExchangeIn,
    OrderExchangedEvent,
    ReturnIn,
)
from lealtad.commerce.services import gateway_calls, returns
from lealtad.commerce.services.common import (
    CommerceError,
    Conflict,
    SaleContext,
    live_customer,
)
from lealtad.commerce.services.exchange_money import _credit, _give_difference, _take_difference
from lealtad.commerce.services.exchange_plans import (
    ZERO,
    _Outside,
    _outside_plan,
    _prepare,
    _Ready,
    _replacement_order,
)
from lealtad.commerce.services.order_plan import _Plan, _plan
from lealtad.commerce.services.orders import cancel_order
from lealtad.commerce.services.placement import _place_with_retries, new_number
from lealtad.commerce.services.refunds import refund, refundable


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
    ret = _goods_back(order, data, location, ctx)
    order.refresh_from_db()
    credits: list[Payment] = []
    plan = _replacements(order, data, location, outside, ready)
    held = ready.held if ready is not None else None
    plan.settle = _settlement(order, ret, plan, outside, held, number, credits, ctx)
    replacement = _place_with_retries(plan, ctx, external=outside is not None)
    if outside is not None and outside.occurred_at is not None:
        Order.objects.filter(pk=replacement.pk).update(placed_at=outside.occurred_at)
        replacement.placed_at = outside.occurred_at
    _announce_credits(credits, order, replacement, number, ctx)
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


def _settlement(
    order: Order,
    ret: Return,
    plan: _Plan,
    outside: _Outside | None,
    held: gateways.GatewayResult | None,
    number: str,
    credits: list[Payment],
    ctx: SaleContext,
) -> Callable[[Order, datetime], Payment]:
    """How the replacement is paid, in its placement's transaction: the returned goods'
    credit first (noted in ``credits``), then the difference, or a zero charge when even."""

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

    return settle


def _goods_back(order: Order, data: ExchangeIn, location: Location, ctx: SaleContext) -> Return:
    """The goods come back as a return; its money and timeline step are the exchange's."""
    return returns.take_back(
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


def _replacements(
    order: Order,
    data: ExchangeIn,
    location: Location,
    outside: _Outside | None,
    ready: _Ready | None,
) -> _Plan:
    if ready is not None:
        return ready.plan
    if outside is None:
        return _plan(_replacement_order(order, data))
    return _outside_plan(order, data, location, outside)


def _announce_credits(
    credits: list[Payment], order: Order, replacement: Order, number: str, ctx: SaleContext
) -> None:
    """Each credit the replacement received is money taken for it (the last one, when it pays
    the whole replacement, was announced as the placement's payment)."""
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
        _exchanged(found, order, ret, replacement, data, location, ctx, outside),
    )
    _on_timeline(found, order, replacement, data, location, ctx)


def _exchanged(
    found: Exchange,
    order: Order,
    ret: Return,
    replacement: Order,
    data: ExchangeIn,
    location: Location,
    ctx: SaleContext,
    outside: _Outside | None,
) -> dict[str, Any]:
    """The ``order.exchanged`` event's payload."""
    return {
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
        "settled": _settled(found),
        "settled_by": ctx.channel if outside is not None else "lealtad",
        "settlement": outside.settlement.reference
        if outside is not None and outside.settlement
        else None,
    }


def _settled(found: Exchange) -> str:
    return "charged" if found.difference > 0 else "refunded" if found.difference < 0 else "even"


def _on_timeline(
    found: Exchange,
    order: Order,
    replacement: Order,
    data: ExchangeIn,
    location: Location,
    ctx: SaleContext,
) -> None:
    """One step on the customer's timeline for the whole exchange."""
    back = ", ".join(f"{line.sku} x{line.quantity}" for line in data.returns)
    taken = ", ".join(f"{line.sku} x{line.quantity}" for line in data.replacements)
    money = {
        "charged": _("%(amount)s charged") % {"amount": found.difference},
        "refunded": _("%(amount)s refunded") % {"amount": -found.difference},
        "even": _("no difference"),
    }[_settled(found)]
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
