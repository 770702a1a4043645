"""Returns and exchanges at the handheld (issue 17).

The order is found whatever the case and spacing of the number typed; each line offers, by
default, what can still come back (received and not yet returned). The clerk chooses how the
money goes back — to the original payment (the card, or cash for a cash sale), or cash at the
till for a card sale, which takes someone who may refund (``REFUND``) — and the customer gets
the return receipt: e-mailed when they have an address and agreed to service messages, else
printed from the receipt page the return opens on.

An exchange settles a price difference the way the original sale was paid: the card on file,
cash or the till for a sale paid in the store (a walk-in's too); a new card is typed on the
gateway's hosted form, which comes back here with the exchange as it was filled in. A
difference charged to a card on file is confirmed first (the amount and the card's last four,
``ExchangeIn.expected_difference``), as a sale is.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from pydantic import ValidationError

from lealtad.commerce import gateway as gateways
from lealtad.commerce import returnable
from lealtad.commerce.models import Exchange, Location, Order, Return
from lealtad.commerce.schemas import ExchangeIn, LineIn, PaymentIn, ReturnIn, ReturnLineIn
from lealtad.commerce.selectors import operations
from lealtad.commerce.selectors import store_documents as documents
from lealtad.commerce.services import CommerceError, exchange_plans, exchanges, receipts
from lealtad.commerce.services import returns as return_services
from lealtad.commerce.views import CHANNEL, _ctx, _page, _quantity, _store
from lealtad.commerce.views_store import _why
from lealtad.core.access import Principal, require
from lealtad.core.roles import Capability

NEW_CARD = "new_card"
PAYS = ("", "cash", "till", NEW_CARD)  # "": as the original sale was paid


@login_required
@require_http_methods(["GET", "POST"])
def take_return(request: HttpRequest) -> HttpResponse:
    """Find the order (from any channel), pick what comes back and why, restock here; or
    exchange it for other sizes taken now from this store's shelf."""
    who = require(request, Capability.SELL)
    store = _store(request)
    form = request.POST if request.method == "POST" else request.GET
    typed = form.get("order", "")
    found = documents.find_order(typed) if typed.strip() else None
    if typed.strip() and found is None:
        messages.error(request, _("No such order: %(number)s.") % {"number": typed.strip()})
    if request.method == "POST" and found is not None and store is not None:
        done = _post(request, who, found, store)
        if done is not None:
            return done
    return _page(request, "commerce/return.html", _context(request, who, found, store, form))


def _post(
    request: HttpRequest, who: Principal, order: Order, store: Location
) -> HttpResponse | None:
    form = request.POST
    if form.get("action") == "exchange":
        if form.get("pay") == NEW_CARD and not form.get("hosted_card"):
            back = f"{reverse('commerce:take_return')}?{_exchange_query(order, form)}"
            return redirect(gateways.gateway().hosted_form(back))
        data = _exchange_in(request, order, store)
        if data is None:
            return None
        if not form.get("confirmed_difference"):
            review = _exchange_review(request, order, data)
            if review is not None:
                return review
        made = _exchange(request, order, data)
        return redirect("commerce:order", made.replacement.number) if made else None
    ret = _return(request, who, order, store)
    if ret is None:
        return None
    given = receipts.give_return_receipts([ret.number]).get(ret.number, "")
    messages.success(request, _taken_message(ret, given))
    return redirect("commerce:return_receipt", ret.number)


def _exchange_query(order: Order, form: QueryDict) -> str:
    """The exchange as filled in, for the hosted card form to send back."""
    kept = {"order": order.number, "action": "exchange", "pay": NEW_CARD}
    for name in form:
        if name.startswith(("qty-", "swap-")) or name in ("reason", "idempotency_key"):
            kept[name] = form.get(name, "")
    return urlencode(kept)


def _context(
    request: HttpRequest,
    who: Principal,
    order: Order | None,
    store: Location | None,
    form: QueryDict,
) -> dict[str, Any]:
    context: dict[str, Any] = {"order": order, "store": store, "number": form.get("order", "")}
    if order is None:
        return context
    filled = form.get("action") == "exchange" or request.method == "POST"
    context["rows"] = [
        {
            "line": line,
            "left": returnable.left(line),
            "qty": _quantity(form.get(f"qty-{line.pk}")) if filled else returnable.left(line),
            "swap": form.get(f"swap-{line.pk}", ""),
        }
        for line in order.lines.all()
    ]
    context["paid_with"] = documents.original_payment(order)
    context["may_cash"] = who.can(Capability.REFUND) and documents.paid_by_card(order)
    context["refund_method"] = form.get("refund_method", "original")
    context["reason"] = form.get("reason", "")
    context["pay"] = form.get("pay", "")
    context["idempotency_key"] = form.get("idempotency_key", "")
    context.update(_hosted(request, form))
    return context


def _hosted(request: HttpRequest, form: QueryDict) -> dict[str, Any]:
    """A new card the hosted form took, to confirm the exchange with its last digits."""
    reference = form.get("hosted_card", "")
    if not reference:
        return {}
    try:
        card = gateways.gateway().hosted_card(reference)
    except gateways.PaymentDeclined:
        messages.error(request, _("The card form gave back no card: type the card again."))
        return {}
    return {"hosted_card": reference, "card_label": f"{card.brand} ···{card.last4}"}


