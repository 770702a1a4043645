"""Plain-dict views of commerce records for the API, the 360 view and the events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from lealtad.commerce.models import (
    CustomerList,
    Exchange,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    Product,
    Return,
    Shipment,
    Transfer,
)
from lealtad.core.rules import Show


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def money(value: Any) -> str:
    return f"{value:.2f}"


def shipment(s: Shipment) -> dict[str, Any]:
    return {
        "from": s.from_location.code,
        "from_name": s.from_location.name,
        "status": s.status,
        "carrier": s.carrier,
        "tracking": s.tracking,
        "lines": s.lines,
        "shipped_at": _iso(s.shipped_at),
        "delivered_at": _iso(s.delivered_at),
    }


def payments(rows: Iterable[Payment], shipments: Iterable[Shipment] = ()) -> list[dict[str, Any]]:
    """The order's money, as it moved: the authorization (``authorized``: what it held,
    ``captured`` by its captures, ``held`` still, ``voided`` released), each capture (its
    ``shipment``'s tracking and the ``authorization`` it took from), refunds (``refund_of``:
    the charge they gave back). Reads nothing: the rows and shipments are given."""
    found = list(rows)
    by_id = {p.pk: p for p in found}
    tracking = {s.pk: s.tracking for s in shipments}
    captured: dict[int, Decimal] = defaultdict(Decimal)
    for p in found:
        if p.authorization_id is not None and p.status != Payment.Status.FAILED:
            captured[p.authorization_id] += p.amount
    return [_payment(p, by_id, tracking, captured) for p in found]


_OPEN_OR_CLOSED = (Payment.Status.AUTHORIZED, Payment.Status.SETTLED, Payment.Status.VOIDED)


def _payment(
    p: Payment,
    by_id: dict[int, Payment],
    tracking: dict[int, str],
    captured: dict[int, Decimal],
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": p.kind,
        "status": p.status,
        "gateway": p.gateway,
        "reference": p.reference,
        "method": p.method_label,
        "amount": money(p.amount),
        "refunded": money(p.refunded),
        "channel": p.channel,
        "created_at": _iso(p.created_at),
    }
    if p.gateway == Payment.POINTS_GATEWAY:  # loyalty points paid or given back
        row["points"] = p.points
    if p.authorization_id is not None:
        auth = by_id.get(p.authorization_id)
        row["authorization"] = auth.reference if auth is not None else None
        row["shipment"] = tracking.get(p.shipment_id) if p.shipment_id else None
    elif p.original_id is not None:
        original = by_id.get(p.original_id)
        row["refund_of" if p.kind == Payment.Kind.REFUND else "credit_from"] = (
            original.reference if original is not None else None
        )
    if _is_authorization(p):
        took = captured.get(p.pk, Decimal("0.00"))
        rest = p.amount - took
        row["authorized"] = money(p.amount)
        row["captured"] = money(took)
        row["held"] = money(rest if p.status == Payment.Status.AUTHORIZED else 0)
        row["voided"] = money(rest if p.status == Payment.Status.VOIDED else 0)
    return row


def _is_authorization(p: Payment) -> bool:
    """A card's hold (open, taken by its captures, or released), not money another system
    reported: those are captured as they are recorded."""
    return (
        p.kind == Payment.Kind.CHARGE
        and p.status in _OPEN_OR_CLOSED
        and not p.gateway.startswith("external:")
    )


def exchange(e: Exchange) -> dict[str, Any]:
    """One exchange: what came back (the return), what was taken (the replacement order) and
    how the money was settled (``difference`` > 0 charged, < 0 refunded)."""
    return {
        "number": e.number,
        "order": e.original_order.number,
        "return": e.ret.number,
        "replacement": e.replacement.number,
        "channel": e.channel,
        "location": e.location.code,
        "location_name": e.location.name,
        "reason": e.reason,
        "returned_value": money(e.returned_value),
        "replacement_value": money(e.replacement_value),
        "difference": money(e.difference),
        "created_at": _iso(e.created_at),
    }


def _exchange_link(e: Exchange | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"number": e.number, "order": e.original_order.number, "return": e.ret.number}


def order_row(o: Order) -> dict[str, Any]:
    """The 360 view's row: one order with its shipments, payments (each capture with its
    shipment), returns and exchanges (plain JSON)."""
    return {
        "id": o.pk,
        "number": o.number,
        "channel": o.channel,
        "status": o.status,
        "total": money(o.total),
        "currency": o.currency,
        "placed_at": _iso(o.placed_at),
        "fulfilment": o.fulfilment,
        "ship_to": o.ship_to or None,
        "pickup_location": o.pickup_location.code if o.pickup_location else None,
        "origin_location": o.origin_location.code if o.origin_location else None,
        "lines": getattr(o, "line_count", None),
        "cancelled_units": getattr(o, "cancelled_units", None) or 0,
        "shipments": [shipment(s) for s in getattr(o, "shipment_rows", [])],
        "payments": payments(getattr(o, "payment_rows", []), getattr(o, "shipment_rows", [])),
        "returns": [
            {
                "number": r.number,
                "channel": r.channel,
                "location": r.location.code if r.location else None,
                "location_name": r.location.name if r.location else None,
                "reason": r.reason,
                "refund": money(r.refund_amount),
                "created_at": _iso(r.created_at),
            }
            for r in getattr(o, "return_rows", [])
        ],
        "exchanges": [exchange(e) for e in getattr(o, "exchange_rows", [])],
        "exchange_of": _exchange_link(getattr(o, "exchange_of_row", None)),
    }


def _line(line: OrderLine) -> dict[str, Any]:
    return {
        "sku": line.sku,
        "description": line.description,
        "quantity": line.quantity,
        "unit_price": money(line.unit_price),
        "discount": money(line.discount),
        "tax": money(line.tax),
        "total": money(line.total),
        "location": line.location.code if line.location else None,
        "shipped": line.shipped,
        "returned": line.returned,
        "cancelled": line.cancelled,
        "to_ship": line.to_ship,
    }


def _return(r: Return) -> dict[str, Any]:
    return {
        "number": r.number,
        "channel": r.channel,
        "location": r.location.code if r.location else None,
        "reason": r.reason,
        "refund": money(r.refund_amount),
        "created_at": _iso(r.created_at),
        "exchange_order": r.exchange_order.number if r.exchange_order else None,
        "lines": [
            {"order_line": rl.order_line_id, "quantity": rl.quantity, "refund": money(rl.refund)}
            for rl in r.lines.all()
        ],
    }


def order_detail(o: Order) -> dict[str, Any]:
    return {
        "number": o.number,
        "customer_id": o.customer_id,
        "channel": o.channel,
        "status": o.status,
        "fulfilment": o.fulfilment,
        "ship_to": o.ship_to or None,
        "pickup_location": o.pickup_location.code if o.pickup_location else None,
        "origin_location": o.origin_location.code if o.origin_location else None,
        "captured_elsewhere": o.captured_elsewhere,
        "currency": o.currency,
        "tax_rate": str(o.tax_rate),
        "subtotal": money(o.subtotal),
        "discount": money(o.discount),
        "tax": money(o.tax),
        "total": money(o.total),
        "promotions": o.promotions,
        "external_ref": o.external_ref,
        "placed_at": _iso(o.placed_at),
        "placed_by": o.placed_by,
        "lines": [_line(line) for line in o.lines.all()],
        "payments": payments(o.payments.all(), o.shipments.all()),
        "shipments": [shipment(s) for s in o.shipments.all()],
        "returns": [_return(r) for r in o.returns.all()],
        "adjustments": [
            {"amount": money(a.amount), "reason": a.reason, "channel": a.channel}
            for a in o.adjustments.all()
        ],
        "exchanges": [exchange(e) for e in o.exchanges.all()],
        "exchange_of": _exchange_link(_exchange_of(o)),
    }


def _exchange_of(o: Order) -> Exchange | None:
    """The exchange this order is the replacement of; ``selectors.order_detail`` (and a newly
    placed order) carry it already, so this reads nothing more."""
    try:
        return o.exchange_of
    except Exchange.DoesNotExist:
        return None


def product(p: Product, language: str = "es") -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name(language),
        "name_es": p.name_es,
        "name_en": p.name_en,
        "description": p.description(language),
        "category": p.category.code if p.category else None,
        "image_url": p.image_url or None,
        "variants": [
            {
                "sku": v.sku,
                "attributes": v.attributes,
                "price": money(v.price),
                "currency": v.currency,
                "image_url": v.image_url or None,
            }
            for v in p.variants.all()
            if v.active
        ],
    }


def payment_method(m: PaymentMethod, card: Show = Show.LAST4) -> dict[str, Any]:
    """A card on file; ``card`` is how the reader may see its digits (core.rules)."""
    return {
        "id": m.pk,
        "brand": m.brand,
        "last4": m.last4 if card >= Show.LAST4 else "",
        "label": m.label,
        "is_default": m.is_default,
    }


def transfer(t: Transfer) -> dict[str, Any]:
    return {
        "number": t.number,
        "status": t.status,
        "from": t.from_location.code,
        "to": t.to_location.code,
        "note": t.note,
        "carrier": t.carrier,
        "tracking": t.tracking,
        "requested_at": _iso(t.requested_at),
        "requested_by": t.requested_by,
        "shipped_at": _iso(t.shipped_at),
        "received_at": _iso(t.received_at),
        "lines": [
            {"sku": line.variant.sku, "quantity": line.quantity, "received": line.received}
            for line in t.lines.all()
        ],
    }


def customer_list(c: CustomerList) -> dict[str, Any]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "name": c.name,
        "channel": c.channel,
        "order": c.order.number if c.order_id and c.order else None,
        "checked_out_at": _iso(c.checked_out_at),
        "items": [
            {"sku": i.variant.sku, "quantity": i.quantity, "purchased": i.purchased}
            for i in c.items.all()
        ],
    }
