"""Catalog, locations, taxes and cards on file.

Back-office staff edit the catalog and promotions in the admin (``commerce/admin.py``), which
audits every change; these functions are the programmatic way in (demo data, imports, tests).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from lealtad.commerce import gateway as gateways
from lealtad.commerce.models import (
    Category,
    Location,
    PaymentMethod,
    Product,
    Promotion,
    TaxRate,
    Variant,
)
from lealtad.commerce.schemas import CardIn
from lealtad.commerce.services import stock
from lealtad.commerce.services.common import Invalid, SaleContext, live_customer

CURRENCIES = {"EC": "USD", "PE": "PEN", "MX": "MXN", "CO": "COP"}
# The rates LOCALE.md names: Ecuador IVA 15% (since April 2024), Peru IGV 18%, Mexico IVA 16%
# and 8% in the northern border region, Colombia IVA 19%.
DEFAULT_TAX_RATES = (
    ("EC", "", "IVA", Decimal("0.15")),
    ("PE", "", "IGV", Decimal("0.18")),
    ("MX", "", "IVA", Decimal("0.16")),
    ("MX", "frontera norte", "IVA", Decimal("0.08")),
    ("CO", "", "IVA", Decimal("0.19")),
)


def ensure_tax_rates() -> None:
    for country, region, name, rate in DEFAULT_TAX_RATES:
        TaxRate.objects.get_or_create(
            country=country, region=region, defaults={"name": name, "rate": rate}
        )


@transaction.atomic
def upsert_product(
    code: str,
    name_es: str,
    *,
    name_en: str = "",
    description_es: str = "",
    description_en: str = "",
    category: str | None = None,
    image_url: str = "",
    variants: list[dict[str, Any]] | None = None,
    currency: str = "USD",
) -> Product:
    """A product and its variants: ``[{"sku", "price", "attributes"}]``."""
    cat = None
    if category:
        cat, _ = Category.objects.get_or_create(code=category, defaults={"name_es": category})
    product, _ = Product.objects.update_or_create(
        code=code,
        defaults={
            "name_es": name_es,
            "name_en": name_en,
            "description_es": description_es,
            "description_en": description_en,
            "category": cat,
            "image_url": image_url,
        },
    )
    for v in variants or []:
        Variant.objects.update_or_create(
            sku=v["sku"],
            defaults={
                "product": product,
                "price": Decimal(str(v["price"])),
                "attributes": v.get("attributes", {}),
                "currency": currency,
            },
        )
    return product


def upsert_location(code: str, name: str, kind: str, **fields: Any) -> Location:
    location, _ = Location.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind, **fields}
    )
    return location


@transaction.atomic
def receive_stock(sku: str, location_code: str, on_hand: int) -> None:
    variant = Variant.objects.get(sku=sku)
    stock.set_on_hand(variant.pk, Location.objects.get(code=location_code), on_hand)


def upsert_promotion(code: str, **fields: Any) -> Promotion:
    promo, _ = Promotion.objects.update_or_create(code=code, defaults=fields)
    return promo


def add_card(customer_id: int, data: CardIn, ctx: SaleContext) -> PaymentMethod:
    """Keep a card on file as the gateway's token (the number itself is never stored).

    The gateway tokenizes the number before the transaction opens: no round trip to it
    while rows are locked."""
    customer = live_customer(customer_id)
    gw = gateways.gateway()
    try:
        card = gw.tokenize(data.card_number)
    except gateways.PaymentDeclined as exc:
        raise Invalid(str(exc)) from exc
    with transaction.atomic():
        return _keep_card(customer.pk, card, gw.name, data, ctx)


def _keep_card(
    customer_id: int, card: gateways.CardToken, gateway: str, data: CardIn, ctx: SaleContext
) -> PaymentMethod:
    found = PaymentMethod.objects.filter(customer_id=customer_id, token=card.token).first()
    if found is not None:
        return found
    if data.make_default:
        PaymentMethod.objects.filter(customer_id=customer_id).update(is_default=False)
    method = PaymentMethod.objects.create(
        customer_id=customer_id,
        gateway=gateway,
        token=card.token,
        brand=card.brand,
        last4=card.last4,
        label=data.label,
        is_default=data.make_default
        or not PaymentMethod.objects.filter(customer_id=customer_id).exists(),
    )
    ctx.audit(
        "add_payment_method",
        "payment_method",
        method.pk,
        {"card": [None, f"{card.brand} ···{card.last4}"]},
        customer_id,
    )
    ctx.announce(
        "payment_method.added",
        f"PM-{method.pk}",
        customer_id,
        {"brand": card.brand, "last4": card.last4},
    )
    return method
