"""Orders placed since a date with their lines' net amounts, for a context that must learn of
orders placed before it existed (loyalty's demo program earning on the demo's history):
those orders were loaded in bulk, with no ``order.placed`` on the hub to replay."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from lealtad.commerce.models import Order, OrderLine

CHUNK = 2000


@dataclass(frozen=True)
class PlacedOrder:
    number: str
    customer_id: int
    channel: str
    placed_at: datetime
    lines: tuple[tuple[str, int, Decimal], ...]  # sku, quantity kept, net amount before tax


def orders_placed_since(since: datetime, chunk: int = CHUNK) -> Iterator[PlacedOrder]:
    """Every order not cancelled placed at or after ``since``, oldest id first, two queries
    a chunk; a line's cancelled units are not counted (they were never bought)."""
    after = 0
    while True:
        orders = list(
            Order.objects.filter(pk__gt=after, placed_at__gte=since)
            .exclude(status=Order.Status.CANCELLED)
            .order_by("pk")
            .values_list("pk", "number", "customer_id", "channel", "placed_at")[:chunk]
        )
        if not orders:
            return
        lines: dict[int, list[tuple[str, int, Decimal]]] = {}
        found = OrderLine.objects.filter(order_id__in=[o[0] for o in orders]).values_list(
            "order_id", "sku", "quantity", "cancelled", "unit_price", "discount"
        )
        for order_id, sku, quantity, cancelled, price, discount in found:
            kept = quantity - cancelled
            if kept > 0:
                share = discount * kept / quantity
                lines.setdefault(order_id, []).append((sku, kept, price * kept - share))
        for pk, number, customer_id, channel, placed_at in orders:
            if pk in lines:
                yield PlacedOrder(number, customer_id, channel, placed_at, tuple(lines[pk]))
        after = orders[-1][0]
