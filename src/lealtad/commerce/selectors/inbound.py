"""Read queries behind the checks of inbound commerce events (exchanges, payments and
deliveries other systems report): what an order still owes, what it can give back, which of
its shipments a carrier can deliver, and whether a report was already recorded."""

from __future__ import annotations

from decimal import Decimal

from lealtad.commerce import returnable
from lealtad.commerce.models import Exchange, Order, Payment, Shipment

ZERO = Decimal("0.00")
EXTERNAL = "external:"  # a payment's gateway when another system moved the money
HELD = (Payment.Status.AUTHORIZED, Payment.Status.CAPTURED, Payment.Status.REFUNDED)
TAKEN = (Payment.Status.CAPTURED, Payment.Status.REFUNDED)  # money taken (refunds aside)
# The statuses in which an order takes goods back (a return, an exchange).
RETURNABLE = (
    Order.Status.PARTLY_SHIPPED,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.COMPLETED,
    Order.Status.PARTLY_RETURNED,
)


def unpaid_reference(order: Order) -> str:
    """The reference of the placeholder charge an order another channel took carries when it
    did not say how it was paid (the order's total, until a payment is reported)."""
    return f"unpaid:{order.number}"


def is_placeholder(payment: Payment, order: Order) -> bool:
    return payment.gateway.startswith(EXTERNAL) and payment.reference == unpaid_reference(order)


def amount_due(order: Order) -> Decimal:
    """What the order costs less what was paid for it (authorized, captured or since given
    back: a refund does not make a paid order due again); the placeholder is not a payment.
    Units cancelled before they shipped cost nothing: their share is never due."""
    charges = order.payments.filter(kind=Payment.Kind.CHARGE, status__in=HELD)
    paid = sum((p.amount for p in charges if not is_placeholder(p, order)), ZERO)
    return max(order.total - cancelled_value(order) - paid, ZERO)


def cancelled_value(order: Order) -> Decimal:
    """The cancelled units' share of their lines' totals: the last units of each line, shared
    as a return shares its refund, so what is kept plus what is cancelled is the line."""
    value = ZERO
    for line in order.lines.filter(cancelled__gt=0):
        value += returnable.paid_for(line, line.cancelled, line.kept)
    return value


def refundable_charges(order: Order, reference: str = "") -> list[Payment]:
    """The order's taken charges with money left to give back, oldest first (only the one
    with ``reference`` when given)."""
    charges = order.payments.filter(kind=Payment.Kind.CHARGE, status__in=TAKEN).order_by("id")
    if reference:
        charges = charges.filter(reference=reference)
    return [c for c in charges if c.amount > c.refunded]


def has_charge(order: Order, reference: str) -> bool:
    return order.payments.filter(kind=Payment.Kind.CHARGE, reference=reference).exists()


def reported_payment(order: Order, kind: str, reference: str) -> bool:
    """Whether another system's payment (or refund) with this reference is already recorded
    on the order: a second report of it changes nothing."""
    return order.payments.filter(
        kind=kind, reference=reference, gateway__startswith=EXTERNAL
    ).exists()


def exchange_by_key(key: str) -> Exchange | None:
    return Exchange.objects.filter(idempotency_key=key).first()


def shipment_by_tracking(order: Order, tracking: str) -> Shipment | None:
    return order.shipments.filter(tracking=tracking).order_by("id").first()


def on_the_way(order: Order) -> bool:
    return order.shipments.filter(status=Shipment.Status.SHIPPED).exists()
