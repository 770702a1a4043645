"""What sales commissions read of orders: each sold line with its net amount, cost, the
share of the order paid so far, what came back, who sold it and whether the order was the
customer's first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Min, Q, Sum

from lealtad.commerce.models import Order, OrderLine, Payment

ZERO = Decimal(0)


@dataclass(frozen=True)
class SoldLine:
    """``net`` is the line's amount without tax; ``cost`` None when the variant's unit cost
    is unknown; ``paid`` the line's share of the money captured on its order (points apart)."""

    line_id: int
    order_number: str
    customer_id: int
    placed_at: datetime
    placed_by: str
    first_order: bool
    sku: str
    product_line: str
    quantity: int
    net: Decimal
    cost: Decimal | None
    paid: Decimal
    returned: int


def sold_lines(order_numbers: Iterable[str]) -> list[SoldLine]:
    """The lines of the orders named (unknown numbers are skipped), cancelled units apart."""
    orders = list(
        Order.objects.filter(number__in=set(order_numbers)).exclude(status=Order.Status.CANCELLED)
    )
    if not orders:
        return []
    taken = _money_taken([o.pk for o in orders])
    firsts = _first_orders({o.customer_id for o in orders})
    lines = (
        OrderLine.objects.filter(order__in=orders)
        .select_related("variant__product__category")
        .order_by("order_id", "id")
    )
    by_id = {o.pk: o for o in orders}
    found = []
    for line in lines:
        order = by_id[line.order_id]
        share = min(taken.get(order.pk, ZERO) / order.total, Decimal(1)) if order.total else ZERO
        found.append(_sold(line, order, share, firsts.get(order.customer_id) == order.pk))
    return found


def _sold(line: OrderLine, order: Order, share: Decimal, first: bool) -> SoldLine:
    quantity = line.quantity - line.cancelled
    net = (line.total - line.tax) * quantity / line.quantity if line.quantity else ZERO
    unit_cost = line.variant.unit_cost
    category = line.variant.product.category
    return SoldLine(
        line.pk,
        order.number,
        order.customer_id,
        order.placed_at,
        order.placed_by,
        first,
        line.sku,
        category.code if category else "",
        quantity,
        net,
        unit_cost * quantity if unit_cost is not None else None,
        net * share,
        line.returned,
    )


def _money_taken(order_ids: list[int]) -> dict[int, Decimal]:
    """Captured charges (a charge later refunded was taken all the same), points apart."""
    rows = (
        Payment.objects.filter(
            order_id__in=order_ids,
            kind=Payment.Kind.CHARGE,
            status__in=[Payment.Status.CAPTURED, Payment.Status.REFUNDED],
        )
        .exclude(gateway=Payment.POINTS_GATEWAY)
        .values("order_id")
        .annotate(total=Sum("amount"))
    )
    return {row["order_id"]: row["total"] or ZERO for row in rows}


def _first_orders(customer_ids: set[int]) -> dict[int, int]:
    """Each customer's first order (by placing time, then number)."""
    first_at = dict(
        Order.objects.filter(customer_id__in=customer_ids)
        .values("customer_id")
        .annotate(at=Min("placed_at"))
        .values_list("customer_id", "at")
    )
    found: dict[int, int] = {}
    condition = Q()
    for customer, at in first_at.items():
        condition |= Q(customer_id=customer, placed_at=at)
    for customer, pk in (
        Order.objects.filter(condition).order_by("placed_at", "id").values_list("customer_id", "id")
    ):
        found.setdefault(customer, pk)
    return found
