"""The demo's purchase history written fast: the catalog through commerce's services, then
each chunk's orders, lines, shipments, payments and returns as raw batch INSERTs.

``lealtad demo`` hands :class:`Purchases` to the customers' demo loader, which calls it with
each chunk's buyers once their customers are written (the two contexts' demos do not import
each other; the CLI joins them). Like the customers' rows, demo orders are not audited row by
row nor announced on the hub: they are history, loaded as a whole (the loader leaves one
audit entry with the counts). They follow commerce's rules all the same: every order was
handed over, shipped or delivered, so no units are reserved; payments are captured (a card
order's authorization settled by its capture), what came back is refunded on the charge it
came from and restocked, and the shelves hold what a count after the history found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from lealtad.commerce import demo_assortment as assortment
from lealtad.commerce.demo_purchases import purchases
from lealtad.commerce.demo_settlement import TABLES, Buyer, Catalog, Ids
from lealtad.commerce.models import (
    Category,
    Location,
    Order,
    OrderLine,
    Payment,
    Return,
    ReturnLine,
    Shipment,
    Stock,
    Variant,
)
from lealtad.commerce.services import catalog as catalog_services
from lealtad.commerce.services import stock_levels
from lealtad.core.audit import Actor
from lealtad.core.bulk_load import load_rows

MODELS = {
    "Order": Order,
    "OrderLine": OrderLine,
    "Shipment": Shipment,
    "Payment": Payment,
    "Return": Return,
    "ReturnLine": ReturnLine,
}
COLUMNS = {
    "Order": "id number customer_id channel status fulfilment ship_address_id ship_to "
    "pickup_location origin_location captured_elsewhere currency tax_country tax_region tax_rate "
    "subtotal discount tax total promotions coupon idempotency_key external_ref placed_at "
    "placed_by updated_at",
    "OrderLine": "id order variant sku description quantity unit_price discount tax total "
    "location shipped returned cancelled",
    "Shipment": "id order from_location status carrier tracking ship_to lines shipped_at "
    "delivered_at idempotency_key",
    "Payment": "id order kind status gateway reference method_label amount refunded original "
    "authorization shipment channel created_at points",
    "Return": "id number order customer_id channel location reason refund_amount "
    "refund_method receipt receipt_to exchange_order idempotency_key created_at created_by",
    "ReturnLine": "id ret order_line quantity refund restocked",
}
LABELS = {"Order": "orders", "OrderLine": "order lines", "Return": "returns"}


class Purchases:
    """The ``shoppers`` hook of the customers' demo loader: writes what each chunk bought."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.catalog: Catalog | None = None
        self.tables = {name: _columns(name) for name in TABLES}

    def __call__(self, buyers: Sequence[Buyer], today: date) -> dict[str, int]:
        if self.catalog is None:
            self.catalog = ensure_catalog()
        ids = Ids({name: _next_id(MODELS[name]) for name in TABLES})
        rows = purchases(self.seed, buyers, self.catalog, ids, today)
        with transaction.atomic():
            for name in TABLES:
                if rows[name]:
                    load_rows(*self.tables[name], rows[name])
            if connection.vendor == "postgresql":
                _reset_sequences()
        return {label: len(rows[name]) for name, label in LABELS.items()}


def _columns(name: str) -> tuple[str, list[str]]:
    meta = MODELS[name]._meta
    return meta.db_table, [_column(meta.get_field(f)) for f in COLUMNS[name].split()]


def _reset_sequences() -> None:
    """Rows were written with their ids: PostgreSQL's sequences go past them."""
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(MODELS.values())):
            cursor.execute(statement)


def _column(field: Any) -> str:
    return str(field.column)


def _next_id(model: Any) -> int:
    last = model.objects.order_by("-id").values_list("id", flat=True).first()
    return (last or 0) + 1


# The catalog -----------------------------------------------------------------------------


