"""Commerce as the next-best-offer asks it. Stock: for the handful of SKUs an arbitration
weighs, is any unit not promised to an order here (a store's till or handheld) or anywhere
active (web, agent)? One indexed query, so an offer of a product the store cannot hand over
is never made. Spend: the orders of the month's offered and held-out customers, for the
uplift report.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import connection

from lealtad.commerce.models import Location, Order, Product, Stock, Variant


def sku_stock(skus: Iterable[str], location: str | None = None) -> dict[str, tuple[str, int]]:
    """Each known SKU's product code and its units not promised to an order, at ``location``
    (a location code) or at every active location (0 when none): one statement, written
    out because on the offers request the ORM took longer to build a query than the database
    took to answer it. An unknown SKU is left out."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    variant, product = Variant._meta.db_table, Product._meta.db_table
    stock, place = Stock._meta.db_table, Location._meta.db_table
    here = "AND l.code = %s " if location else ""
    marks = ", ".join(["%s"] * len(wanted))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.sku, p.code, COALESCE(SUM(CASE WHEN l.active AND s.on_hand > s.reserved "
            f"{here}THEN s.on_hand - s.reserved ELSE 0 END), 0) "
            f"FROM {variant} v JOIN {product} p ON p.id = v.product_id "
            f"LEFT JOIN {stock} s ON s.variant_id = v.id "
            f"LEFT JOIN {place} l ON l.id = s.location_id "
            f"WHERE v.sku IN ({marks}) GROUP BY v.sku, p.code",
            [*([location] if location else []), *wanted],
        )
        return {sku: (code, int(units)) for sku, code, units in cursor.fetchall()}


def spend_between(
    customer_ids: Iterable[int], start: datetime, end: datetime, chunk: int = 5000
) -> dict[int, list[tuple[datetime, Decimal]]]:
    """Each customer's orders placed in [start, end) as (when, net amount before tax), the
    cancelled ones left out: what a conversion and its revenue are for an uplift report."""
    ids = sorted(set(customer_ids))
    found: dict[int, list[tuple[datetime, Decimal]]] = {}
    for at in range(0, len(ids), chunk):
        rows = (
            Order.objects.filter(
                customer_id__in=ids[at : at + chunk], placed_at__gte=start, placed_at__lt=end
            )
            .exclude(status=Order.Status.CANCELLED)
            .values_list("customer_id", "placed_at", "subtotal", "discount")
        )
        for customer_id, placed_at, subtotal, discount in rows:
            net = (subtotal or Decimal(0)) - (discount or Decimal(0))
            found.setdefault(customer_id, []).append((placed_at, net))
    return found
