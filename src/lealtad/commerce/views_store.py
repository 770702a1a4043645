"""The store's back room on the handheld: a transfer's page (ship it, receive it with what
arrived, call it off) and its pick list; a pickup order handed over; the printable sale and
return receipts and an order's pick list.

Who may do what (core/roles.py): asking for stock is selling (``SELL``); shipping, receiving,
cancelling a transfer and handing a pickup order over are fulfilment (``FULFIL``) and only at
a location the user works at (groups ``store:<code>``; none: every location). The pages show
only the buttons the user may press; the posts check again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from pydantic import ValidationError

from lealtad.commerce import selectors
from lealtad.commerce.models import Transfer
from lealtad.commerce.schemas import TransferLineIn, TransferReceiveIn, TransferShipIn
from lealtad.commerce.selectors import operations as selectors_operations
from lealtad.commerce.selectors import store_documents as documents
from lealtad.commerce.services import CommerceError, handovers, transfers
from lealtad.commerce.views import (
    CHANNEL,
    _ctx,
    _page,
    _quantity,
    _store,
    may_fulfil_at,
    works_at,
)
from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.roles import Capability


def _why(exc: Exception) -> str:
    """A refusal in the user's words: the service's sentence, never a field path."""
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
    return str(exc)


# Transfers ----------------------------------------------------------------------------------


def _transfer(number: str) -> Transfer:
    found = selectors_operations.transfer(number)
    if found is None:
        raise Http404(_("No such transfer."))
    return found


def _transfer_actions(request: HttpRequest, t: Transfer) -> dict[str, bool]:
    requested = t.status == Transfer.Status.REQUESTED
    return {
        "can_ship": requested and may_fulfil_at(request, t.from_location),
        "can_cancel": requested
        and (may_fulfil_at(request, t.from_location) or may_fulfil_at(request, t.to_location)),
        "can_receive": t.status == Transfer.Status.IN_TRANSIT
        and may_fulfil_at(request, t.to_location),
    }


@login_required
@require_GET
def transfer(request: HttpRequest, number: str) -> HttpResponse:
    require(request, Capability.LOOKUP)
    found = _transfer(number)
    return _page(
        request,
        "commerce/transfer.html",
        {
            "t": found,
            **documents.transfer_facts(found),
            **_transfer_actions(request, found),
        },
    )


@login_required
@require_POST
def transfer_step(request: HttpRequest, number: str) -> HttpResponse:
    """Ship, receive (with the quantities that arrived) or cancel; refused unless the user
    may do that step where it happens."""
    require(request, Capability.FULFIL)
    found = _transfer(number)
    action = request.POST.get("action", "")
    allowed = _transfer_actions(request, found)
    if not allowed.get(f"can_{action}"):
        messages.error(request, _refusal(found, action))
        return redirect("commerce:transfer", found.number)
    try:
        _do(request, found, action)
    except (ValidationError, ValueError, CommerceError) as exc:
        messages.error(request, _("Nothing was done: %(why)s") % {"why": _why(exc)})
    return redirect("commerce:transfer", found.number)


def _refusal(t: Transfer, action: str) -> str:
    if action == "ship":
        return _("Only the sending location can ship a requested transfer.")
    if action == "receive":
        return _("Only the receiving store can receive a transfer on its way.")
    if action == "cancel":
        return _("A transfer can be cancelled only before it is shipped, by either location.")
    return _("Choose ship, receive or cancel.")


def _do(request: HttpRequest, t: Transfer, action: str) -> None:
    ctx = _ctx(request)
    if action == "ship":
        transfers.ship_transfer(
            t,
            TransferShipIn(
                channel=CHANNEL,
                carrier=request.POST.get("carrier", "").strip()[:80],
                tracking=request.POST.get("tracking", "").strip()[:120],
            ),
            ctx,
        )
        messages.success(request, _("Transfer %(number)s shipped.") % {"number": t.number})
    elif action == "receive":
        sent = list(t.lines.select_related("variant"))
        arrived = [
            (ln.variant.sku, _quantity(request.POST.get(f"received-{ln.pk}"))) for ln in sent
        ]
        for line, (sku, q) in zip(sent, arrived, strict=True):
            if q > line.quantity:
                raise ValueError(
                    _("%(sku)s: %(n)s arrived but only %(sent)s were sent")
                    % {"sku": sku, "n": q, "sent": line.quantity}
                )
        if not any(q for _sku, q in arrived):  # no lines would mean "everything arrived"
            raise ValueError(_("enter how many units of each item arrived"))
        lines = [TransferLineIn(sku=sku, quantity=q) for sku, q in arrived if q]
        done = transfers.receive_transfer(t, TransferReceiveIn(channel=CHANNEL, lines=lines), ctx)
        short = sum(line.quantity - line.received for line in done.lines.all())
        if short:
            messages.warning(
                request,
                _("Transfer %(number)s received; %(short)s units short, recorded.")
                % {"number": t.number, "short": short},
            )
        else:
            messages.success(request, _("Transfer %(number)s received.") % {"number": t.number})
    else:
        transfers.cancel_transfer(t, ctx)
        messages.success(request, _("Transfer %(number)s cancelled.") % {"number": t.number})


@login_required
@require_GET
def transfer_pick_list(request: HttpRequest, number: str) -> HttpResponse:
    require(request, Capability.LOOKUP)
    found = _transfer(number)
    return render(
        request,
        "commerce/pick_list.html",
        {
            "title": _("Pick list for transfer %(number)s") % {"number": found.number},
            "t": found,
            "rows": documents.transfer_pick_list(found),
            "back": ("commerce:transfer", found.number),
        },
    )


# Orders: hand-over, receipt, pick list -------------------------------------------------------


@login_required
@require_POST
def hand_over(request: HttpRequest, number: str) -> HttpResponse:
    """The pickup order leaves with the person named; FULFIL at the pickup store."""
    require(request, Capability.FULFIL)
    order = selectors.order_detail(number)
    if order is None:
        raise Http404(_("No such order."))
    if not works_at(request, order.pickup_location):
        messages.error(request, _("Only the pickup store can hand this order over."))
        return redirect("commerce:order", order.number)
    assert order.pickup_location is not None
    row = handovers.Handover(
        order=order.number,
        picked_up_by=request.POST.get("picked_up_by", ""),
        id_document=request.POST.get("id_document", ""),
    )
    try:
        handovers.hand_over([row], order.pickup_location, _ctx(request))
    except (ValueError, CommerceError) as exc:
        messages.error(request, _("Not handed over: %(why)s") % {"why": _why(exc)})
    else:
        messages.success(
            request,
            _("Order %(number)s handed over to %(who)s.")
            % {"number": order.number, "who": row.picked_up_by.strip()},
        )
    return redirect("commerce:order", order.number)


def _receipt_page(request: HttpRequest, receipt: Any, back: tuple[str, str]) -> HttpResponse:
    if receipt is None:
        raise Http404(_("No such receipt."))
    return render(request, "commerce/receipt.html", {"r": receipt, "back": back})


@login_required
@require_GET
def order_receipt(request: HttpRequest, number: str) -> HttpResponse:
    require(request, Capability.VIEW)
    return _receipt_page(request, documents.sale_receipt(number), ("commerce:order", number))


@login_required
@require_GET
def return_receipt(request: HttpRequest, number: str) -> HttpResponse:
    require(request, Capability.VIEW)
    found = documents.return_receipt(number)
    return _receipt_page(request, found, ("commerce:order", found.order if found else ""))


@login_required
@require_GET
def order_pick_list(request: HttpRequest, number: str) -> HttpResponse:
    require(request, Capability.VIEW)
    order = selectors.order_detail(number)
    if order is None:
        raise Http404(_("No such order."))
    return render(
        request,
        "commerce/pick_list.html",
        {
            "title": _("Pick list for order %(number)s") % {"number": order.number},
            "order": order,
            "rows": documents.order_pick_list(order),
            "back": ("commerce:order", order.number),
            "store": _store(request),
        },
    )
