"""Money another system moved for an order: a POS or a billing system took it or gave it back.

Lealtad records the fact under that system's reference (gateway ``external:<channel>``) and
never sends it to the card gateway: the money already moved. A refund reported this way is
counted against the order's charges (oldest first, or the one named), so what a later refund
may give back stays right whoever gave the money.

An order another channel took without saying how it was paid carries a placeholder charge for
its total (``unpaid:<number>``); a payment reported later settles that placeholder first, so the
order's charges still add up to what it costs and nothing can be refunded twice.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from lealtad.commerce.models import Order, Payment
from lealtad.commerce.schemas import PaymentCapturedEvent, PaymentRefundedEvent
from lealtad.commerce.selectors import inbound as selectors_inbound
from lealtad.commerce.services.common import Conflict, SaleContext
from lealtad.commerce.services.refunds import given_back, left_on, shares

ZERO = Decimal("0.00")


def gateway_of(ctx: SaleContext) -> str:
    return f"{selectors_inbound.EXTERNAL}{ctx.channel}"[:40]


def charge(
    order: Order, amount: Decimal, reference: str, method: str, ctx: SaleContext, at: datetime
) -> Payment:
    """A captured charge another system took (the caller announces it)."""
    return Payment.objects.create(
        order=order,
        status=Payment.Status.CAPTURED,
        gateway=gateway_of(ctx),
        reference=reference,
        method_label=method[:80],
        amount=amount,
        channel=ctx.channel,
        created_at=at,
    )


def give_back(
    order: Order,
    amount: Decimal,
    reference: str,
    method: str,
    ctx: SaleContext,
    *,
    key: str,
    from_charge: str = "",
) -> list[Payment]:
    """Another system gave ``amount`` back: one refund row per charge it is counted against,
    each announced as ``payment.refunded`` (``key`` keeps the announcements' ids stable)."""
    charges = (
        order.payments.select_for_update()
        .filter(kind=Payment.Kind.CHARGE, status__in=selectors_inbound.TAKEN)
        .exclude(gateway=Payment.POINTS_GATEWAY)  # another system gives back money, not points
    )
    if from_charge:
        charges = charges.filter(reference=from_charge)
    found = list(charges.order_by("id"))
    there = left_on(found)
    if amount > there:
        raise Conflict(f"only {there} of {amount} can be given back on this order")
    now = timezone.now()
    made: list[Payment] = []
    for original, take in shares(found, amount):
        given_back(original, take)
        made.append(
            Payment.objects.create(
                order=order,
                kind=Payment.Kind.REFUND,
                status=Payment.Status.REFUNDED,
                gateway=gateway_of(ctx),
                reference=reference,
                method_label=(method or original.method_label)[:80],
                amount=take,
                original=original,
                channel=ctx.channel,
                created_at=now,
            )
        )
    _announce_refunds(order, made, reference, key, ctx)
    return made


def _announce_refunds(
    order: Order, made: list[Payment], reference: str, key: str, ctx: SaleContext
) -> None:
    for payment in made:
        ctx.announce(
            "payment.refunded",
            f"{key}:{payment.original_id}",
            order.customer_id,
            {
                "order": order.number,
                "amount": payment.amount,
                "to": payment.method_label,
                "reference": reference,
                "by": ctx.channel,
            },
        )


@transaction.atomic
def record_capture(
    order: Order, data: PaymentCapturedEvent, ctx: SaleContext, at: datetime
) -> Payment | None:
    """Record a payment another system took; ``None`` when it was recorded already."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if selectors_inbound.reported_payment(order, Payment.Kind.CHARGE, data.reference):
        return None
    settled = _settle_placeholder(order, data.amount)
    payment = charge(order, data.amount, data.reference, data.method, ctx, at)
    changes: dict[str, list[object]] = {
        "payment": [None, {"reference": data.reference, "amount": data.amount}]
    }
    if settled:
        changes["unpaid_settled"] = [None, settled]
    ctx.audit("record_payment", "order", order.number, changes, order.customer_id)
    ctx.announce(
        "payment.captured",
        f"{order.number}:PAY-{payment.pk}",
        order.customer_id,
        {
            "order": order.number,
            "amount": payment.amount,
            "reference": payment.reference,
            "method": payment.method_label,
            "by": ctx.channel,
        },
    )
    return payment


def _settle_placeholder(order: Order, amount: Decimal) -> Decimal:
    """Take ``amount`` off the order's placeholder charge; what it took."""
    reference = selectors_inbound.unpaid_reference(order)
    placeholder = (
        order.payments.select_for_update()
        .filter(kind=Payment.Kind.CHARGE, status=Payment.Status.CAPTURED, reference=reference)
        .first()
    )
    if placeholder is None or not selectors_inbound.is_placeholder(placeholder, order):
        return ZERO
    take = min(amount, placeholder.amount - placeholder.refunded)
    placeholder.amount -= take
    if placeholder.amount == placeholder.refunded:
        placeholder.status = (
            Payment.Status.REFUNDED if placeholder.refunded else Payment.Status.VOIDED
        )
    placeholder.save(update_fields=["amount", "status"])
    return take


@transaction.atomic
def record_refund(order: Order, data: PaymentRefundedEvent, ctx: SaleContext) -> list[Payment]:
    """Record money another system gave back; nothing when it was recorded already."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if selectors_inbound.reported_payment(order, Payment.Kind.REFUND, data.reference):
        return []
    made = give_back(
        order,
        data.amount,
        data.reference,
        data.method,
        ctx,
        key=f"{order.number}:{ctx.event_id or data.reference}"[:90],
        from_charge=data.payment,
    )
    ctx.audit(
        "record_refund",
        "order",
        order.number,
        {"refund": [None, {"reference": data.reference, "amount": data.amount}]},
        order.customer_id,
    )
    return made
