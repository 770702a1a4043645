"""Taking a card's money as the goods leave: one capture per shipment, the rest released.

A card order holds an authorization for its total from placement. Money may be taken only
for goods handed to the carrier or the customer, so each shipment captures the paid share of
what it carries (its lines' totals with their discount and tax, as the order priced them,
shared per unit the way a return computes its refund), and the shipment that completes the
order captures exactly what is left of the authorization: rounding never leaves a cent held
nor takes one too many. Collecting a pickup order captures the rest. Cancelling the order, or
what is left unshipped of it, releases what no capture took (``void``).

Each capture is a charge row of its own (``captured``) pointing at its authorization and its
shipment, with the gateway's capture reference: refunds give money back from these, never
from money that was only held. The gateway is called with a key derived from the shipment
(its idempotency key when the request had one), so a retried delivery of the same shipment
cannot take the money twice. The gateway is called only once the shipment's transaction
committed (:mod:`.gateway_calls`): until it answered, a capture is ``pending``; a capture the
card then refused is ``failed`` (the goods are gone: it is announced for someone to collect).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from lealtad.commerce import pricing, returnable
from lealtad.commerce.models import Order, OrderLine, Payment, Shipment
from lealtad.commerce.selectors.inbound import TAKEN
from lealtad.commerce.services import gateway_calls
from lealtad.commerce.services.common import SaleContext, insert_new

ZERO = Decimal("0.00")
# Money a capture took or was asked to take (the gateway's answer comes after the commit).
TAKEN_OR_ASKED = (*TAKEN, Payment.Status.PENDING)


@dataclass
class Hold:
    """An authorization still open and what of it no capture has taken yet."""

    authorization: Payment
    left: Decimal


def shipped_value(lines: Iterable[OrderLine], shipped: Mapping[int, int] | None = None) -> Decimal:
    """What the units shipped so far (``shipped``: per line id, default the lines' own count)
    were paid: each line's share of its total, as :func:`pricing.refund_for` shares it, so a
    line shipped in any parts adds up to its total and a return never gives back more than
    its units' shipments took."""
    value = ZERO
    for line in lines:
        count = line.shipped if shipped is None else shipped.get(line.pk, line.shipped)
        if count > 0:
            value += returnable.paid_for(line, count)
    return value


def taken(order: Order) -> Decimal:
    """Money already taken for the order, refunds not deducted: captures, a take-now sale
    captured whole, another order's credit (an exchange), another channel's payment."""
    found = order.payments.filter(kind=Payment.Kind.CHARGE, status__in=TAKEN_OR_ASKED).aggregate(
        sum=Sum("amount")
    )["sum"]
    return pricing.cents(found or ZERO)  # SQLite sums decimals through floats


def holds(order: Order) -> list[Hold]:
    """The order's open authorizations, oldest first, rows locked, with what each holds."""
    found = list(
        order.payments.select_for_update()
        .filter(kind=Payment.Kind.CHARGE, status=Payment.Status.AUTHORIZED)
        .order_by("id")
    )
    if not found:
        return []
    captured = dict(
        Payment.objects.filter(authorization__in=found)
        .exclude(status=Payment.Status.FAILED)
        .values("authorization")
        .annotate(sum=Sum("amount"))
        .values_list("authorization", "sum")
    )
    return [Hold(p, p.amount - pricing.cents(captured.get(p.pk, ZERO))) for p in found]


def capture(
    order: Order,
    due: Decimal,
    ctx: SaleContext,
    *,
    key: str,
    shipment: Shipment | None = None,
    final: bool = False,
) -> list[Payment]:
    """Take ``due`` (at most what is held) from the open authorizations, oldest first; with
    ``final``, take all that is left of them instead: nothing more will leave.

    ``key`` names the shipment (or the pickup) at the gateway, so a retry returns the same
    capture. The captures are ``pending`` until the gateway answers, after the commit.
    """
    made: list[Payment] = []
    for hold in holds(order):
        take = hold.left if final else min(max(due, ZERO), hold.left)
        if take > 0:
            made.append(_take(order, hold, take, ctx, key, shipment, final or take == hold.left))
            due -= take
        if hold.left == 0 and (final or take > 0):
            hold.authorization.status = Payment.Status.SETTLED
            hold.authorization.save(update_fields=["status"])
    return made


def _take(
    order: Order,
    hold: Hold,
    amount: Decimal,
    ctx: SaleContext,
    key: str,
    shipment: Shipment | None,
    final: bool,
) -> Payment:
    auth = hold.authorization
    row = Payment(
        order=order,
        kind=Payment.Kind.CHARGE,
        status=Payment.Status.PENDING,
        gateway=auth.gateway,
        reference="",
        method_label=auth.method_label,
        amount=amount,
        authorization=auth,
        shipment=shipment,
        channel=ctx.channel,
        created_at=timezone.now(),
    )
    insert_new([row])
    before, hold.left = hold.left, hold.left - amount
    _ask(order, row, auth, key, final, before, hold.left, ctx)
    return row


def _ask(
    order: Order,
    row: Payment,
    auth: Payment,
    key: str,
    final: bool,
    before: Decimal,
    left: Decimal,
    ctx: SaleContext,
) -> None:
    """Ask the gateway for the capture once the transaction committed; its answer is
    announced (``payment.captured``) and audited (``capture_payment``) as it is recorded."""
    tracking = row.shipment.tracking if row.shipment is not None else None
    gateway_calls.request(
        gateway_calls.Call(
            gateway_calls.CAPTURE,
            row.pk,
            auth.reference,
            order.number,
            order.customer_id,
            row.amount,
            key=f"{key}:{auth.pk}",
            final=final,
            event_key=f"{order.number}:CAP-{row.pk}",
            announce={
                "order": order.number,
                "shipment": tracking,
                "amount": str(row.amount),
                "authorization": auth.reference,
                "held": str(left),
                "final": final,
            },
            audit={
                "captured": [None, str(row.amount)],
                "held": [str(before), str(left)],
                "shipment": [None, tracking],
            },
            **gateway_calls.asked_by(ctx),
        ),
        ctx,
    )


def void_rest(order: Order, ctx: SaleContext, reason: str) -> list[Payment]:
    """Release what no capture took of the order's open authorizations (the order, or what
    is left of it, was cancelled); each authorization is then ``voided``."""
    released = []
    for hold in holds(order):
        auth = hold.authorization
        gateway_calls.request(
            gateway_calls.Call(
                gateway_calls.VOID, auth.pk, auth.reference, order.number, order.customer_id
            ),
            ctx,
        )
        auth.status = Payment.Status.VOIDED
        auth.save(update_fields=["status"])
        ctx.audit(
            "void_payment",
            "order",
            order.number,
            {
                "voided": [None, hold.left],
                "captured": [None, auth.amount - hold.left],
                "reason": [None, reason],
                "reference": [None, auth.reference],
            },
            order.customer_id,
        )
        ctx.announce(
            "payment.voided",
            f"{order.number}:VOID-{auth.pk}",
            order.customer_id,
            {
                "order": order.number,
                "amount": hold.left,
                "captured": auth.amount - hold.left,
                "reference": auth.reference,
                "reason": reason,
            },
        )
        released.append(auth)
    return released
