"""An exchange's money, settled once on the original payment: the returned goods' value
credited to the replacement order, the difference charged (authorized before the
transaction) or refunded, or recorded as the other channel settled it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from lealtad.commerce import gateway as gateways
from lealtad.commerce.models import (
    Order,
    Payment,
)
from lealtad.commerce.services import captures, external_payments
from lealtad.commerce.services.common import (
    Conflict,
    SaleContext,
)
from lealtad.commerce.services.exchange_plans import ZERO, _Outside
from lealtad.commerce.services.order_plan import (
    _Plan,
)
from lealtad.commerce.services.refunds import given_back, left_on, refund, shares


def _credit(
    original: Order, replacement: Order, amount: Decimal, ctx: SaleContext
) -> list[Payment]:
    """The returned goods' value pays for the replacements: each original charge gives its
    share (oldest first) to the replacement order, without a round trip to the card."""
    charges = list(
        original.payments.select_for_update()
        .filter(kind=Payment.Kind.CHARGE, status__in=captures.TAKEN)
        .order_by("id")
    )
    if any(c.gateway == Payment.POINTS_GATEWAY for c in charges):
        raise Conflict(
            f"order {original.number} was paid partly with loyalty points: take a return "
            "(the points come back) and sell the replacements"
        )
    there = left_on(charges)
    if amount > there:
        raise Conflict(
            f"only {there} of {amount} is left on order {original.number} to pay "
            "for the replacements"
        )
    return [_credited(original, replacement, c, take, ctx) for c, take in shares(charges, amount)]


def _credited(
    original: Order, replacement: Order, charge: Payment, take: Decimal, ctx: SaleContext
) -> Payment:
    """The charge gives ``take`` to the replacement: a refund row on the original (no gateway
    call) and a captured charge on the replacement with the original's gateway reference."""
    now = timezone.now()
    given_back(charge, take)
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
    return Payment.objects.create(
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
    if outside is None and not plan.token and plan.in_store:
        # Paid in the store as the original sale was: cash taken now, or due at the till.
        kind = "cash" if plan.in_store == "cash" else "unpaid"
        reference = f"{kind}:{replacement.number}"
        return external_payments.charge(replacement, owed, reference, plan.method_label, ctx, now)
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
