"""An order request read and checked into a plan before any transaction opens: the live
customer, the catalog's sale items, locations, the ship-to address, the card, and the quote
(prices in force, promotions, tax). Everything here only reads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection

from lealtad.commerce import gateway as gateways
from lealtad.commerce import pricing, selectors
from lealtad.commerce.models import (
    Location,
    Order,
    Payment,
    PaymentMethod,
)
from lealtad.commerce.schemas import LineIn, OrderIn
from lealtad.commerce.services import points_tender
from lealtad.commerce.services.common import (
    Conflict,
    Invalid,
    NotFound,
    PaymentFailed,
    customer_reference,
)
from lealtad.customers.selectors import references as customer_references
from lealtad.customers.selectors.references import Customer


@dataclass
class _Plan:
    """A validated request, ready to be placed (everything it needs, read once)."""

    customer: Customer
    channel: str
    fulfilment: str
    lines: list[tuple[selectors.SaleItem, int, Location | None]]
    currency: str
    tax_country: str
    tax_region: str
    ship_to: dict[str, Any] = field(default_factory=dict)
    ship_address_id: int | None = None
    pickup: Location | None = None
    origin: Location | None = None
    coupon: str = ""
    idempotency_key: str | None = None
    token: str = ""
    method_label: str = ""
    external_ref: str = ""
    external_payment: str = ""  # an external channel's own payment reference
    in_store: str = ""  # paid in the store: "cash" (taken now) or "till" (reported later)
    expected_total: Decimal | None = None  # what the customer agreed to pay, if they were asked
    points: int = 0  # loyalty points paying part of the order (services/points_tender.py)
    points_value: Decimal = Decimal("0.00")
    # Who pays, when the caller settles the money itself (an exchange pays with the returned
    # goods' value and charges only the difference): called in the order's transaction.
    settle: Callable[[Order, datetime], Payment] | None = None
    # Terms a seller agreed (a sales quote's discounts), applied after the promotions in force.
    agreed: tuple[pricing.Promotion, ...] = ()


def _merged(lines: list[LineIn]) -> dict[tuple[str, str | None], int]:
    merged: dict[tuple[str, str | None], int] = defaultdict(int)
    for line in lines:
        merged[(line.sku, line.location)] += line.quantity
    return merged


def _locations(codes: set[str]) -> dict[str, Location]:
    found = selectors.active_locations(codes)
    missing = codes - set(found)
    if missing:
        raise NotFound(f"unknown location {', '.join(sorted(missing))}")
    return found


def _variants(skus: set[str]) -> dict[str, selectors.SaleItem]:
    found = selectors.sale_items(skus)
    missing = skus - set(found)
    if missing:
        raise NotFound(f"lines.sku: unknown SKU {', '.join(sorted(missing))}")
    currencies = {v.currency for v in found.values()}
    if len(currencies) > 1:
        raise Conflict("lines: one order is paid in one currency")
    return found


def _plan(data: OrderIn) -> _Plan:
    customer = customer_reference(data.customer_id)
    merged = _merged(data.lines)
    variants = _variants({sku for sku, _ in merged})
    codes = {loc for _, loc in merged if loc} | {
        c for c in (data.pickup_location, data.origin_location) if c
    }
    locations = _locations(codes)
    plan = _Plan(
        customer=customer,
        channel=data.channel,
        fulfilment=data.fulfilment,
        lines=[
            (variants[sku], qty, locations[loc] if loc else None)
            for (sku, loc), qty in merged.items()
        ],
        currency=next(iter(variants.values())).currency,
        tax_country="",
        tax_region="",
        pickup=locations.get(data.pickup_location or ""),
        origin=locations.get(data.origin_location or ""),
        coupon=data.coupon,
        idempotency_key=data.idempotency_key,
        in_store=data.payment.in_store or "",
        expected_total=data.expected_total,
    )
    if data.fulfilment == "ship":
        address = _address(customer, data.ship_address_id, data.ship_address_kind)
        plan.ship_address_id = address.pop("id")
        plan.ship_to = address
        plan.tax_country, plan.tax_region = address["country"], address["region"]
    else:
        assert plan.pickup is not None
        plan.tax_country, plan.tax_region = plan.pickup.country, plan.pickup.tax_region
        if data.fulfilment == "take_now" and plan.origin is None:
            plan.origin = plan.pickup
    plan.token, plan.method_label = _payment_source(customer, data)
    if data.payment.points:
        plan.points = data.payment.points
        plan.points_value = points_tender.value_for(customer.pk, plan.points, plan.currency)
    return plan


def _address(customer: Customer, address_id: int | None, kind: str | None) -> dict[str, Any]:
    """The current address asked for, as the order keeps it, ``id`` included."""
    found = customer_references.current_address(customer.pk, address_id, kind)
    if found is None:
        raise NotFound("ship_address: no such current address on file for this customer")
    return found


# How an order paid in the store is labelled on its payment (kept as data, shown translated).
IN_STORE_LABELS = {"cash": "cash", "till": "till"}


def _payment_source(customer: Customer, data: OrderIn) -> tuple[str, str]:
    """The card token to authorize and the payment's label; no token when paid in the store."""
    pay = data.payment
    if pay.in_store:
        return "", IN_STORE_LABELS[pay.in_store]
    if pay.hosted_card:
        try:
            card = gateways.gateway().hosted_card(pay.hosted_card)
        except gateways.PaymentDeclined as exc:
            raise PaymentFailed(str(exc)) from exc
        return card.token, f"{card.brand} ···{card.last4}"
    if pay.card_number:
        try:
            card = gateways.gateway().tokenize(pay.card_number)
        except gateways.PaymentDeclined as exc:
            raise Invalid(str(exc)) from exc
        return card.token, f"{card.brand} ···{card.last4}"
    sql = f"SELECT token, brand, last4 FROM {PaymentMethod._meta.db_table} WHERE customer_id = %s"
    params = [customer.pk]
    if pay.method_id:
        sql, params = sql + " AND id = %s", [customer.pk, pay.method_id]
    with connection.cursor() as cursor:  # the default card first, as the model orders them
        cursor.execute(sql + " ORDER BY is_default DESC, id LIMIT 1", params)
        method = cursor.fetchone()
    if method is None:
        raise NotFound("payment: no such payment method on file for this customer")
    token, brand, last4 = method
    return token, f"{brand} ···{last4}"


def _quote(plan: _Plan, at: datetime) -> pricing.Quote:
    items = [item for item, _, _ in plan.lines]
    prices = selectors.channel_prices([item.id for item in items], plan.channel, at)
    lines = [
        pricing.Line(
            sku=item.sku,
            product=item.product,
            quantity=quantity,
            unit_price=prices.get(item.id, item.price),
            category=item.category,
        )
        for item, quantity, _ in plan.lines
    ]
    rate, _name = selectors.tax_rate(plan.tax_country, plan.tax_region)
    context = pricing.Context(
        channel=plan.channel,
        at=at,
        segments=selectors.customer_segments(plan.customer.pk),
        coupon=plan.coupon,
    )
    return pricing.quote(lines, [*selectors.promotions(at), *plan.agreed], rate, context)
