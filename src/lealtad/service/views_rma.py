"""RMA pages: the list with a status filter, an RMA's page with the next steps its state
allows (receive, inspect, repair / replace / refund, cancel), and authorizing one from a case.
Thin: capability, form values, service or selector; refusals shown in words on the page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.commerce.selectors.availability import locations
from lealtad.commerce.selectors.orders import customer_orders
from lealtad.core.access import Principal, require
from lealtad.core.audit import Actor
from lealtad.core.envelope import BUILTIN_CHANNELS
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.customers.selectors import readable
from lealtad.service.models import Rma
from lealtad.service.selectors import cases as case_reads
from lealtad.service.selectors import field as reads
from lealtad.service.services import rma
from lealtad.service.services.field_common import FieldNotFound, FieldRefused

T = "service/rma/"
LINE_ROWS = 3  # the form offers three lines; blank ones are left out


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, channel="web")


def _found(who: Principal, number: str) -> Rma:
    """The RMA, if its customer is one the person may read (else not there for them)."""
    found = reads.rma(number)
    if found is None or readable(found.customer_id, who.reader) is None:
        raise Http404
    return found


@login_required
@require_GET
def list_page(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SERVICE_HANDLE)
    status = request.GET.get("status", "")
    if status not in Rma.Status.values:
        status = ""
    context = {
        "rows": reads.rmas(status=status, limit=200),
        "status": status,
        "statuses": Rma.Status.choices,
        "section": "rma",
    }
    return render(request, T + "list.html", context)


def _steps(found: Rma) -> dict[str, bool]:
    """Which forms the page shows: the ones services/rma.py accepts in this state."""
    authorized = found.status == Rma.Status.AUTHORIZED
    return {
        "receive": authorized and found.return_required,
        "inspect": found.status == Rma.Status.RECEIVED
        or (authorized and not found.return_required),
        "resolve": found.status == Rma.Status.INSPECTED,
        "cancel": authorized,
    }


@login_required
@require_GET
def rma_page(request: HttpRequest, number: str) -> HttpResponse:
    who = require(request, Capability.SERVICE_HANDLE)
    found = _found(who, number)
    customer = readable(found.customer_id, who.reader)
    resolutions = [
        (value, label)
        for value, label in Rma.Resolution.choices
        if value != Rma.Resolution.REPLACE or found.return_required
    ]
    places = list(locations())
    context = {
        "rma": found,
        "customer": customer,
        "lines": list(found.lines.all()),
        "steps": _steps(found),
        "resolutions": resolutions,
        "locations": places,
        "location_names": {place.code: place.name for place in places},
        "channels": BUILTIN_CHANNELS,
        "section": "rma",
    }
    return render(request, T + "rma.html", context)


def _money(text: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise FieldRefused(
            _("%(v)s is not an amount (write 12.50)."), field="refund_amount", v=text[:20]
        ) from None


def _act(request: HttpRequest, number: str, action: str) -> str:
    """Run one step; the sentence to show when it went through."""
    post, actor = request.POST, _actor(request)
    if action == "receive":
        rma.receive(number, post.get("location", "").strip(), actor, post.get("channel", ""))
        return _("Goods received.")
    if action == "inspect":
        faulty = post.get("faulty", "")
        if faulty not in ("yes", "no"):
            raise FieldRefused(_("Say whether the goods are faulty."), field="faulty")
        rma.inspect(number, faulty == "yes", post.get("note", ""), actor)
        return _("Inspection recorded.")
    if action == "resolve":
        amount = _money(post.get("refund_amount", ""))
        done = rma.resolve(number, post.get("resolution", ""), actor, amount)
        return _("Resolved: %(r)s.") % {"r": done.get_resolution_display()}
    if action == "cancel":
        rma.cancel(number, actor)
        return _("RMA cancelled.")
    raise Http404


@login_required
@require_POST
def rma_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """receive | inspect | resolve | cancel, then back to the RMA's page."""
    who = require(request, Capability.SERVICE_HANDLE)
    _found(who, number)
    with shown_as_message(request) as outcome:
        said = _act(request, number, action)
    if not outcome.refused:
        messages.success(request, said)
    return redirect(reverse("service:rma", args=[number]))


