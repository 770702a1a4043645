"""Money back in cash at the till for goods a card paid for.

A customer returning goods bought by card may be given cash instead (the card is gone, the
bank takes days): the card's captures are counted as given back, oldest first, exactly as a
card refund would, but no gateway call is made — the till hands the money over. A cash sale's
refund is already cash (:func:`..refunds.refund` records it given back), so this is for card
sales, by someone who may refund (``REFUND``), checked by the caller.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from lealtad.commerce.models import Order, Payment
from lealtad.commerce.services import captures
from lealtad.commerce.services.common import Conflict, SaleContext
from lealtad.commerce.services.refunds import given_back, left_on, shares

TILL = "external:till"  # the gateway of money the till moved
CASH = "cash"  # the payment label the order page and receipts show as "Cash"


def refund_in_cash(order: Order, amount: Decimal, key: str, ctx: SaleContext) -> list[Payment]:
    """``amount`` handed back in cash against the order's captures (in the caller's
    transaction); more than the captures have left is refused, nothing written."""
    charges = list(
        order.payments.select_for_update()
        .filter(kind=Payment.Kind.CHARGE, status__in=captures.TAKEN)
        .exclude(gateway=Payment.POINTS_GATEWAY)  # points go back as points
        .order_by("id")
    )
    there = left_on(charges)
    if amount > there:
        raise Conflict(f"only {there} of {amount} can be refunded on this order")
    now = timezone.now()
    rows = []
    for charge, take in shares(charges, amount):
        given_back(charge, take)
        rows.append(
            Payment(
                order=order,
                kind=Payment.Kind.REFUND,
                status=Payment.Status.REFUNDED,
                gateway=TILL,
                reference=f"{CASH}:{key}:{charge.pk}",
                method_label=CASH,
                amount=take,
                original=charge,
                channel=ctx.channel,
                created_at=now,
            )
        )
    made = Payment.objects.bulk_create(rows)
    if made:
        ctx.announce(
            "payment.refunded",
            f"{key}:{CASH}",
            order.customer_id,
            {"order": order.number, "amount": str(amount), "to": CASH},
        )
    return made
