"""The store handheld: find a product, see stock everywhere, take a return or an exchange, ask
for and receive stock transfers; the sale itself (customer box, review, order) is
:mod:`.views_sale`.

Thin views over the commerce selectors and services; built for a phone-sized screen. The
store the device belongs to is kept in the session (``?store=`` changes it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from pydantic import ValidationError

from lealtad.commerce import selectors
from lealtad.commerce.models import Location, Order
from lealtad.commerce.schemas import (
    TransferIn,
    TransferLineIn,
    TransferReceiveIn,
)
from lealtad.commerce.selectors import operations as selectors_operations
from lealtad.commerce.services import CommerceError, SaleContext, transfers
from lealtad.core import rules
from lealtad.core.access import principal, require
from lealtad.core.audit import Actor
from lealtad.core.roles import Capability, role_names

CHANNEL = "handheld"


def _stores(request: HttpRequest) -> Any:
    """The stores the user works at (groups ``store:<code>``, core.rules), or all of them."""
    stores = selectors.locations("store")
    mine = rules.store_codes(role_names(request.user))
    return stores.filter(code__in=mine) if mine else stores


def _store(request: HttpRequest) -> Location | None:
    wanted = request.GET.get("store") or request.POST.get("store")
    if wanted:
        request.session["commerce_store"] = wanted
    code = request.session.get("commerce_store")
    stores = _stores(request)
    return stores.filter(code=code).first() if code else stores.first()


def works_at(request: HttpRequest, location: Location | None) -> bool:
    """Whether the user works at ``location`` (no store group: everywhere)."""
    mine = rules.store_codes(role_names(request.user))
    return location is not None and (not mine or location.code in mine)


def may_fulfil_at(request: HttpRequest, location: Location | None) -> bool:
    """Shipping, receiving, handing over: FULFIL, at a location the user works at."""
    return principal(request).can(Capability.FULFIL) and works_at(request, location)


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A full handheld page: the store switcher needs the stores and the current one."""
    context.setdefault("store", _store(request))
    return render(request, template, {"stores": _stores(request), **context})


def _ctx(request: HttpRequest) -> SaleContext:
    return SaleContext(Actor.for_user(request.user, CHANNEL), CHANNEL)


def _errors(exc: ValidationError) -> str:
    return "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())


@login_required
@require_GET
def handheld(request: HttpRequest) -> HttpResponse:
    require(request, Capability.LOOKUP)
    query = request.GET.get("q", "")
    return _page(
        request,
        "commerce/handheld.html",
        {
            "query": query,
            "products": selectors.search_products(query, 10) if query else [],
        },
    )


@login_required
@require_GET
def product_results(request: HttpRequest) -> HttpResponse:
    require(request, Capability.LOOKUP)
    query = request.GET.get("q", "")
    return render(
        request,
        "commerce/_products.html",
        {"products": selectors.search_products(query, 10) if query.strip() else [], "query": query},
    )


@login_required
@require_GET
def product(request: HttpRequest, code: str) -> HttpResponse:
    require(request, Capability.LOOKUP)
    found = selectors.product(code)
    if found is None:
        raise Http404(_("No such product."))
    store = _store(request)
    return _page(
        request,
        "commerce/product.html",
        {
            "product": found,
            "store": store,
            "variants": selectors.product_availability(code, store.code if store else None),
        },
    )


@login_required
@require_GET
def variant(request: HttpRequest, sku: str) -> HttpResponse:
    """Stock of one size everywhere, and the form to order it for a customer."""
    require(request, Capability.LOOKUP)
    store = _store(request)
    found = selectors.availability(sku, store.code if store else None)
    if found is None:
        raise Http404(_("No such product."))
    return _page(request, "commerce/variant.html", {"a": found, "store": store})


def _quantity(raw: str | None) -> int:
    try:
        return max(0, int(raw or 0))
    except ValueError:
        return 0


@login_required
@require_GET
def order(request: HttpRequest, number: str) -> HttpResponse:
    require(request, Capability.VIEW)
    found = selectors.order_detail(number)
    if found is None:
        raise Http404(_("No such order."))
    selectors_operations.exchanges_of([found])
    handover = getattr(found, "handover", None) if hasattr(found, "handover") else None
    return _page(
        request,
        "commerce/order.html",
        {
            "order": found,
            "store": _store(request),
            "handover": handover,
            "may_hand_over": handover is None
            and found.fulfilment == Order.Fulfilment.PICKUP
            and found.status == Order.Status.PLACED
            and may_fulfil_at(request, found.pickup_location),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def store_transfers(request: HttpRequest) -> HttpResponse:
    """Stock moving to and from this store. Asking for units is part of selling (a clerk
    asks for the size a customer wants); each transfer's page ships, receives or cancels it
    (:mod:`.views_store`)."""
    who = require(request, Capability.LOOKUP)
    store = _store(request)
    if request.method == "POST" and store is not None:
        if request.POST.get("action") == "receive":  # the old quick receipt: all arrived
            require(request, Capability.FULFIL)
        elif not (who.can(Capability.SELL) or who.can(Capability.FULFIL)):
            require(request, Capability.SELL)  # refused: 403
        _transfer_step(request, store)
        return redirect("commerce:transfers")
    return _page(
        request,
        "commerce/transfers.html",
        {
            "store": store,
            "transfers": selectors_operations.transfers(store.code if store else None),
            "sources": [loc for loc in selectors.locations() if loc != store],
            "may_ask": who.can(Capability.SELL) or who.can(Capability.FULFIL),
        },
    )


def _transfer_step(request: HttpRequest, store: Location) -> None:
    ctx = _ctx(request)
    try:
        if request.POST.get("action") == "receive":
            found = transfers.get_transfer(request.POST.get("transfer", ""))
            if found.to_location_id != store.pk:
                raise ValueError(_("this transfer is not coming to this store"))
            transfers.receive_transfer(found, TransferReceiveIn(channel=CHANNEL), ctx)
            messages.success(request, _("Transfer %(number)s received.") % {"number": found.number})
            return
        made, _created = transfers.request_transfer(
            TransferIn(
                from_location=request.POST.get("from_location", ""),
                to_location=store.code,
                lines=[
                    TransferLineIn(
                        sku=request.POST.get("sku", "").strip(),
                        quantity=_quantity(request.POST.get("quantity")),
                    )
                ],
                channel=CHANNEL,
                idempotency_key=request.POST.get("idempotency_key") or None,
            ),
            ctx,
        )
    except (ValidationError, ValueError, CommerceError) as exc:
        message = _errors(exc) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, _("Nothing was done: %(why)s") % {"why": message})
        return
    messages.success(request, _("Transfer %(number)s requested.") % {"number": made.number})
