"""HTTP API for exchanges, cart checkout and stock transfers (mounted on the commerce router).

Same rules as :mod:`.api`: thin handlers, 404/422/409/402 refusals that write nothing, and a
repeated ``idempotency_key`` answering 200 with what the first request made.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError

from lealtad.commerce import presenters, selectors
from lealtad.commerce.models import Order
from lealtad.commerce.schemas import (
    CheckoutIn,
    ExchangeIn,
    TransferIn,
    TransferReceiveIn,
    TransferShipIn,
)
from lealtad.commerce.selectors import operations as selectors_operations
from lealtad.commerce.services import SaleContext, carts, exchanges, transfers
from lealtad.core import rules
from lealtad.core.access import principal, require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability

router = Router(tags=["commerce"])


def _ctx(request: HttpRequest, capability: Capability, channel: str) -> SaleContext:
    who = require(request, capability)
    if not who.may_speak_for(channel):
        raise HttpError(403, f"this token may not act for channel {channel!r}")
    return SaleContext(who.actor, channel)


def _order(request: HttpRequest, number: str) -> Order:
    """The order, if the caller reaches it (a channel-bound token: its channels' orders)."""
    found = selectors.order_detail(number)
    if found is None or not rules.keeps_row(
        "order", {"channel": found.channel}, principal(request).reader
    ):
        raise HttpError(404, f"no order {number}")
    return found


# Exchanges ---------------------------------------------------------------------------------


@router.post(
    "/orders/{number}/exchanges",
    response={200: dict, 201: dict, **errors(402, 409)},
    summary="Exchange goods of an order from any channel for replacements, as one operation",
)
def exchange(request: HttpRequest, number: str, body: ExchangeIn) -> tuple[int, dict[str, Any]]:
    """The goods come back at ``location`` (restocked there), the replacements are placed as
    a new order (priced today; ``take_now`` by default), and only the price difference is
    charged to or refunded on the original payment. The return and the replacement order
    point at each other."""
    ctx = _ctx(request, Capability.SELL, body.channel)
    found, created = exchanges.exchange(_order(request, number), body, ctx)
    return (201 if created else 200), _exchange_body(request, found.number)


@router.get("/exchanges/{number}", summary="An exchange: the return, the replacement, the money")
def exchange_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    require(request, Capability.VIEW)
    return _exchange_body(request, number)


def _exchange_body(request: HttpRequest, number: str) -> dict[str, Any]:
    found = selectors_operations.exchange(number)
    if found is None:
        raise HttpError(404, f"no exchange {number}")
    return {
        **presenters.exchange(found),
        "original_order": presenters.order_detail(_order(request, found.original_order.number)),
        "replacement_order": presenters.order_detail(_order(request, found.replacement.number)),
    }


# Carts -------------------------------------------------------------------------------------


@router.post(
    "/lists/{list_id}/checkout",
    response={200: dict, 201: dict, **errors(402, 409)},
    summary="Check a cart out into an order (priced and reserved now)",
)
def checkout(request: HttpRequest, list_id: int, body: CheckoutIn) -> tuple[int, dict[str, Any]]:
    """Places the cart's lines through the same path as ``POST /orders``: prices, promotions
    and tax are quoted at checkout. A cart becomes one order: a repeat answers 200 with it."""
    cart = selectors_operations.cart(list_id)
    if cart is None:
        raise HttpError(404, f"no list {list_id}")
    ctx = _ctx(request, Capability.SELL, body.channel or cart.channel or "web")
    order, created = carts.checkout(cart, body, ctx)
    return (201 if created else 200), presenters.order_detail(_order(request, order.number))


# Transfers ---------------------------------------------------------------------------------


def _transfer(number: str) -> dict[str, Any]:
    found = selectors_operations.transfer(number)
    if found is None:
        raise HttpError(404, f"no transfer {number}")
    return presenters.transfer(found)


@router.post(
    "/transfers",
    response={200: dict, 201: dict, **errors(409)},
    summary="Ask for stock to move between locations (held at the source at once)",
)
def request_transfer(request: HttpRequest, body: TransferIn) -> tuple[int, dict[str, Any]]:
    ctx = _ctx(request, Capability.FULFIL, body.channel)
    found, created = transfers.request_transfer(body, ctx)
    return (201 if created else 200), _transfer(found.number)


@router.get("/transfers", summary="Transfers from or to a location, newest first")
def transfer_list(
    request: HttpRequest, location: str | None = None, status: str | None = None, limit: int = 50
) -> dict[str, Any]:
    require(request, Capability.LOOKUP)
    rows = selectors_operations.transfers(location, status, max(1, min(limit, 200)))
    return {"transfers": [presenters.transfer(t) for t in rows]}


@router.get("/transfers/{number}", summary="A transfer with its lines")
def transfer_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    require(request, Capability.LOOKUP)
    return _transfer(number)


def _step(request: HttpRequest, number: str, channel: str, step: Any, *args: Any) -> dict:
    ctx = _ctx(request, Capability.FULFIL, channel)
    step(transfers.get_transfer(number), *args, ctx)
    return _transfer(number)


@router.post(
    "/transfers/{number}/ship",
    response={200: dict, **errors(409)},
    summary="The units leave the source (in transit)",
)
def ship_transfer(request: HttpRequest, number: str, body: TransferShipIn) -> dict[str, Any]:
    return _step(request, number, body.channel, transfers.ship_transfer, body)


@router.post(
    "/transfers/{number}/receive",
    response={200: dict, **errors(409)},
    summary="The units arrived (what did not is short)",
)
def receive_transfer(request: HttpRequest, number: str, body: TransferReceiveIn) -> dict[str, Any]:
    return _step(request, number, body.channel, transfers.receive_transfer, body)


@router.post(
    "/transfers/{number}/cancel",
    response={200: dict, **errors(409)},
    summary="Call off a transfer not yet shipped",
)
def cancel_transfer(request: HttpRequest, number: str, channel: str = "web") -> dict[str, Any]:
    return _step(request, number, channel, transfers.cancel_transfer)


@router.get("/stock/in-transit", summary="Units of a SKU on the road between locations")
def in_transit(request: HttpRequest, sku: str) -> dict[str, Any]:
    require(request, Capability.LOOKUP)
    rows = selectors_operations.in_transit(sku[:60])
    return {"sku": sku, "total": sum(r["quantity"] for r in rows), "transfers": rows}
