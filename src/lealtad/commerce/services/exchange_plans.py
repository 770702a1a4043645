"""What an exchange reads, and asks of the card, before its transaction: the replacements as
an order of their own (Lealtad's channel or another's), the card to charge a difference
with, what the goods coming back were paid, and the authorization of the difference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from lealtad.commerce import gateway as gateways
from lealtad.commerce import returnable
from lealtad.commerce.models import (
    Location,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
)
from lealtad.commerce.schemas import (
    ExchangeIn,
    InboundAddress,
    InboundPayment,
    OrderIn,
    PaymentIn,
)
from lealtad.commerce.services.common import (
    Conflict,
    customer_reference,
)
from lealtad.commerce.services.order_plan import (
    _locations,
    _merged,
    _Plan,
    _plan,
    _quote,
    _variants,
)
from lealtad.commerce.services.placement import authorize, new_number

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class _Ready:
    """What an exchange at Lealtad's own channel reads, and asks of the card, before its
    transaction opens: the replacements' plan and, when they cost more than the goods coming
    back, the card's authorization of the difference (no gateway call inside the
    transaction)."""

    number: str
    plan: _Plan
    held: gateways.GatewayResult | None


@dataclass(frozen=True)
class ExchangePreview:
    """What the customer is asked to confirm before a difference is charged: the amount
    (``owed``, 0 when nothing is charged) and the card (``plan.method_label``)."""

    plan: _Plan
    owed: Decimal

    @property
    def charges_card(self) -> bool:
        return self.owed > 0 and bool(self.plan.token)


def preview_exchange(order: Order, data: ExchangeIn) -> ExchangePreview:
    """The difference as the exchange would charge it now, from the same plan and price;
    writes nothing and touches no money."""
    plan = _plan(_replacement_order(order, data))
    owed = _quote(plan, timezone.now()).total - _worth(order, data)
    return ExchangePreview(plan, max(owed, ZERO))


def _prepare(order: Order, data: ExchangeIn) -> _Ready:
    number = new_number("CAM")
    found = preview_exchange(order, data)
    expected = data.expected_difference
    if expected is not None and found.owed != expected:
        raise Conflict(
            _("the difference is now %(owed)s %(currency)s, not the %(expected)s confirmed")
            % {"owed": found.owed, "currency": found.plan.currency, "expected": expected}
        )
    held = authorize(found.plan, number, found.owed) if found.owed > 0 else None
    return _Ready(number, found.plan, held)


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
    """How a difference is paid, the way the original sale was: the card on file it was paid
    with (by its brand and last digits), cash or the till for a sale paid in the store (a
    walk-in's included), else the customer's default card. A card not kept on file (typed on
    the gateway's hosted form) cannot be charged again: the clerk takes a new card then."""
    labels = set(
        order.payments.filter(kind=Payment.Kind.CHARGE).values_list("method_label", flat=True)
    )
    cards = list(PaymentMethod.objects.filter(customer_id=order.customer_id))
    for card in cards:
        if f"{card.brand} ···{card.last4}" in labels:
            return PaymentIn(method_id=card.pk)
    if "cash" in labels or "till" in labels:
        return PaymentIn(in_store="cash" if "cash" in labels else "till")
    if not cards:
        raise Conflict(
            "payment: no card on file to charge a difference with; give payment "
            "(charged only if the replacements cost more)"
        )
    return PaymentIn(on_file=True)