def ensure_catalog() -> Catalog:
    """The demo's products, stores and (inactive, historic) promotions, written through the
    catalog services; unit costs from each category's margin; shelves stocked where a SKU has
    no stock row yet. Returns the catalog as plain values for :func:`.purchases`."""
    catalog_services.ensure_tax_rates()
    for code, name, kind, address, city, country in assortment.LOCATIONS:
        catalog_services.upsert_location(
            code, name, kind, address=address, city=city, country=country
        )
    for code, name_es, name_en, category, price, kinds in assortment.PRODUCTS:
        catalog_services.upsert_product(
            code,
            name_es,
            name_en=name_en,
            category=category,
            variants=[
                {"sku": f"{code}-{suffix}" if suffix else code, "price": price, "attributes": a}
                for suffix, a in (kinds or (("", {}),))
            ],
        )
    for code, (name_es, name_en, _) in assortment.CATEGORIES.items():
        Category.objects.filter(code=code, name_es=code).update(name_es=name_es, name_en=name_en)
    _unit_costs()
    for code, name, kind, value in assortment.PROMOTIONS:
        catalog_services.upsert_promotion(
            code,
            name=name,
            kind=kind,
            value=Decimal(value),
            active=False,
            **({"skus": ["FAR-VITC"]} if kind == "bundle" else {}),
        )
    _stock_shelves()
    return _read_catalog()


def _unit_costs() -> None:
    """What a unit costs the company: its price less the category's margin (25-60 %)."""
    for code, _, _, category, price, _ in assortment.PRODUCTS:
        margin = Decimal(str(assortment.CATEGORIES[category][2]))
        cost = (Decimal(price) * (1 - margin)).quantize(Decimal("0.01"))
        Variant.objects.filter(product__code=code, unit_cost__isnull=True).update(unit_cost=cost)


def _stock_shelves() -> None:
    """Units on the shelves after the history, for every demo SKU at every demo location that
    has no stock row yet (a stock count, set through commerce's bulk level service)."""
    skus = [sku for sku, *_ in assortment.variants()]
    codes = [code for code, *_ in assortment.LOCATIONS]
    kinds = {code: kind for code, _, kind, *_ in assortment.LOCATIONS}
    known = set(
        Stock.objects.filter(variant__sku__in=skus, location__code__in=codes).values_list(
            "variant__sku", "location__code"
        )
    )
    now = datetime.now(UTC)
    levels = [
        stock_levels.Level(
            sku,
            code,
            assortment.WAREHOUSE_STOCK if kinds[code] == "warehouse" else assortment.STORE_STOCK,
            now,
        )
        for sku in skus
        for code in codes
        if (sku, code) not in known
    ]
    if levels:
        with transaction.atomic():
            stock_levels.set_levels(
                levels, key="demo:shelves", actor=Actor.system("demo"), channel="demo"
            )


def _read_catalog() -> Catalog:
    skus: dict[str, tuple[int, int, str]] = {}
    product_skus: dict[str, list[str]] = {}
    wanted = assortment.variants()
    ids = dict(Variant.objects.filter(sku__in=[v[0] for v in wanted]).values_list("sku", "id"))
    for sku, product, description, price, _ in wanted:
        skus[sku] = (ids[sku], int(Decimal(price) * 100), description)
        product_skus.setdefault(product, []).append(sku)
    locations = dict(Location.objects.values_list("code", "id"))
    stores: dict[str, list[int]] = {}
    for code, _, kind, _, city, _ in assortment.LOCATIONS:
        if kind == "store":
            stores.setdefault(city, []).append(locations[code])
    stores[""] = stores["Quito"]  # a city with no store buys from Quito's
    return Catalog(
        skus=skus,
        product_skus={p: tuple(s) for p, s in product_skus.items()},
        category={code: category for code, _, _, category, _, _ in assortment.PRODUCTS},
        stores={city: tuple(ids) for city, ids in stores.items()},
        warehouses={c: locations[code] for c, code in assortment.WAREHOUSES.items()},
    )