@login_required
@require_GET
def for_case(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's RMA panel (htmx loads it): the case's RMAs, newest first."""
    require(request, Capability.SERVICE_HANDLE)
    return render(request, T + "_for_case.html", {"rows": reads.rmas(case_id=case_id)})


def _form_values(request: HttpRequest, case: Any) -> dict[str, Any]:
    post = request.POST
    if request.method == "POST":
        lines = [
            {
                k: post.get(f"{k}_{i}", "").strip()
                for k in ("order_number", "sku", "quantity", "serial")
            }
            for i in range(LINE_ROWS)
        ]
        return {
            "reason": post.get("reason", ""),
            "channel": post.get("channel", ""),
            "return_required": post.get("return_required", ""),
            "lines": lines,
        }
    first = {"order_number": case.order_number, "sku": case.product_sku, "quantity": "1"}
    blank = {"order_number": "", "sku": "", "quantity": "", "serial": ""}
    return {
        "reason": case.subject[:250],
        "channel": case.channel if case.channel in BUILTIN_CHANNELS else "call_center",
        "return_required": "",
        "lines": [blank | first] + [dict(blank) for _i in range(LINE_ROWS - 1)],
    }


def _quantity(text: str, i: int) -> int:
    if not text:
        return 1
    if not text.isdigit():
        raise FieldRefused(
            _("%(v)s is not a number of units."), field=f"lines.{i}.quantity", v=text[:20]
        )
    return int(text)


def _new_rma(form: dict[str, Any], case: Any) -> rma.NewRma:
    lines = [
        rma.RmaLineIn(ln["order_number"], ln["sku"], _quantity(ln["quantity"], i), ln["serial"])
        for i, ln in enumerate(form["lines"])
        if ln["order_number"] or ln["sku"]
    ]
    needs = {"yes": True, "no": False}.get(form["return_required"])
    return rma.NewRma(
        customer_id=case.customer_id,
        reason=form["reason"],
        lines=lines,
        case_id=case.pk,
        channel=form["channel"] or "web",
        return_required=needs,
    )


def _case_for_rma(who: Principal, case_id: str) -> Any:
    case = case_reads.case(int(case_id)) if case_id.isdigit() else None
    if case is None:
        raise Http404
    if case.customer_id is None:
        raise FieldNotFound(
            _("Case %(c)s has no customer: an RMA returns a customer's orders."),
            field="case",
            c=case.number,
        )
    if readable(case.customer_id, who.reader) is None:
        raise Http404
    return case


@login_required
@require_http_methods(["GET", "POST"])
def new_page(request: HttpRequest) -> HttpResponse:
    """Authorize an RMA for a case's customer (``?case=ID``), from one or several orders."""
    who = require(request, Capability.SERVICE_HANDLE)
    case = _case_for_rma(who, request.GET.get("case", ""))
    form = _form_values(request, case)
    status = 200
    if request.method == "POST":
        with shown_as_message(request) as outcome:
            made = rma.authorize(_new_rma(form, case), _actor(request))
        if not outcome.refused:
            messages.success(request, _("%(n)s authorized.") % {"n": made.number})
            return redirect(reverse("service:rma", args=[made.number]))
        status = 422
    context = {
        "case": case,
        "form": form,
        "orders": customer_orders(case.customer_id, limit=10),
        "channels": BUILTIN_CHANNELS,
        "section": "rma",
    }
    return render(request, T + "new.html", context, status=status)


urlpatterns = [
    path("rma/", list_page, name="rma_list"),
    path("rma/new/", new_page, name="rma_new"),
    path("rma/for-case/<int:case_id>/", for_case, name="rma_for_case"),
    path("rma/<str:number>/", rma_page, name="rma"),
    path("rma/<str:number>/<slug:action>", rma_act, name="rma_act"),
]
