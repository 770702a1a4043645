"""Plain-dict views of commerce records for the API, the 360 view and the events."""

from __future__ import annotations

from typing import Any

from lealtad.commerce.models import (
    CustomerList,
    Order,
    PaymentMethod,
    Product,
    Shipment,
)


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def money(value: Any) -> str:
    return f"{value:.2f}"


def shipment(s: Shipment) -> dict[str, Any]:
    return {
        "from": s.from_location.code,
        "status": s.status,
        "carrier": s.carrier,
        "tracking": s.tracking,
        "lines": s.lines,
        "shipped_at": _iso(s.shipped_at),
        "delivered_at": _iso(s.delivered_at),
    }


def order_row(o: Order) -> dict[str, Any]:
    """The 360 view's row: one order with its shipments and returns (plain JSON)."""
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
        "lines": getattr(o, "line_count", None),
        "shipments": [shipment(s) for s in getattr(o, "shipment_rows", [])],
        "returns": [
            {
                "number": r.number,
                "channel": r.channel,
                "location": r.location.code if r.location else None,
                "reason": r.reason,
                "refund": money(r.refund_amount),
                "created_at": _iso(r.created_at),
            }
            for r in getattr(o, "return_rows", [])
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
        "lines": [
            {
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
            }
            for line in o.lines.all()
        ],
        "payments": [
            {
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
            for p in o.payments.all()
        ],
        "shipments": [shipment(s) for s in o.shipments.all()],
        "returns": [
            {
                "number": r.number,
                "channel": r.channel,
                "location": r.location.code if r.location else None,
                "reason": r.reason,
                "refund": money(r.refund_amount),
                "created_at": _iso(r.created_at),
                "lines": [
                    {
                        "order_line": rl.order_line_id,
                        "quantity": rl.quantity,
                        "refund": money(rl.refund),
                    }
                    for rl in r.lines.all()
                ],
            }
            for r in o.returns.all()
        ],
        "adjustments": [
            {"amount": money(a.amount), "reason": a.reason, "channel": a.channel}
            for a in o.adjustments.all()
        ],
    }


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


def payment_method(m: PaymentMethod) -> dict[str, Any]:
    return {
        "id": m.pk,
        "brand": m.brand,
        "last4": m.last4,
        "label": m.label,
        "is_default": m.is_default,
    }


def customer_list(c: CustomerList) -> dict[str, Any]:
    return {
        "id": c.pk,
        "kind": c.kind,
        "name": c.name,
        "channel": c.channel,
        "items": [
            {"sku": i.variant.sku, "quantity": i.quantity, "purchased": i.purchased}
            for i in c.items.all()
        ],
    }
