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
from lealtad.commerce.models import Exchange, Location, Order
from lealtad.commerce.schemas import (
    ExchangeIn,
    LineIn,
    ReturnIn,
    ReturnLineIn,
    TransferIn,
    TransferLineIn,
    TransferReceiveIn,
)
from lealtad.commerce.selectors import operations as selectors_operations
from lealtad.commerce.services import CommerceError, SaleContext, exchanges, transfers
from lealtad.commerce.services import returns as return_services
from lealtad.core import rules
from lealtad.core.access import require
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
    return _page(request, "commerce/order.html", {"order": found, "store": _store(request)})


@login_required
@require_http_methods(["GET", "POST"])
def take_return(request: HttpRequest) -> HttpResponse:
    """Find the order (from any channel), pick what comes back and why, restock here; or
    exchange it for other sizes taken now from this store's shelf."""
    require(request, Capability.SELL)
    store = _store(request)
    number = (request.GET.get("order") or request.POST.get("order") or "").strip()
    found = selectors.order_detail(number) if number else None
    if number and found is None:
        messages.error(request, _("No such order."))
    if request.method == "POST" and found is not None and store is not None:
        if request.POST.get("action") == "exchange":
            done = _exchange(request, found, store)
            if done is not None:
                return redirect("commerce:order", done.replacement.number)
            return _page(
                request, "commerce/return.html", {"order": found, "store": store, "number": number}
            )
        wanted = [
            (line.sku, _quantity(request.POST.get(f"qty-{line.pk}"))) for line in found.lines.all()
        ]
        try:
            data = ReturnIn(
                channel=CHANNEL,
                location=store.code,
                reason=request.POST.get("reason", ""),
                lines=[ReturnLineIn(sku=sku, quantity=q) for sku, q in wanted if q > 0],
                idempotency_key=request.POST.get("idempotency_key") or None,
            )
            ret, _created = return_services.take_return(found, data, _ctx(request))
        except (ValidationError, ValueError, CommerceError) as exc:
            message = _errors(exc) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, _("The return was not taken: %(why)s") % {"why": message})
        else:
            messages.success(
                request,
                _("Return %(number)s taken: %(amount)s refunded to the original payment.")
                % {"number": ret.number, "amount": ret.refund_amount},
            )
            return redirect("commerce:order", found.number)
    return _page(
        request, "commerce/return.html", {"order": found, "store": store, "number": number}
    )


def _exchange(request: HttpRequest, order: Order, store: Location) -> Exchange | None:
    """The lines with a quantity and another size chosen: back here, the new size taken now."""
    returned, taken = [], []
    for line in order.lines.all():
        quantity = _quantity(request.POST.get(f"qty-{line.pk}"))
        swap = request.POST.get(f"swap-{line.pk}", "")
        if quantity > 0:
            returned.append(ReturnLineIn(sku=line.sku, quantity=quantity))
            if swap:
                taken.append(LineIn(sku=swap, quantity=quantity))
    try:
        if not taken:
            raise ValueError(_("choose the size or colour each item is exchanged for"))
        data = ExchangeIn(
            channel=CHANNEL,
            location=store.code,
            reason=request.POST.get("reason", ""),
            returns=returned,
            replacements=taken,
            idempotency_key=request.POST.get("idempotency_key") or None,
        )
        done, _created = exchanges.exchange(order, data, _ctx(request))
    except (ValidationError, ValueError, CommerceError) as exc:
        message = _errors(exc) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, _("The exchange was not made: %(why)s") % {"why": message})
        return None
    if done.difference > 0:
        money = _("%(amount)s charged to the original payment") % {"amount": done.difference}
    elif done.difference < 0:
        money = _("%(amount)s refunded to the original payment") % {"amount": -done.difference}
    else:
        money = _("no difference to pay")
    messages.success(
        request,
        _("Exchange %(number)s made: %(money)s.") % {"number": done.number, "money": money},
    )
    return done


@login_required
@require_http_methods(["GET", "POST"])
def store_transfers(request: HttpRequest) -> HttpResponse:
    """Stock moving to and from this store: ask for units, receive what arrived."""
    require(request, Capability.LOOKUP)
    store = _store(request)
    if request.method == "POST" and store is not None:
        require(request, Capability.FULFIL)
        _transfer_step(request, store)
        return redirect("commerce:transfers")
    return _page(
        request,
        "commerce/transfers.html",
        {
            "store": store,
            "transfers": selectors_operations.transfers(store.code if store else None),
            "sources": [loc for loc in selectors.locations() if loc != store],
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
