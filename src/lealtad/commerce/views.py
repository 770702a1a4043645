"""The store handheld: find a product, see stock everywhere, order for a customer, take a return.

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
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from pydantic import ValidationError

from lealtad.commerce import selectors
from lealtad.commerce.models import Location
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn, ReturnIn, ReturnLineIn
from lealtad.commerce.services import CommerceError, SaleContext
from lealtad.commerce.services import orders as order_services
from lealtad.commerce.services import returns as return_services
from lealtad.core.access import require
from lealtad.core.audit import Actor
from lealtad.core.roles import Capability
from lealtad.customers import selectors as customer_selectors
from lealtad.customers.models import Address, Customer

CHANNEL = "handheld"


def _store(request: HttpRequest) -> Location | None:
    wanted = request.GET.get("store") or request.POST.get("store")
    if wanted:
        request.session["commerce_store"] = wanted
    code = request.session.get("commerce_store")
    stores = selectors.locations("store")
    return stores.filter(code=code).first() if code else stores.first()


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A full handheld page: the store switcher needs the stores and the current one."""
    context.setdefault("store", _store(request))
    return render(request, template, {"stores": selectors.locations("store"), **context})


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


def _find_customer(text: str) -> Customer | None:
    text = text.strip()
    if not text:
        return None
    if text.isdigit() and len(text) <= 7:
        return customer_selectors.get_customer(int(text))
    found = list(customer_selectors.search(text, limit=1))
    return found[0] if found else None


@login_required
@require_GET
def customer_card(request: HttpRequest) -> HttpResponse:
    """htmx: the customer found by phone, email, national id or number, with what is on file."""
    require(request, Capability.LOOKUP)
    customer = _find_customer(request.GET.get("customer", ""))
    context: dict[str, Any] = {"customer": customer, "sku": request.GET.get("sku", "")}
    if customer is not None:
        context["addresses"] = [a for a in Address.objects.filter(customer=customer, valid_to=None)]
        context["cards"] = selectors.payment_methods(customer.pk)
    return render(request, "commerce/_customer_card.html", context)


@login_required
@require_POST
def place_order(request: HttpRequest) -> HttpResponse:
    require(request, Capability.CREATE)
    store = _store(request)
    sku = request.POST.get("sku", "")
    how = request.POST.get("fulfilment", "")
    fields: dict[str, Any] = {}
    if how.startswith("address:"):
        fields = {"fulfilment": "ship", "ship_address_id": how.removeprefix("address:") or None}
    elif how in ("pickup", "take_now"):
        fields = {"fulfilment": how, "pickup_location": store.code if store else None}
    try:
        data = OrderIn(
            customer_id=int(request.POST.get("customer_id") or 0),
            channel=CHANNEL,
            lines=[LineIn(sku=sku, quantity=_quantity(request.POST.get("quantity")) or 1)],
            origin_location=store.code if store else None,
            payment=PaymentIn(method_id=int(request.POST.get("card") or 0) or None)
            if request.POST.get("card")
            else PaymentIn(on_file=True),
            idempotency_key=request.POST.get("idempotency_key") or None,
            **fields,
        )
        order, _created = order_services.place_order(data, _ctx(request))
    except (ValidationError, ValueError, CommerceError) as exc:
        message = _errors(exc) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, _("The order was not placed: %(why)s") % {"why": message})
        return redirect("commerce:variant", sku) if sku else redirect("commerce:handheld")
    messages.success(request, _("Order %(number)s placed.") % {"number": order.number})
    return redirect("commerce:order", order.number)


@login_required
@require_GET
def order(request: HttpRequest, number: str) -> HttpResponse:
    require(request, Capability.VIEW)
    found = selectors.order_detail(number)
    if found is None:
        raise Http404(_("No such order."))
    return _page(request, "commerce/order.html", {"order": found, "store": _store(request)})


@login_required
@require_http_methods(["GET", "POST"])
def take_return(request: HttpRequest) -> HttpResponse:
    """Find the order (from any channel), pick what comes back and why, restock here."""
    require(request, Capability.CREATE)
    store = _store(request)
    number = (request.GET.get("order") or request.POST.get("order") or "").strip()
    found = selectors.order_detail(number) if number else None
    if number and found is None:
        messages.error(request, _("No such order."))
    if request.method == "POST" and found is not None and store is not None:
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
