"""The handheld's sale: who buys, how they pay, what they confirm, then the order.

A clerk types what the customer says (a phone, an e-mail, a cédula, a name, a customer
number). Several people may match: they are listed with what tells them apart (masked
cédula, city, last purchase) and the clerk picks one; nobody is taken silently. The sale form
offers the customer's cards on file, paying in the store (cash, or at the till), a new card
typed on the gateway's own page, and a sale to an anonymous walk-in. Nothing is charged from
that form: it leads to a review page showing the amount and the card's last four digits, and
only its confirmation places the order, for exactly that amount
(:mod:`lealtad.commerce.services.preview` and ``OrderIn.expected_total``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from pydantic import ValidationError

from lealtad.commerce import gateway as gateways
from lealtad.commerce import selectors
from lealtad.commerce.models import Location
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn
from lealtad.commerce.selectors.walk_in import walk_in_customer_id
from lealtad.commerce.services import orders as order_services
from lealtad.commerce.services import points_tender
from lealtad.commerce.services.preview import Preview, preview
from lealtad.commerce.services.walk_in import walk_in_customer
from lealtad.commerce.views import CHANNEL, _ctx, _errors, _page, _quantity, _store
from lealtad.core import panels, rules
from lealtad.core.access import Principal, require
from lealtad.core.errors import DomainError
from lealtad.core.roles import Capability
from lealtad.customers import selectors as customer_selectors
from lealtad.customers.selectors import references as customer_references
from lealtad.customers.selectors.references import Customer

MAX_CANDIDATES = 8
NEW_CARD = "new_card"
SALE_FIELDS = (
    "customer_id",
    "walk_in",
    "sku",
    "quantity",
    "fulfilment",
    "pay",
    "hosted_card",
    "points",
)


# The customer box ----------------------------------------------------------------------------


def _matches(text: str, who: Principal) -> list[Customer]:
    """Everyone the text may name, up to one more than are listed (to know there are more)."""
    text = text.strip()
    if not text:
        return []
    if text.isdigit() and len(text) <= 7:  # a customer number
        found = customer_selectors.readable(int(text), who.reader)
        live = found.merged_into or found if found is not None else None
        return [live] if live is not None and live.erased_at is None else []
    return list(customer_selectors.search(text, limit=MAX_CANDIDATES + 1, reader=who.reader))


def _candidates(customers: list[Customer]) -> list[dict[str, Any]]:
    ids = [c.pk for c in customers]
    cities = customer_references.current_cities(ids)
    last = selectors.last_purchases(ids)
    return [
        {
            "customer": c,
            "national_id": rules.mask(c.national_id, rules.Show.LAST4) if c.national_id else "",
            "city": cities.get(c.pk, ""),
            "last": last.get(c.pk),
        }
        for c in customers
    ]


@login_required
@require_GET
def customer_card(request: HttpRequest) -> HttpResponse:
    """htmx: who the typed text names. One match: the sale form with who it is; several:
    the list to pick from (no sale form, so nothing can be charged); ``pick`` is the one
    picked, ``walk_in`` a sale to nobody in particular."""
    who = require(request, Capability.LOOKUP)
    sku = request.GET.get("sku", "")
    context: dict[str, Any] = {"sku": sku, "query": request.GET.get("customer", "")}
    if request.GET.get("walk_in"):
        return _sale_form(request, who, None, context)
    if request.GET.get("pick", "").isdigit():
        found = customer_selectors.readable(int(request.GET["pick"]), who.reader)
        found = (found.merged_into or found) if found is not None else None
        return _sale_form(request, who, found, context)
    matches = _matches(context["query"], who)
    if len(matches) == 1:
        return _sale_form(request, who, matches[0], context)
    context["candidates"] = _candidates(matches[:MAX_CANDIDATES])
    context["more"] = len(matches) > MAX_CANDIDATES
    return render(request, "commerce/_customer_card.html", context)


def _sale_form(
    request: HttpRequest, who: Principal, customer: Customer | None, context: dict[str, Any]
) -> HttpResponse:
    """How the order is fulfilled and paid; cards on file only to those who sell and may see
    their last digits (core.rules). A walk-in has no address and no card on file."""
    context["sale"] = True
    if customer is not None and customer.pk != walk_in_customer_id():
        context["customer"] = customer
        context["candidate"] = _candidates([customer])[0]
        context["addresses"] = customer_references.current_addresses(customer.pk)
        sells = who.can(Capability.SELL) and who.reader.shows("payment_card") >= rules.Show.LAST4
        context["cards"] = selectors.payment_methods(customer.pk) if sells else []
        # Offers, loyalty … other contexts add to the customer box (core/panels.py).
        context["panels"] = panels.collect(customer.pk, CHANNEL, who.capabilities)
        found = points_tender.standing(customer.pk) if who.can(Capability.SELL) else None
        context["points"] = found if found is not None and found.points > 0 else None
    return render(request, "commerce/_customer_card.html", context)


# From the form to an order request ------------------------------------------------------------


def _fulfilment(how: str, store: Location | None) -> dict[str, Any]:
    if how.startswith("address:"):
        return {"fulfilment": "ship", "ship_address_id": how.removeprefix("address:") or None}
    if how in ("pickup", "take_now"):
        return {"fulfilment": how, "pickup_location": store.code if store else None}
    return {"fulfilment": how}  # refused by OrderIn, naming the choices


def _payment(pay: str, hosted_card: str, points_text: str = "") -> PaymentIn:
    """How the form says the customer pays; ``points`` (loyalty points) pay part of it."""
    points = _points(points_text)
    if pay.startswith("card:"):
        return PaymentIn(method_id=_quantity(pay.removeprefix("card:")) or None, points=points)
    if pay == "cash":
        return PaymentIn(in_store="cash", points=points)
    if pay == "till":
        return PaymentIn(in_store="till", points=points)
    if pay == NEW_CARD:
        return PaymentIn(hosted_card=hosted_card or None, points=points)
    raise ValueError(_("choose how the customer pays"))


def _points(text: str) -> int | None:
    text = text.strip()
    if not text or text == "0":
        return None
    if not text.isdigit():
        raise ValueError(_("points are a whole number"))
    return int(text)


def _order_in(
    form: QueryDict,
    store: Location | None,
    customer_id: int,
    expected: str = "",
) -> OrderIn:
    """The order request the form describes; ``expected`` is the total the customer confirmed
    (text, as money travels: see ``MoneyText``)."""
    confirmed: dict[str, Any] = {"expected_total": expected} if expected else {}
    return OrderIn(
        customer_id=customer_id,
        channel=CHANNEL,
        lines=[LineIn(sku=form.get("sku", ""), quantity=_quantity(form.get("quantity")) or 1)],
        origin_location=store.code if store else None,
        payment=_payment(form.get("pay", ""), form.get("hosted_card", ""), form.get("points", "")),
        idempotency_key=form.get("idempotency_key") or None,
        **confirmed,
        **_fulfilment(form.get("fulfilment", ""), store),
    )


def _buyer(request: HttpRequest, form: QueryDict) -> int:
    """The customer the order is for: the one picked, or the walk-in record."""
    if form.get("walk_in"):
        return walk_in_customer(_ctx(request))
    customer_id = _quantity(form.get("customer_id"))
    if not customer_id:
        raise ValueError(_("choose the customer, or sell to a walk-in"))
    return customer_id


def _refused(request: HttpRequest, exc: Exception, sku: str, what: str) -> HttpResponse:
    message = _errors(exc) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, what % {"why": message})
    return redirect("commerce:variant", sku) if sku else redirect("commerce:handheld")


# Review, then place ---------------------------------------------------------------------------


@login_required
@require_GET
def review_order(request: HttpRequest) -> HttpResponse:
    """What the customer is asked to confirm: the item, how it reaches them, the amount and
    how it is paid (a card's last four digits). Writes nothing and charges nothing; a new
    card is first typed on the gateway's page, which comes back here with it."""
    require(request, Capability.SELL)
    store = _store(request)
    form = request.GET
    sku = form.get("sku", "")
    if form.get("pay") == NEW_CARD and not form.get("hosted_card"):
        back = f"{reverse('commerce:review_order')}?{_sale_query(form, card=False)}"
        return _page(request, "commerce/review.html", {"hosted_form": _hosted_form(back)})
    try:
        buyer = _buyer(request, form)
        found = preview(_order_in(form, store, buyer))
    except (ValidationError, ValueError, DomainError) as exc:
        return _refused(request, exc, sku, _("The sale cannot go on: %(why)s"))
    return _page(request, "commerce/review.html", _review(form, buyer, found))


def _sale_query(form: QueryDict, *, card: bool = True) -> str:
    """The sale's fields as a query, the new card's reference left out unless ``card``."""
    wanted = SALE_FIELDS if card else tuple(n for n in SALE_FIELDS if n != "hosted_card")
    return urlencode({name: form.get(name, "") for name in wanted if form.get(name)})


def _hosted_form(back: str) -> str:
    return gateways.gateway().hosted_form(back)


def _review(form: QueryDict, buyer: int, found: Preview) -> dict[str, Any]:
    walk_in = bool(form.get("walk_in"))
    return {
        "preview": found,
        "walk_in": walk_in,
        "customer": None if walk_in else customer_selectors.get_customer(buyer),
        "pay": form.get("pay", ""),
        "fields": {name: form[name] for name in SALE_FIELDS if form.get(name)},
        "idempotency_key": uuid.uuid4().hex,
        "change_card": _hosted_form(
            f"{reverse('commerce:review_order')}?{_sale_query(form, card=False)}"
        )
        if form.get("pay") == NEW_CARD
        else "",
    }


@login_required
@require_POST
def place_order(request: HttpRequest) -> HttpResponse:
    """Place the order the customer confirmed on the review page, for the amount they saw.

    A post without that amount is refused: every sale, cash included, passes the review."""
    require(request, Capability.SELL)
    store = _store(request)
    form = request.POST
    sku = form.get("sku", "")
    confirmed = form.get("confirmed_total", "")
    try:
        if not confirmed:
            raise ValueError(_("review the sale and confirm the amount first"))
        order, _created = order_services.place_order(
            _order_in(form, store, _buyer(request, form), confirmed), _ctx(request)
        )
    except (ValidationError, ValueError, DomainError) as exc:
        return _refused(request, exc, sku, _("The order was not placed: %(why)s"))
    messages.success(request, _("Order %(number)s placed.") % {"number": order.number})
    return redirect("commerce:order", order.number)
