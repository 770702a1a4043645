"""Customers' commerce records: orders (with everything the order page shows), cards on
file, lists, and the sales captured at another location."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, Sum

from lealtad.commerce.models import (
    CustomerList,
    Exchange,
    Order,
    Payment,
    PaymentMethod,
    Return,
    Shipment,
)

# Customers' commerce records ---------------------------------------------------------------


def payment_methods(customer_id: int) -> list[PaymentMethod]:
    return list(PaymentMethod.objects.filter(customer_id=customer_id))


def customer_lists(customer_id: int) -> list[CustomerList]:
    return list(
        CustomerList.objects.filter(customer_id=customer_id).prefetch_related("items__variant")
    )


def last_purchases(customer_ids: list[int]) -> dict[int, Order]:
    """Each customer's latest order that was not cancelled (with its store), so a clerk can
    tell apart customers who match the same text: two queries on the customer's order index."""
    live = Order.objects.filter(customer_id__in=customer_ids).exclude(status=Order.Status.CANCELLED)
    latest = live.values("customer_id").annotate(at=Max("placed_at")).order_by()
    wanted = Q(pk__in=[])
    for row in latest:
        wanted |= Q(customer_id=row["customer_id"], placed_at=row["at"])
    found: dict[int, Order] = {}
    for order in live.filter(wanted).select_related("origin_location").order_by("-id"):
        found.setdefault(order.customer_id, order)
    return found


def find_order(ref: str) -> Order | None:
    return Order.objects.filter(Q(number=ref) | Q(external_ref=ref)).order_by("id").first()


def order_detail(number: str) -> Order | None:
    return (
        Order.objects.filter(number=number)
        .prefetch_related(
            "lines__location",
            "payments",
            "shipments",
            Prefetch("returns", Return.objects.select_related("location", "exchange_order")),
            "returns__lines",
            Prefetch(
                "exchanges",
                Exchange.objects.select_related("original_order", "replacement", "ret", "location"),
            ),
        )
        .select_related(
            "pickup_location",
            "origin_location",
            "exchange_of__original_order",
            "exchange_of__ret",
        )
        .first()
    )


def customer_orders(customer_id: int, limit: int = 50) -> list[Order]:
    """Newest first, with line counts, shipments, returns and payments: four queries at most."""
    orders: list[Order] = list(
        Order.objects.filter(customer_id=customer_id)
        .select_related("pickup_location", "origin_location")
        .annotate(line_count=Count("lines"), cancelled_units=Sum("lines__cancelled"))
        .order_by("-placed_at", "-id")[:limit]
    )
    if not orders:
        return orders
    ids = [o.pk for o in orders]
    shipments: dict[int, list[Shipment]] = {}
    for s in Shipment.objects.filter(order_id__in=ids).select_related("from_location"):
        shipments.setdefault(s.order_id, []).append(s)
    returns: dict[int, list[Return]] = {}
    for r in Return.objects.filter(order_id__in=ids).select_related("location"):
        returns.setdefault(r.order_id, []).append(r)
    payments: dict[int, list[Payment]] = {}
    for p in Payment.objects.filter(order_id__in=ids):
        payments.setdefault(p.order_id, []).append(p)
    for o in orders:
        o.shipment_rows = shipments.get(o.pk, [])  # type: ignore[attr-defined]
        o.return_rows = returns.get(o.pk, [])  # type: ignore[attr-defined]
        o.payment_rows = payments.get(o.pk, [])  # type: ignore[attr-defined]
    return orders


def captured_sales() -> dict[str, Any]:
    """Sales a store would have lost for lack of stock, made through another location."""
    found = Order.objects.filter(captured_elsewhere=True).exclude(status="cancelled")
    totals = found.aggregate(orders=Count("id"), value=Sum("total"))
    by_store = (
        found.values("origin_location__code")
        .annotate(orders=Count("id"), value=Sum("total"))
        .order_by("origin_location__code")
    )
    return {
        "orders": totals["orders"] or 0,
        "value": totals["value"] or Decimal("0.00"),
        "by_store": [
            {"location": r["origin_location__code"], "orders": r["orders"], "value": r["value"]}
            for r in by_store
        ],
    }
