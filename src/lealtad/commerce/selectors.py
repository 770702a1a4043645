"""Read queries of the commerce context: catalog, availability, prices in force, orders."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from lealtad.commerce import pricing
from lealtad.commerce.models import (
    ChannelPrice,
    CustomerList,
    Location,
    Order,
    PaymentMethod,
    Product,
    Promotion,
    Return,
    Shipment,
    Stock,
    TaxRate,
    Variant,
)

# Segment membership belongs to marketing; it registers a provider here when it exists.
SegmentProvider = Callable[[int], Iterable[str]]
_SEGMENT_PROVIDERS: list[SegmentProvider] = []


def segment_provider(fn: SegmentProvider) -> SegmentProvider:
    _SEGMENT_PROVIDERS.append(fn)
    return fn


def customer_segments(customer_id: int | None) -> frozenset[str]:
    if customer_id is None:
        return frozenset()
    found: set[str] = set()
    for provider in _SEGMENT_PROVIDERS:
        found.update(provider(customer_id))
    return frozenset(found)


# Catalog -----------------------------------------------------------------------------------


def unknown_skus(skus: Iterable[str]) -> set[str]:
    wanted = set(skus)
    known = set(Variant.objects.filter(sku__in=wanted, active=True).values_list("sku", flat=True))
    return wanted - known


def location_codes(codes: Iterable[str]) -> set[str]:
    return set(
        Location.objects.filter(code__in=set(codes), active=True).values_list("code", flat=True)
    )


def search_products(query: str, limit: int = 20) -> list[Product]:
    text = query.strip()
    rows = Product.objects.filter(active=True).select_related("category")
    if text:
        rows = rows.filter(
            Q(name_es__icontains=text)
            | Q(name_en__icontains=text)
            | Q(code__iexact=text)
            | Q(variants__sku__iexact=text)
        ).distinct()
    return list(rows.prefetch_related("variants")[:limit])


def product(code: str) -> Product | None:
    return (
        Product.objects.filter(code=code)
        .select_related("category")
        .prefetch_related("variants")
        .first()
    )


def search_variants(skus: list[str]) -> list[Variant]:
    return list(
        Variant.objects.filter(sku__in=skus, active=True).select_related("product__category")
    )


def variant(sku: str) -> Variant | None:
    return Variant.objects.filter(sku=sku).select_related("product").first()


# Availability ------------------------------------------------------------------------------


_LOCATION_TTL = 30.0  # seconds a process trusts its copy of the location list
_location_cache: tuple[float, dict[int, tuple[str, str, str, str] | None]] = (0.0, {})


def forget_locations(**_kw: Any) -> None:
    """Drop this process's copy of the locations (a location was saved or deleted)."""
    global _location_cache
    _location_cache = (0.0, {})


def _location_index(ids: Iterable[int] = ()) -> dict[int, tuple[str, str, str, str] | None]:
    """Locations by id (code, name, kind, city; None when inactive), kept in the process for
    a few seconds: they change rarely, and the availability hot path then reads only stock
    rows. An id not in the copy reloads it (a new location); a save or delete forgets it."""
    global _location_cache
    loaded_at, index = _location_cache
    stale = time.monotonic() - loaded_at > _LOCATION_TTL
    if stale or any(i not in index for i in ids):
        index = {
            pk: (code, name, kind, city) if active else None
            for pk, code, name, kind, city, active in Location.objects.values_list(
                "id", "code", "name", "kind", "city", "active"
            )
        }
        _location_cache = (time.monotonic(), index)
    return index


def availability(sku: str, here: str | None = None) -> dict[str, Any] | None:
    """Where a variant can be had now: every location with units not promised to an order.

    Two indexed queries whatever the number of locations (the variant by SKU, then its stock
    rows by the ``(variant, location)`` index); ``here`` is the asking store, reported even
    when it has none.
    """
    found = (
        Variant.objects.filter(sku=sku)
        .values_list("id", "sku", "attributes", "product__code", "product__name_es")
        .first()
    )
    if found is None:
        return None
    variant_id, sku, attributes, product_code, product_name = found
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT location_id, on_hand - reserved FROM {Stock._meta.db_table} "
            "WHERE variant_id = %s AND on_hand > reserved",
            [variant_id],
        )
        rows = cursor.fetchall()
    index = _location_index(r[0] for r in rows)
    locations: list[dict[str, Any]] = []
    here_available = 0
    for location_id, available in rows:
        place = index.get(location_id)
        if place is None:  # an inactive location
            continue
        code, name, kind, city = place
        if code == here:
            here_available = available
        locations.append(
            {"location": code, "name": name, "kind": kind, "city": city, "available": available}
        )
    locations.sort(key=lambda r: (r["location"] != here, -r["available"], r["location"]))
    return {
        "sku": sku,
        "product": product_code,
        "name": product_name,
        "attributes": attributes,
        "total_available": sum(r["available"] for r in locations),
        "here": {"location": here, "available": here_available} if here else None,
        "locations": locations,
    }


