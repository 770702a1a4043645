"""Read queries of the commerce context: catalog, availability, prices in force, orders."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.signals import post_delete, post_migrate, post_save

from lealtad.commerce import pricing
from lealtad.commerce.models import (
    ChannelPrice,
    CustomerList,
    Exchange,
    Location,
    Order,
    Payment,
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


# Availability ------------------------------------------------------------------------------


_LOCATION_TTL = 30.0  # seconds a process trusts its copy of the location list
_location_cache: tuple[float, dict[int, Location]] = (0.0, {})


def forget_locations(**_kw: Any) -> None:
    """Drop this process's copy of the locations (a location was saved or deleted)."""
    global _location_cache
    _location_cache = (0.0, {})


def location_rows(ids: Iterable[int] = ()) -> dict[int, Location]:
    """Every location by id (inactive ones included), kept in the process for a few seconds:
    they change rarely, and the availability and order hot paths then read only stock rows.
    An id not in the copy reloads it (a new location); a save or delete forgets it. The
    objects are shared: read them, never save them."""
    global _location_cache
    loaded_at, rows = _location_cache
    stale = time.monotonic() - loaded_at > _LOCATION_TTL
    if stale or not rows.keys() >= set(ids):
        rows = {loc.pk: loc for loc in Location.objects.order_by()}
        _location_cache = (time.monotonic(), rows)
    return rows


def active_locations(codes: Iterable[str]) -> dict[str, Location]:
    """The active locations among ``codes`` (from the process's copy), by code."""
    wanted = set(codes)
    if not wanted:
        return {}
    found = {loc.code: loc for loc in location_rows().values() if loc.code in wanted}
    if len(found) < len(wanted):  # perhaps a location made since the copy was taken
        forget_locations()
        found = {loc.code: loc for loc in location_rows().values() if loc.code in wanted}
    return {code: loc for code, loc in found.items() if loc.active}


def _stock_everywhere(sku: str) -> tuple[tuple[Any, ...], list[tuple[int, int]]] | None:
    """The variant (sku, attributes, product code, product name) and its units not promised
    to an order at each active location that has some, most first, then by location code.

    Two indexed queries whatever the number of locations, sorted by the database; written out
    because the ORM took longer to build them than the database to answer (a few hundred
    rows). One query (a left join) cost more on SQLite, and sorting here more on both."""
    variant, product = Variant._meta.db_table, Product._meta.db_table
    stock, location = Stock._meta.db_table, Location._meta.db_table
    # Location codes in code-point order on both databases (PostgreSQL's default collation
    # may follow the locale's rules).
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.id, v.sku, v.attributes, p.code, p.name_es "
            f"FROM {variant} v JOIN {product} p ON p.id = v.product_id WHERE v.sku = %s",
            [sku],
        )
        head = cursor.fetchone()
        if head is None:
            return None
        cursor.execute(
            f"SELECT s.location_id, s.on_hand - s.reserved FROM {stock} s "
            f"JOIN {location} l ON l.id = s.location_id "
            f"WHERE s.variant_id = %s AND s.on_hand > s.reserved AND l.active "
            f"ORDER BY 2 DESC, l.code{collate}",
            [head[0]],
        )
        rows = cursor.fetchall()
    _variant_id, sku, attributes, product_code, product_name = head
    return (sku, _json(attributes) or {}, product_code, product_name), rows


def _here_first(
    rows: list[tuple[int, int]], here_id: int | None
) -> tuple[list[tuple[int, int]], int]:
    """The asking store's row moved to the front, and its units (0 when it has none)."""
    if here_id is not None:
        for n, (location_id, available) in enumerate(rows):
            if location_id == here_id:
                return [rows[n], *rows[:n], *rows[n + 1 :]], available
    return rows, 0


def _location_id(code: str | None) -> int | None:
    if not code:
        return None
    return next((pk for pk, loc in location_rows().items() if loc.code == code), None)


def availability(sku: str, here: str | None = None) -> dict[str, Any] | None:
    """Where a variant can be had now: every location with units not promised to an order.

    ``here`` is the asking store: it comes first, and is reported even when it has none.
    """
    found = _stock_everywhere(sku)
    if found is None:
        return None
    (sku, attributes, product_code, product_name), rows = found
    places = location_rows(r[0] for r in rows)
    rows, here_available = _here_first(rows, _location_id(here))
    return {
        "sku": sku,
        "product": product_code,
        "name": product_name,
        "attributes": attributes,
        "total_available": sum(r[1] for r in rows),
        "here": {"location": here, "available": here_available} if here else None,
        "locations": [
            {
                "location": places[location_id].code,
                "name": places[location_id].name,
                "kind": places[location_id].kind,
                "city": places[location_id].city,
                "available": available,
            }
            for location_id, available in rows
        ],
    }


_fragments: tuple[dict[int, Location] | None, dict[int, str], dict[str, int]] = (None, {}, {})


