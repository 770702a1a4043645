"""HTTP API of the commerce context: thin handlers over selectors and services.

Errors: 422 a body the schema refuses (every rule is stated in the OpenAPI), 404 a record
named in the path or body that does not exist (order, customer, SKU, location, an address or
card on file), 409 what the current state forbids (not enough stock, more returned than
bought, a step the order's status does not allow), 402 payment declined. Nothing is written
when a request is refused (docs/security.md, "The API contract").

Selling needs ``commerce.sell``, shipping and delivering ``commerce.fulfil``, money back at
someone's discretion ``commerce.refund`` (see :mod:`lealtad.core.roles`). Exchanges, partial
shipments, cart checkout and stock transfers are in :mod:`.api_operations`, mounted here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError

from lealtad.commerce import presenters, pricing, selectors
from lealtad.commerce.api_operations import router as operations_router
from lealtad.commerce.models import CustomerList, Variant
from lealtad.commerce.schemas import (
    AdjustmentIn,
    CardIn,
    ListIn,
    ListItemIn,
    OrderIn,
    QuoteIn,
    ReturnIn,
    ShipIn,
)
from lealtad.commerce.services import SaleContext, exchanges, points_tender, shipments
from lealtad.commerce.services import catalog as catalog_services
from lealtad.commerce.services import lists as list_services
from lealtad.commerce.services import orders as order_services
from lealtad.commerce.services import returns as return_services
from lealtad.core import rules
from lealtad.core.access import principal, require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.customers import selectors as customer_selectors

router = Router(tags=["commerce"])
router.add_router("/", operations_router)


def _ctx(request: HttpRequest, capability: Capability, channel: str) -> SaleContext:
    who = require(request, capability)
    if not who.may_speak_for(channel):
        raise HttpError(403, f"this token may not act for channel {channel!r}")
    return SaleContext(who.actor, channel)


def _order(request: HttpRequest, number: str) -> Any:
    """The order, if the caller reaches it: a channel-bound token only its channels' orders
    (record rules, :mod:`lealtad.core.rules`)."""
    found = selectors.order_detail(number)
    if found is None or not rules.keeps_row("order", {"channel": found.channel}, _reader(request)):
        raise HttpError(404, f"no order {number}")
    return found


def _reader(request: HttpRequest) -> rules.Reader:
    return principal(request).reader


def _customer_id(request: HttpRequest, customer_id: int) -> int:
    """The id, if the caller reaches that customer (else 404, as for no customer at all)."""
    if customer_selectors.readable(customer_id, _reader(request)) is None:
        raise HttpError(404, f"no customer {customer_id}")
    return customer_id


@router.get(
    "/availability",
    response={200: dict, **errors(404)},
    summary="Where a variant is available, across all locations",
)
def availability(request: HttpRequest, sku: str, location: str | None = None) -> HttpResponse:
    """The store clerk's "find my size": units not promised to an order, per location.

    ``location`` is the asking store: it comes first and is reported even with none.
    """
    require(request, Capability.LOOKUP)
    found = selectors.availability_json(sku, location)
    if found is None:
        raise HttpError(404, f"unknown SKU {sku}")
    # Already JSON (see the selector): handed out as it is, not validated and encoded again.
    return HttpResponse(found, content_type="application/json; charset=utf-8")


@router.get("/catalog/products", summary="Search the catalog")
def products(request: HttpRequest, q: str = "", lang: str = "es", limit: int = 20) -> dict:
    require(request, Capability.LOOKUP)
    rows = selectors.search_products(q[:100], max(1, min(limit, 100)))
    return {"products": [presenters.product(p, lang) for p in rows]}


@router.get("/catalog/products/{code}", summary="A product with its variants")
def product(request: HttpRequest, code: str, lang: str = "es") -> dict[str, Any]:
    require(request, Capability.LOOKUP)
    found = selectors.product(code)
    if found is None:
        raise HttpError(404, f"unknown product {code}")
    return {
        **presenters.product(found, lang),
        "availability": [
            {**v, "price": presenters.money(v["price"])}
            for v in selectors.product_availability(code)
        ],
    }


def _priced_line(variant: Variant, quantity: int, prices: dict[int, Any]) -> pricing.Line:
    category = variant.product.category
    return pricing.Line(
        sku=variant.sku,
        product=variant.product.code,
        quantity=quantity,
        unit_price=prices[variant.pk],
        category=category.code if category else "",
    )


@router.post("/quotes", summary="Price a basket (promotions and tax) without ordering")
def quote(request: HttpRequest, body: QuoteIn) -> dict[str, Any]:
    require(request, Capability.LOOKUP)
    merged: dict[str, int] = {}
    for line in body.lines:
        merged[line.sku] = merged.get(line.sku, 0) + line.quantity
    variants = {v.sku: v for v in selectors.search_variants(list(merged))}
    missing = set(merged) - set(variants)
    if missing:
        raise HttpError(404, f"lines.sku: unknown SKU {', '.join(sorted(missing))}")
    now = timezone.now()
    prices = selectors.unit_prices(variants.values(), body.channel, now)
    country = (body.country or settings.LEALTAD_DEFAULT_REGION).upper()
    rate, tax_name = selectors.tax_rate(country, body.region)
    result = pricing.quote(
        [_priced_line(variants[sku], quantity, prices) for sku, quantity in merged.items()],
        selectors.promotions(now),
        rate,
        pricing.Context(
            channel=body.channel,
            at=now,
            segments=selectors.customer_segments(body.customer_id),
            coupon=body.coupon,
        ),
    )
    money = presenters.money
    return {
        "lines": [
            {
                "sku": p.line.sku,
                "quantity": p.line.quantity,
                "unit_price": money(p.line.unit_price),
                "discount": money(p.discount),
                "tax": money(p.tax),
                "total": money(p.total),
            }
            for p in result.lines
        ],
        "tax": {"name": tax_name, "rate": str(rate), "amount": money(result.tax)},
        "subtotal": money(result.subtotal),
        "discount": money(result.discount),
        "total": money(result.total),
        "promotions": list(result.applied),
    }


@router.post(
    "/orders",
    response={200: dict, 201: dict, **errors(402, 409)},
    summary="Place an order on any channel",
)
def place_order(request: HttpRequest, body: OrderIn) -> tuple[int, dict[str, Any]]:
    """Reserves stock (never oversold), authorizes the payment; ``take_now`` also hands the
    goods over. A repeated ``idempotency_key`` (or ``Idempotency-Key`` header) answers 200
    with the order it placed the first time."""
    header = request.headers.get("Idempotency-Key")
    if header and not body.idempotency_key:
        body.idempotency_key = header[:120]
    ctx = _ctx(request, Capability.SELL, body.channel)
    _customer_id(request, body.customer_id)
    order, created = order_services.place_order(body, ctx)
    # A new order comes back with its rows: presenting it reads nothing more.
    return (201 if created else 200), presenters.order_detail(
        order if created else _order(request, order.number)
    )


@router.get("/orders/{number}", summary="An order with its lines, payments, shipments, returns")
def order(request: HttpRequest, number: str) -> dict[str, Any]:
    require(request, Capability.VIEW)
    return presenters.order_detail(_order(request, number))


@router.get("/customers/{customer_id}/orders", summary="A customer's orders, newest first")
def customer_orders(request: HttpRequest, customer_id: int, limit: int = 50) -> dict[str, Any]:
    who = require(request, Capability.VIEW)
    rows = selectors.customer_orders(_customer_id(request, customer_id), max(1, min(limit, 200)))
    return {
        "orders": rules.keep_rows("orders", [presenters.order_row(o) for o in rows], who.reader)
    }


@router.post(
    "/orders/{number}/ship",
    response={200: dict, **errors(402, 409)},
    summary="Ship an order, or part of it (stock leaves)",
)
def ship(request: HttpRequest, number: str, body: ShipIn) -> dict[str, Any]:
    """Every unit not yet shipped, or only ``lines`` (each from where it is reserved or from
    ``location``): one shipment per location, ``order.shipped`` for each. Each shipment
    captures its share of the payment, the last one what is left of it. A repeated
    ``idempotency_key`` answers without shipping (or capturing) again."""
    ctx = _ctx(request, Capability.FULFIL, body.channel)
    shipments.ship_order(_order(request, number), body, ctx)
    return presenters.order_detail(_order(request, number))


@router.post(
    "/orders/{number}/deliver",
    response={200: dict, **errors(409)},
    summary="The carrier delivered (all, or one shipment)",
)
def deliver(
    request: HttpRequest, number: str, channel: str = "web", tracking: str | None = None
) -> dict[str, Any]:
    ctx = _ctx(request, Capability.FULFIL, channel)
    shipments.deliver_order(_order(request, number), ctx, tracking[:120] if tracking else None)
    return presenters.order_detail(_order(request, number))


@router.post(
    "/orders/{number}/collect",
    response={200: dict, **errors(402, 409)},
    summary="A pickup order handed over in the store",
)
def collect(request: HttpRequest, number: str, channel: str = "pos") -> dict[str, Any]:
    ctx = _ctx(request, Capability.SELL, channel)
    shipments.collect_order(_order(request, number), ctx)
    return presenters.order_detail(_order(request, number))


@router.post(
    "/orders/{number}/cancel",
    response={200: dict, **errors(409)},
    summary="Cancel an order, or what is left unshipped of it (units and hold released)",
)
def cancel(
    request: HttpRequest, number: str, reason: str = "", channel: str = "web"
) -> dict[str, Any]:
    ctx = _ctx(request, Capability.SELL, channel)
    exchanges.cancel(_order(request, number), reason[:250], ctx)
    return presenters.order_detail(_order(request, number))


@router.post(
    "/orders/{number}/returns",
    response={200: dict, 201: dict, **errors(409)},
    summary="Take a return at any channel (restock here, refund to the original payment)",
)
def take_return(request: HttpRequest, number: str, body: ReturnIn) -> tuple[int, dict]:
    ctx = _ctx(request, Capability.SELL, body.channel)
    if body.refund_method == "cash":  # a card sale's money handed over without the card
        require(request, Capability.REFUND)
    ret, created = return_services.take_return(_order(request, number), body, ctx)
    return (201 if created else 200), {
        "return": ret.number,
        "refund": presenters.money(ret.refund_amount),
        "refund_method": ret.refund_method,
        # what of the refund went back as loyalty points (decision 0015), if any
        "refund_points": points_tender.given_back_for(ret),
        "order": presenters.order_detail(_order(request, number)),
    }


@router.post("/orders/{number}/price-adjustments", response={201: dict, **errors(409)})
def adjust(request: HttpRequest, number: str, body: AdjustmentIn) -> tuple[int, dict]:
    """Money back after the sale, to the original payment, with its reason."""
    ctx = _ctx(request, Capability.REFUND, body.channel)
    order_services.adjust_price(_order(request, number), body, ctx)
    return 201, presenters.order_detail(_order(request, number))


@router.get("/customers/{customer_id}/payment-methods", summary="Cards on file")
def payment_methods(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    who = require(request, Capability.VIEW)
    card = who.reader.shows("payment_card")
    found = selectors.payment_methods(_customer_id(request, customer_id))
    return {"methods": [presenters.payment_method(m, card) for m in found]}


@router.post("/customers/{customer_id}/payment-methods", response={201: dict})
def add_card(request: HttpRequest, customer_id: int, body: CardIn) -> tuple[int, dict]:
    ctx = _ctx(request, Capability.EDIT, "web")
    method = catalog_services.add_card(_customer_id(request, customer_id), body, ctx)
    return 201, presenters.payment_method(method)


@router.get("/customers/{customer_id}/lists", summary="Carts, shopping lists, gift registries")
def lists(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    require(request, Capability.VIEW)
    found = selectors.customer_lists(_customer_id(request, customer_id))
    return {"lists": [presenters.customer_list(c) for c in found]}


@router.post(
    "/lists",
    response={201: dict, **errors(409)},
    summary="Open a cart, shopping list or registry",
)
def create_list(request: HttpRequest, body: ListIn) -> tuple[int, dict]:
    ctx = _ctx(request, Capability.CREATE, body.channel)
    row = list_services.create_list(body, ctx)
    return 201, presenters.customer_list(row)


@router.put(
    "/lists/{list_id}/items",
    response={200: dict, **errors(409)},
    summary="Set the quantity of a SKU on a list (0 removes)",
)
def set_list_item(request: HttpRequest, list_id: int, body: ListItemIn) -> dict[str, Any]:
    owner = get_object_or_404(CustomerList, pk=list_id)
    ctx = _ctx(request, Capability.CREATE, owner.channel or "web")
    list_services.set_item(owner, body, ctx)
    owner.refresh_from_db()
    return presenters.customer_list(owner)


@router.get("/commerce/captured-sales", summary="Lost sales captured through another location")
def captured_sales(request: HttpRequest) -> dict[str, Any]:
    require(request, Capability.VIEW)
    found = selectors.captured_sales()
    return {
        "orders": found["orders"],
        "value": presenters.money(found["value"]),
        "by_store": [{**r, "value": presenters.money(r["value"])} for r in found["by_store"]],
    }