def product_availability(code: str, here: str | None = None) -> list[dict[str, Any]]:
    """Each variant of a product with its units here and everywhere (the "find my size")."""
    totals = {
        row["variant_id"]: row
        for row in Stock.objects.filter(variant__product__code=code)
        .values("variant_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    }
    local: dict[int, int] = {}
    if here:
        local = {
            vid: on_hand - reserved
            for vid, on_hand, reserved in Stock.objects.filter(
                variant__product__code=code, location__code=here
            ).values_list("variant_id", "on_hand", "reserved")
        }
    out = []
    for v in Variant.objects.filter(product__code=code, active=True).order_by("id"):
        total = totals.get(v.pk)
        out.append(
            {
                "sku": v.sku,
                "label": v.label(),
                "attributes": v.attributes,
                "price": v.price,
                "here": local.get(v.pk, 0),
                "everywhere": (total["on_hand"] - total["reserved"]) if total else 0,
            }
        )
    return out


def stock_level(sku: str, location: str) -> tuple[int, int]:
    """(on_hand, reserved) of a variant at a location; (0, 0) where none was ever kept."""
    row = (
        Stock.objects.filter(variant__sku=sku, location__code=location)
        .values_list("on_hand", "reserved")
        .first()
    )
    return row or (0, 0)


def locations(kind: str | None = None) -> QuerySet[Location]:
    rows = Location.objects.filter(active=True)
    return rows.filter(kind=kind) if kind else rows


# Prices, promotions, taxes -----------------------------------------------------------------


def unit_prices(variants: Iterable[Variant], channel: str, at: datetime) -> dict[int, Decimal]:
    """The price of each variant on ``channel`` at ``at``: its own price unless a channel
    price rule in force says otherwise (the latest-starting rule wins)."""
    prices = {v.pk: v.price for v in variants}
    rules = (
        ChannelPrice.objects.filter(variant_id__in=list(prices), channel=channel)
        .filter(Q(starts_at=None) | Q(starts_at__lte=at))
        .filter(Q(ends_at=None) | Q(ends_at__gt=at))
        .order_by("variant_id", "starts_at", "id")
    )
    for rule in rules:
        prices[rule.variant_id] = rule.price
    return prices


def promotions(at: datetime) -> list[pricing.Promotion]:
    rows = (
        Promotion.objects.filter(active=True)
        .filter(Q(starts_at=None) | Q(starts_at__lte=at))
        .filter(Q(ends_at=None) | Q(ends_at__gt=at))
    )
    return [
        pricing.Promotion(
            code=p.code,
            kind=p.kind,
            value=p.value,
            priority=p.priority,
            coupon=p.coupon,
            channels=frozenset(p.channels),
            segments=frozenset(p.segments),
            skus=frozenset(p.skus),
            products=frozenset(p.products),
            categories=frozenset(p.categories),
            starts_at=p.starts_at,
            ends_at=p.ends_at,
        )
        for p in rows
    ]


def tax_rate(country: str, region: str = "") -> tuple[Decimal, str]:
    """The region's rate where one is set, else the country's; no row means no tax."""
    rows = {
        r.region.casefold(): r
        for r in TaxRate.objects.filter(country=country.upper(), region__in=["", region])
    }
    found = rows.get(region.casefold()) if region else None
    found = found or rows.get("")
    return (found.rate, found.name) if found else (Decimal("0"), "")


# Customers' commerce records ---------------------------------------------------------------


def payment_methods(customer_id: int) -> list[PaymentMethod]:
    return list(PaymentMethod.objects.filter(customer_id=customer_id))


def customer_lists(customer_id: int) -> list[CustomerList]:
    return list(
        CustomerList.objects.filter(customer_id=customer_id).prefetch_related("items__variant")
    )


def find_order(ref: str) -> Order | None:
    return Order.objects.filter(Q(number=ref) | Q(external_ref=ref)).order_by("id").first()


def order_detail(number: str) -> Order | None:
    return (
        Order.objects.filter(number=number)
        .prefetch_related("lines__location", "payments", "shipments", "returns__lines")
        .select_related("pickup_location", "origin_location")
        .first()
    )


def customer_orders(customer_id: int, limit: int = 50) -> list[Order]:
    """Newest first, with line counts, shipments and returns: three queries at most."""
    orders: list[Order] = list(
        Order.objects.filter(customer_id=customer_id)
        .select_related("pickup_location")
        .annotate(line_count=Count("lines"))
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
    for o in orders:
        o.shipment_rows = shipments.get(o.pk, [])  # type: ignore[attr-defined]
        o.return_rows = returns.get(o.pk, [])  # type: ignore[attr-defined]
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