def availability_json(sku: str, here: str | None = None) -> bytes | None:
    """:func:`availability` as the API's JSON, built from each location's JSON kept ready.

    The store clerk's lookup answers a few hundred locations (44 KB at 500 locations):
    building a dict per location and having them validated and encoded took most of the
    request's time. Each location's text up to its units is encoded once, when the
    process's copy of the locations is loaded; an answer joins those with the numbers.
    """
    found = _stock_everywhere(sku)
    if found is None:
        return None
    (sku, attributes, product_code, product_name), rows = found
    fragments, codes = _location_fragments([r[0] for r in rows])
    rows, here_available = _here_first(rows, codes.get(here) if here else None)
    head = json.dumps(
        {
            "sku": sku,
            "product": product_code,
            "name": product_name,
            "attributes": attributes,
            "total_available": sum(map(itemgetter(1), rows)),
            "here": {"location": here, "available": here_available} if here else None,
        }
    )
    body = ", ".join([f"{fragments[lid]}{available}}}" for lid, available in rows])
    return f'{head[:-1]}, "locations": [{body}]}}'.encode()


def _location_fragments(ids: list[int]) -> tuple[dict[int, str], dict[str, int]]:
    """Each location's JSON up to its units (``{"location": "…", …, "available": ``) by id,
    and the ids by code, made again whenever the process's copy of the locations is."""
    global _fragments
    places = location_rows(ids)
    made_for, fragments, codes = _fragments
    if made_for is not places:
        fragments = {
            pk: json.dumps(
                {"location": loc.code, "name": loc.name, "kind": loc.kind, "city": loc.city}
            )[:-1]
            + ', "available": '
            for pk, loc in places.items()
        }
        codes = {loc.code: pk for pk, loc in places.items()}
        _fragments = (places, fragments, codes)
    return fragments, codes


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
    price rule in force says otherwise (see :func:`channel_prices`)."""
    prices = {v.pk: v.price for v in variants}
    prices.update(channel_prices(list(prices), channel, at))
    return prices


def channel_prices(variant_ids: list[int], channel: str, at: datetime) -> dict[int, Decimal]:
    """The channel price rules in force at ``at`` for these variants: where several are, the
    latest-starting one wins (a rule with no start counts as the earliest), on SQLite and
    PostgreSQL alike. One indexed query."""
    if not variant_ids:
        return {}
    when = connection.ops.adapt_datetimefield_value(at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT variant_id, price FROM {ChannelPrice._meta.db_table} "
            f"WHERE channel = %s AND variant_id IN ({_placeholders(variant_ids)}) "
            "AND (starts_at IS NULL OR starts_at <= %s) AND (ends_at IS NULL OR ends_at > %s) "
            "ORDER BY variant_id, starts_at IS NOT NULL, starts_at, id",
            [channel, *variant_ids, when, when],
        )
        return {vid: _decimal(price) for vid, price in cursor.fetchall()}


# Promotions and tax rates are few and change rarely, while every order and quote reads them:
# each process keeps a copy for at most RULES_TTL seconds. A save or delete in this process
# forgets it at once (and again at commit); other processes see the change within RULES_TTL.
# Inside a transaction they are read afresh and not kept (the rows may not be committed).
RULES_TTL = 5.0
_rules: dict[str, tuple[float, Any]] = {}


def forget_pricing_rules(**_kw: Any) -> None:
    _rules.clear()
    if connection.in_atomic_block:
        transaction.on_commit(_rules.clear)


def _kept(name: str, load: Callable[[], Any]) -> Any:
    if connection.in_atomic_block:
        return load()
    now = time.monotonic()
    found = _rules.get(name)
    if found is None or now - found[0] > RULES_TTL:
        found = (now, load())
        _rules[name] = found
    return found[1]


def _active_promotions() -> tuple[pricing.Promotion, ...]:
    return tuple(
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
        for p in Promotion.objects.filter(active=True)
    )


def promotions(at: datetime) -> list[pricing.Promotion]:
    """The active promotions whose dates include ``at``."""
    return [
        p
        for p in _kept("promotions", _active_promotions)
        if (p.starts_at is None or p.starts_at <= at) and (p.ends_at is None or p.ends_at > at)
    ]


def _tax_rates() -> dict[tuple[str, str], tuple[Decimal, str]]:
    return {
        (r.country.upper(), r.region.casefold()): (r.rate, r.name) for r in TaxRate.objects.all()
    }


def tax_rate(country: str, region: str = "") -> tuple[Decimal, str]:
    """The region's rate where one is set, else the country's; no row means no tax."""
    rates = _kept("tax_rates", _tax_rates)
    country = country.upper()
    found = rates.get((country, region.casefold())) if region else None
    return found or rates.get((country, ""), (Decimal("0"), ""))


for _model in (Promotion, TaxRate):
    post_save.connect(forget_pricing_rules, sender=_model, dispatch_uid=f"rules-{_model}")
    post_delete.connect(forget_pricing_rules, sender=_model, dispatch_uid=f"rules-{_model}-")
# A test database flushed between tests (no delete signals) forgets them too.
post_migrate.connect(forget_pricing_rules, dispatch_uid="rules-flush")
post_migrate.connect(forget_locations, dispatch_uid="locations-flush")


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
