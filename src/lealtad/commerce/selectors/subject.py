"""What commerce holds about one customer, for the data-subject's access and portability.

Read-only. A portable copy lists every order with its lines, payments, shipments and
returns, the cards on file (brand and last digits: the gateway token is a secret of the
company's, not data about the person) and the carts, lists and registries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from lealtad.commerce.models import CustomerList, Order, PaymentMethod, Return
from lealtad.core.audit import jsonable


def _order(order: Order) -> dict[str, Any]:
    return jsonable(
        {
            "number": order.number,
            "channel": order.channel,
            "status": order.status,
            "fulfilment": order.fulfilment,
            "placed_at": order.placed_at,
            "currency": order.currency,
            "subtotal": order.subtotal,
            "discount": order.discount,
            "tax": order.tax,
            "total": order.total,
            "ship_to": order.ship_to,
            "external_ref": order.external_ref,
            "lines": [
                {
                    "sku": line.sku,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "total": line.total,
                }
                for line in order.lines.all()
            ],
            "payments": [
                {
                    "kind": p.kind,
                    "status": p.status,
                    "amount": p.amount,
                    "method": p.method_label,
                    "at": p.created_at,
                }
                for p in order.payments.all()
            ],
            "shipments": [
                {
                    "status": s.status,
                    "carrier": s.carrier,
                    "tracking": s.tracking,
                    "shipped_at": s.shipped_at,
                    "delivered_at": s.delivered_at,
                    "lines": s.lines,
                }
                for s in order.shipments.all()
            ],
        }
    )


def customer_record(customer_ids: Iterable[int]) -> dict[str, Any]:
    """Every commerce record of these customers (one person and the records merged into it)."""
    ids = sorted(set(customer_ids))
    orders = (
        Order.objects.filter(customer_id__in=ids)
        .prefetch_related("lines", "payments", "shipments")
        .order_by("placed_at", "id")
    )
    returns = Return.objects.filter(customer_id__in=ids).select_related("order").order_by("id")
    lists = CustomerList.objects.filter(customer_id__in=ids).prefetch_related("items__variant")
    return {
        "orders": [_order(o) for o in orders],
        "returns": [
            jsonable(
                {
                    "number": r.number,
                    "order": r.order.number,
                    "channel": r.channel,
                    "reason": r.reason,
                    "at": r.created_at,
                }
            )
            for r in returns
        ],
        "cards_on_file": [
            {"brand": m.brand, "last4": m.last4, "label": m.label, "default": m.is_default}
            for m in PaymentMethod.objects.filter(customer_id__in=ids)
        ],
        "lists": [
            jsonable(
                {
                    "kind": cl.kind,
                    "name": cl.name,
                    "channel": cl.channel,
                    "event_date": cl.event_date,
                    "items": [
                        {"sku": i.variant.sku, "quantity": i.quantity} for i in cl.items.all()
                    ],
                }
            )
            for cl in lists
        ],
    }


def customers_with_orders_since(customer_ids: Iterable[int], since: datetime) -> set[int]:
    """Which of these customers ordered on or after ``since`` (retention keeps them)."""
    wanted = sorted(set(customer_ids))
    found: set[int] = set()
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        rows = Order.objects.filter(customer_id__in=part, placed_at__gte=since)
        found.update(rows.values_list("customer_id", flat=True))
    return found