def _return(request: HttpRequest, who: Principal, order: Order, store: Location) -> Return | None:
    form = request.POST
    method = form.get("refund_method", "original")
    wanted = [(line.sku, _quantity(form.get(f"qty-{line.pk}"))) for line in order.lines.all()]
    try:
        if method == "cash" and not who.can(Capability.REFUND):
            raise ValueError(_("a cash refund of a card sale needs someone who may refund"))
        data = ReturnIn(
            channel=CHANNEL,
            location=store.code,
            reason=form.get("reason", ""),
            lines=[ReturnLineIn(sku=sku, quantity=q) for sku, q in wanted if q > 0],
            refund_method="cash" if method == "cash" else "original",
            idempotency_key=form.get("idempotency_key") or None,
        )
        ret, _created = return_services.take_return(order, data, _ctx(request))
    except (ValidationError, ValueError, CommerceError) as exc:
        messages.error(request, _("The return was not taken: %(why)s") % {"why": _why(exc)})
        return None
    return ret


def _taken_message(ret: Return, given: str) -> str:
    how = ", ".join(documents.refund_methods(ret))
    text = _("Return %(number)s taken: %(amount)s refunded to %(how)s.") % {
        "number": ret.number,
        "amount": ret.refund_amount,
        "how": how,
    }
    if given == Return.Receipt.EMAIL:
        ret.refresh_from_db(fields=["receipt_to"])
        return f"{text} " + _("Receipt e-mailed to %(to)s.") % {"to": ret.receipt_to}
    return f"{text} " + _("Print the receipt for the customer.")


def _payment(form: QueryDict) -> PaymentIn | None:
    """How a difference is paid: as the original sale (none given), or as the clerk chose."""
    pay = form.get("pay", "")
    if pay in ("cash", "till"):
        return PaymentIn(in_store="cash" if pay == "cash" else "till")
    if pay == NEW_CARD:
        return PaymentIn(hosted_card=form.get("hosted_card") or None)
    return None


def _exchange_in(request: HttpRequest, order: Order, store: Location) -> ExchangeIn | None:
    """The lines with a quantity and another size chosen: back here, the new size taken now
    (with the difference the customer confirmed, once they did)."""
    form = request.POST
    returned, taken = [], []
    for line in order.lines.all():
        quantity = _quantity(form.get(f"qty-{line.pk}"))
        swap = form.get(f"swap-{line.pk}", "")
        if quantity > 0 and swap:
            returned.append(ReturnLineIn(sku=line.sku, quantity=quantity))
            taken.append(LineIn(sku=swap, quantity=quantity))
    confirmed: Any = form.get("confirmed_difference") or None  # text: the schema reads money
    try:
        if not taken:
            raise ValueError(_("choose the size or colour each item is exchanged for"))
        return ExchangeIn(
            channel=CHANNEL,
            location=store.code,
            reason=form.get("reason", ""),
            returns=returned,
            replacements=taken,
            payment=_payment(form),
            idempotency_key=form.get("idempotency_key") or None,
            expected_difference=confirmed,
        )
    except (ValidationError, ValueError) as exc:
        messages.error(request, _("The exchange was not made: %(why)s") % {"why": _why(exc)})
        return None


def _exchange_review(request: HttpRequest, order: Order, data: ExchangeIn) -> HttpResponse | None:
    """A difference charged to a card on file is confirmed first, as a sale is: the amount
    and the card's last digits, then a button that charges exactly that (``None``: nothing
    to confirm, the exchange goes on)."""
    if operations.exchange_made(data.idempotency_key):
        return None  # sent twice: the exchange answers with the one made
    try:
        found = exchange_plans.preview_exchange(order, data)
    except CommerceError:
        return None  # the exchange itself refuses it, saying why
    if not found.charges_card or data.payment is not None:
        return None
    skip = ("csrfmiddlewaretoken", "idempotency_key")
    kept = [(name, value) for name, value in request.POST.items() if name not in skip]
    return _page(
        request,
        "commerce/exchange_review.html",
        {
            "order": order,
            "preview": found,
            "fields": kept,
            "idempotency_key": data.idempotency_key or uuid.uuid4().hex,
        },
    )


def _exchange(request: HttpRequest, order: Order, data: ExchangeIn) -> Exchange | None:
    try:
        done, _created = exchanges.exchange(order, data, _ctx(request))
    except (ValidationError, ValueError, CommerceError) as exc:
        messages.error(request, _("The exchange was not made: %(why)s") % {"why": _why(exc)})
        return None
    messages.success(request, _exchanged_message(done))
    return done


def _exchanged_message(done: Exchange) -> str:
    payment = done.replacement.payments.order_by("-id").first()
    label = payment.method_label if payment is not None else ""
    how = {"cash": _("cash"), "till": _("at the till")}.get(label, label)
    if done.difference > 0:
        money = _("%(amount)s charged (%(how)s)") % {"amount": done.difference, "how": how}
    elif done.difference < 0:
        money = _("%(amount)s refunded to the original payment") % {"amount": -done.difference}
    else:
        money = _("no difference to pay")
    return _("Exchange %(number)s made: %(money)s.") % {"number": done.number, "money": money}
