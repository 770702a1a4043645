"""What the store prints and looks up: sale and return receipts, pick lists for an order and
for a transfer, and an order found by a number typed any which way.

Receipts carry what a customer keeps (issue 17): the store, the date, the lines, IVA and the
totals, and how the money was paid or given back. Reads only; built for the print pages and
the receipt e-mail alike, so both say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lealtad.commerce.models import Location, Order, Payment, Return, Transfer, Variant
from lealtad.commerce.selectors.orders import order_detail
from lealtad.commerce.selectors.walk_in import walk_in_customer_id
from lealtad.customers import selectors as customer_selectors

ZERO = Decimal("0.00")
TAKEN = (Payment.Status.CAPTURED, Payment.Status.REFUNDED, Payment.Status.SETTLED)


def normalized_number(text: str) -> str:
    """An order number as it is stored: spaces anywhere dropped, letters upper case
    (``ord-1a2b 3c`` is ``ORD-1A2B3C``)."""
    return "".join(text.split()).upper()


def find_order(text: str) -> Order | None:
    """The order a clerk typed, whatever its case and spacing."""
    number = normalized_number(text)
    if not number:
        return None
    found = order_detail(number)
    if found is not None:
        return found
    exact = Order.objects.filter(number__iexact=number).values_list("number", flat=True).first()
    return order_detail(exact) if exact else None


@dataclass(frozen=True)
class ReceiptLine:
    description: str
    sku: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


@dataclass
class Receipt:
    """A sale's or a return's receipt."""

    kind: str  # "sale" or "return"
    number: str
    order: str
    store: Location | None
    at: datetime
    customer: str
    currency: str
    tax_rate: Decimal  # a percentage: 15.00
    lines: list[ReceiptLine] = field(default_factory=list)
    subtotal: Decimal = ZERO
    discount: Decimal = ZERO
    tax: Decimal = ZERO
    total: Decimal = ZERO
    paid_with: list[str] = field(default_factory=list)
    reason: str = ""
    receipt: str = ""  # how a return's receipt was given: email, print, or not yet
    receipt_to: str = ""


def _customer_name(customer_id: int) -> str:
    if customer_id == walk_in_customer_id():
        return _("Walk-in customer")
    found = customer_selectors.get_customer(customer_id)
    return found.display_name if found is not None else ""


def _method(label: str) -> str:
    """A payment's label as a person reads it (in-store labels are kept as codes)."""
    return {"cash": _("Cash"), "till": _("Paid at the till")}.get(label, label)


def _points(points: int, value: Decimal, currency: str) -> str:
    """Loyalty points as a receipt names them: how many, and what they paid."""
    return _("%(points)s points (%(value)s %(currency)s)") % {
        "points": points,
        "value": number_format(value, 2),
        "currency": currency,
    }


def _paid_with(order: Order, *, points: bool = True) -> list[str]:
    """How the order was paid. With loyalty points among the tenders, each tender says how
    much it paid (the points, their value; the rest by card or cash)."""
    rows = [
        p
        for p in order.payments.all()
        if p.kind == Payment.Kind.CHARGE and p.amount and p.method_label
    ]
    paid_in_points = [p for p in rows if p.gateway == Payment.POINTS_GATEWAY]
    money = [p for p in rows if p.gateway != Payment.POINTS_GATEWAY]
    if not paid_in_points or not points:
        return [_method(label) for label in dict.fromkeys(p.method_label for p in money)]
    return [_points(p.points, p.amount, order.currency) for p in paid_in_points] + [
        f"{_method(p.method_label)}: {number_format(p.amount, 2)} {order.currency}" for p in money
    ]


def sale_receipt(number: str) -> Receipt | None:
    order = order_detail(number)
    if order is None:
        return None
    store = order.origin_location or order.pickup_location
    return Receipt(
        kind="sale",
        number=order.number,
        order=order.number,
        store=store,
        at=order.placed_at,
        customer=_customer_name(order.customer_id),
        currency=order.currency,
        tax_rate=(order.tax_rate * 100).quantize(Decimal("0.01")),
        lines=[
            ReceiptLine(
                line.description,
                line.sku,
                line.quantity,
                line.unit_price,
                line.discount,
                line.tax,
                line.total,
            )
            for line in order.lines.all()
        ],
        subtotal=order.subtotal,
        discount=order.discount,
        tax=order.tax,
        total=order.total,
        paid_with=_paid_with(order),
    )


