"""Erasing a person from commerce, keeping what the books need.

Orders stay with their lines, amounts, taxes, currency, dates, channel and locations: sales
figures and the accounting trail do not shrink when a customer leaves. What identified the
person goes: the delivery address on each order and shipment (only the country and region the
tax was charged for stay), carrier tracking numbers (a carrier answers with the name and
address), cards on file (the gateway token could still charge them), carts, shopping lists and
gift registries, and any free text that names them. The legal invoice is the billing system's
(an SRI electronic invoice in Ecuador, kept there for the legal term with the buyer's id); the
order keeps its ``external_ref`` so it can be found.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from lealtad.commerce.models import (
    CustomerList,
    Exchange,
    Order,
    PaymentMethod,
    PriceAdjustment,
    Return,
    Shipment,
)
from lealtad.core.redaction import Redactor

TAX_KEYS = ("country", "region")  # what a delivery address keeps: where the tax applied


def _tax_place(ship_to: dict) -> dict:
    return {k: ship_to[k] for k in TAX_KEYS if ship_to.get(k)}


@transaction.atomic
def anonymize_customer_records(customer_ids: Iterable[int], redactor: Redactor) -> dict[str, int]:
    """Erase the person's data from orders, shipments, returns, cards on file and lists."""
    ids = sorted(set(customer_ids))
    orders = list(Order.objects.filter(customer_id__in=ids).only("id", "ship_to"))
    for order in orders:
        order.ship_to = _tax_place(order.ship_to or {})
        order.ship_address_id = None
    Order.objects.bulk_update(orders, ["ship_to", "ship_address_id"], batch_size=500)
    shipments = list(Shipment.objects.filter(order__customer_id__in=ids))
    for shipment in shipments:
        shipment.ship_to = _tax_place(shipment.ship_to or {})
        shipment.tracking = ""
    Shipment.objects.bulk_update(shipments, ["ship_to", "tracking"], batch_size=500)
    texts = 0
    for model in (Return, Exchange):
        for row in model._default_manager.filter(customer_id__in=ids):
            texts += _scrub(row, ("reason",), redactor)
    for adjustment in PriceAdjustment.objects.filter(order__customer_id__in=ids):
        texts += _scrub(adjustment, ("reason",), redactor)
    return {
        "orders": len(orders),
        "shipments": len(shipments),
        "texts": texts,
        "payment_methods": PaymentMethod.objects.filter(customer_id__in=ids).delete()[0],
        "lists": CustomerList.objects.filter(customer_id__in=ids).delete()[0],
    }


def _scrub(row: object, fields: tuple[str, ...], redactor: Redactor) -> int:
    changed = [f for f in fields if redactor.matches(getattr(row, f))]
    for name in changed:
        setattr(row, name, redactor.text(getattr(row, name)))
    if changed:
        row.save(update_fields=changed)  # type: ignore[attr-defined]
    return len(changed)
