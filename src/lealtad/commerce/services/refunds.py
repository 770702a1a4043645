"""Money back on an order: only what was captured (or taken otherwise), oldest capture first,
the gateway asked after the commit; price adjustments with their reason."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lealtad.commerce.models import (
    Order,
    Payment,
    PriceAdjustment,
)
from lealtad.commerce.schemas import AdjustmentIn
from lealtad.commerce.services import captures, gateway_calls
from lealtad.commerce.services.common import (
    Conflict,
    SaleContext,
    live_customer,
)

# Money back --------------------------------------------------------------------------------


def refundable(order: Order) -> Decimal:
    """What can still be given back: what the captures (and other payments taken) took, less
    what they gave back. Money only held by an authorization is not refundable: it is
    released when the rest of the order is cancelled."""
    return left_on(
        order.payments.filter(kind=Payment.Kind.CHARGE, status__in=captures.TAKEN).exclude(
            gateway=Payment.POINTS_GATEWAY
        )
    )


def refund(order: Order, amount: Decimal, key: str, ctx: SaleContext) -> list[Payment]:
    """Give ``amount`` back from the money taken for the order, oldest capture first.

    Only captured money comes back: asking more than the captures have left refuses the
    whole refund (409) and writes nothing. Returns take back shipped units only, and each
    shipment captured their share as they left, so a return is always covered by them.
    """
    charges = list(
        order.payments.select_for_update()
        .filter(kind=Payment.Kind.CHARGE, status__in=captures.TAKEN)
        .exclude(gateway=Payment.POINTS_GATEWAY)  # points go back as points (points_tender)
        .order_by("id")
    )
    there = left_on(charges)
    if amount > there:  # before any gateway call: a refused refund moves no money
        raise Conflict(f"only {there} of {amount} can be refunded on this order")
    return [_give_back(order, charge, take, key, ctx) for charge, take in shares(charges, amount)]


def left_on(charges: Iterable[Payment]) -> Decimal:
    """What the charges took and have not given back yet."""
    return sum((c.amount - c.refunded for c in charges), Decimal("0.00"))


def shares(charges: Iterable[Payment], amount: Decimal) -> list[tuple[Payment, Decimal]]:
    """How ``amount`` comes back from the charges: oldest first, each up to what it has left
    (a refund, an exchange's credit, another channel's refund share it the same way)."""
    found = []
    for charge in charges:
        take = min(amount, charge.amount - charge.refunded)
        if take <= 0:
            continue
        found.append((charge, take))
        amount -= take
        if amount <= 0:
            break
    return found


def given_back(charge: Payment, take: Decimal) -> None:
    """The charge gave ``take`` back: ``refunded`` once all of it came back."""
    charge.refunded += take
    if charge.refunded == charge.amount:
        charge.status = Payment.Status.REFUNDED
    charge.save(update_fields=["refunded", "status"])


def _give_back(order: Order, charge: Payment, take: Decimal, key: str, ctx: SaleContext) -> Payment:
    """One refund row; another system's money is recorded as given back, a card's is asked
    of the gateway after the commit (one call per capture, each with a key of its own)."""
    external = charge.gateway.startswith("external:")
    given_back(charge, take)
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
    if external:
        ctx.announce("payment.refunded", f"{key}:{charge.pk}", order.customer_id, told)
        return payment
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
    return payment


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