def _share(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``part``'s share of ``amount`` (the tax in a refund), to the cent."""
    if not whole:
        return ZERO
    return (amount * part / whole).quantize(Decimal("0.01"))


def return_receipt(number: str) -> Receipt | None:
    ret = (
        Return.objects.filter(number=number)
        .select_related("order", "location")
        .prefetch_related("lines__order_line", "order__payments")
        .first()
    )
    if ret is None:
        return None
    order = ret.order
    lines = []
    for rl in ret.lines.all():
        ol = rl.order_line
        tax = _share(rl.refund, ol.tax, ol.total)
        lines.append(
            ReceiptLine(ol.description, ol.sku, rl.quantity, ol.unit_price, ZERO, tax, rl.refund)
        )
    tax = sum((line.tax for line in lines), ZERO)
    return Receipt(
        kind="return",
        number=ret.number,
        order=order.number,
        store=ret.location,
        at=ret.created_at,
        customer=_customer_name(ret.customer_id),
        currency=order.currency,
        tax_rate=(order.tax_rate * 100).quantize(Decimal("0.01")),
        lines=lines,
        subtotal=ret.refund_amount - tax,
        tax=tax,
        total=ret.refund_amount,
        paid_with=refund_methods(ret),
        reason=ret.reason,
        receipt=ret.receipt,
        receipt_to=ret.receipt_to,
    )


def refund_methods(ret: Return) -> list[str]:
    """How a return's money went back, as the customer reads it."""
    if ret.refund_method == Return.RefundMethod.CASH:
        money = [str(Return.RefundMethod.CASH.label)]
    else:
        money = _paid_with(ret.order, points=False) or [str(Return.RefundMethod.ORIGINAL.label)]
    key = f"points:refund:{ret.number}"
    back = next((p for p in ret.order.payments.all() if p.reference == key), None)
    if back is None:
        return money
    given = [_points(back.points, back.amount, ret.order.currency)]
    return (money if back.amount < ret.refund_amount else []) + given


def original_payment(order: Order) -> list[str]:
    """How the order was paid, for the return form's refund choice."""
    return _paid_with(order)


def paid_by_card(order: Order) -> bool:
    """Whether money the card gateway took is on the order (a cash refund needs REFUND)."""
    return any(
        p.kind == Payment.Kind.CHARGE
        and not p.gateway.startswith(("external:", "exchange", "loyalty:"))
        for p in order.payments.all()
    )


# Pick lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickLine:
    location: str
    sku: str
    description: str
    quantity: int


def order_pick_list(order: Order) -> list[PickLine]:
    """What is still to be taken off the shelves for the order, shelf by shelf."""
    rows = [
        PickLine(
            line.location.name if line.location else _("not allocated yet"),
            line.sku,
            line.description,
            line.to_ship,
        )
        for line in order.lines.all()
        if line.to_ship > 0
    ]
    return sorted(rows, key=lambda r: (r.location, r.sku))


def _variant_name(variant: Variant) -> str:
    return f"{variant.product.name(get_language() or 'es')} {variant.label}".strip()


def transfer_pick_list(transfer: Transfer) -> list[PickLine]:
    rows = [
        PickLine(
            transfer.from_location.name,
            line.variant.sku,
            _variant_name(line.variant),
            line.quantity,
        )
        for line in transfer.lines.select_related("variant__product")
    ]
    return sorted(rows, key=lambda r: r.sku)


def transfer_facts(transfer: Transfer) -> dict[str, Any]:
    """The transfer's lines with what was received and what fell short."""
    return {
        "lines": [
            {
                "sku": line.variant.sku,
                "description": _variant_name(line.variant),
                "quantity": line.quantity,
                "received": line.received,
                "short": line.quantity - line.received
                if transfer.status == Transfer.Status.RECEIVED
                else 0,
                "pk": line.pk,
            }
            for line in transfer.lines.select_related("variant__product").order_by("id")
        ]
    }
