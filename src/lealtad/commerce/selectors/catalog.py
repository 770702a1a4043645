"""Catalog reads: products and variants, the sale items an order prices, and the customer
segments promotions may be limited to."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q

from lealtad.commerce.models import (
    Location,
    Product,
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


@dataclass(frozen=True)
class SaleItem:
    """A variant as an order needs it (price, product, category, label), read with its product
    and category in one query: placing an order reads no catalog model objects."""

    id: int
    sku: str
    price: Decimal
    currency: str
    product: str  # the product's code
    name: str  # the product's Spanish name
    category: str  # the category's code, "" when none
    attributes: dict[str, Any]

    def label(self) -> str:
        return " / ".join(str(v) for v in self.attributes.values())

    def description(self) -> str:
        return f"{self.name} {self.label()}".strip()[:250]


def _decimal(value: Any) -> Decimal:
    """A money column read by raw SQL: SQLite hands back a float, PostgreSQL a Decimal."""
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(Decimal("0.01"))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _placeholders(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def sale_items(skus: Iterable[str]) -> dict[str, SaleItem]:
    """The active variants among ``skus``, by SKU (unknown or inactive ones are left out)."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    v, p, c = Variant._meta.db_table, Product._meta.db_table, "commerce_category"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.id, v.sku, v.price, v.currency, p.code, p.name_es, c.code, v.attributes "
            f"FROM {v} v JOIN {p} p ON p.id = v.product_id "
            f"LEFT JOIN {c} c ON c.id = p.category_id "
            f"WHERE v.active AND v.sku IN ({_placeholders(wanted)})",
            wanted,
        )
        rows = cursor.fetchall()
    return {
        sku: SaleItem(
            vid, sku, _decimal(price), currency, code, name, category or "", _json(attrs) or {}
        )
        for vid, sku, price, currency, code, name, category, attrs in rows
    }
