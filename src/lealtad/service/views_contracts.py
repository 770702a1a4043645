"""Service contract pages: the list (in force, ended, cancelled), a contract's page (customer,
support level, coverage, validity, products and serials), and creating, renewing and
cancelling one (supervisors). A renewal is a new contract that starts the day after the old
one ends, for as long, with the same terms: the old one stays as history.
Thin: capability, form values, service or selector; refusals shown in words on the page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.core.access import Principal, principal, require
from lealtad.core.audit import Actor
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.customers.selectors import readable
from lealtad.service.models import Coverage, ServiceContract, SupportLevel
from lealtad.service.selectors import field as reads
from lealtad.service.services import contracts
from lealtad.service.services.field_common import FieldNotFound, FieldRefused

T = "service/contracts/"
STATES = ("in_force", "ended", "cancelled")
FIELDS = ("number", "customer_id", "support_level", "coverage", "starts_on", "ends_on")


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, channel="web")


def _found(who: Principal, number: str) -> ServiceContract:
    found = reads.contract(number)
    if found is None or readable(found.customer_id, who.reader) is None:
        raise Http404
    return found


@login_required
@require_GET
def list_page(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SERVICE_HANDLE)
    state = request.GET.get("state", "")
    state = state if state in STATES else ""
    context = {
        "rows": reads.contracts_list(state),
        "state": state,
        "today": timezone.localdate(),
        "can_edit": principal(request).can(Capability.SERVICE_SUPERVISE),
        "section": "contracts",
    }
    return render(request, T + "list.html", context)


def _standing(found: ServiceContract, today: date) -> str:
    if found.cancelled:
        return _("Cancelled")
    if found.ends_on < today:
        return _("Ended")
    if found.starts_on > today:
        return _("Not yet in force")
    return _("In force")


@login_required
@require_GET
def contract_page(request: HttpRequest, number: str) -> HttpResponse:
    who = require(request, Capability.SERVICE_HANDLE)
    found = _found(who, number)
    today = timezone.localdate()
    context = {
        "contract": found,
        "customer": readable(found.customer_id, who.reader),
        "standing": _standing(found, today),
        "can_edit": who.can(Capability.SERVICE_SUPERVISE),
        "section": "contracts",
    }
    return render(request, T + "contract.html", context)


def _renewal_number(number: str) -> str:
    """``C-1`` renews as ``C-1-R1`` (then ``-R2`` …), a number no contract has yet."""
    base = number[:34]
    n = 1
    while reads.contract(f"{base}-R{n}") is not None:
        n += 1
    return f"{base}-R{n}"


def _renewal_of(old: ServiceContract) -> dict[str, Any]:
    starts = old.ends_on + timedelta(days=1)
    ends = starts + (old.ends_on - old.starts_on)
    return {
        "number": _renewal_number(old.number),
        "customer_id": str(old.customer_id),
        "support_level": old.support_level,
        "coverage": old.coverage,
        "starts_on": starts.isoformat(),
        "ends_on": ends.isoformat(),
        "serials": "\n".join(old.serials),
        "product_skus": "\n".join(old.product_skus),
        "return_required": old.return_required,
    }


def _year_after(day: date) -> date:
    """The last day of a year's contract starting on ``day``."""
    try:
        following = day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        following = day + timedelta(days=365)
    return following - timedelta(days=1)


def _form_values(request: HttpRequest, who: Principal) -> dict[str, Any]:
    if request.method == "POST":
        post = request.POST
        form: dict[str, Any] = {name: post.get(name, "").strip() for name in FIELDS}
        form["serials"] = post.get("serials", "")
        form["product_skus"] = post.get("product_skus", "")
        return form | {"return_required": post.get("return_required") == "on"}
    renew = request.GET.get("renew", "")
    if renew:
        return _renewal_of(_found(who, renew))
    today = timezone.localdate()
    return {
        "number": "",
        "customer_id": request.GET.get("customer", "")[:20],
        "support_level": SupportLevel.BASIC,
        "coverage": Coverage.BUSINESS,
        "starts_on": today.isoformat(),
        "ends_on": _year_after(today).isoformat(),
        "serials": "",
        "product_skus": "",
        "return_required": True,
    }


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldRefused(
            _("%(v)s is not a date (write YYYY-MM-DD)."), field=field, v=text[:20]
        ) from None


def _items(text: str) -> list[str]:
    """One per line or comma separated."""
    return [s.strip() for s in text.replace(",", "\n").splitlines() if s.strip()]


def _new_contract(form: dict[str, Any], who: Principal) -> contracts.NewContract:
    raw = form["customer_id"]
    customer_id = int(raw) if raw.isdigit() else 0
    if not customer_id or readable(customer_id, who.reader) is None:
        raise FieldNotFound(_("There is no customer %(c)s."), field="customer_id", c=raw[:20])
    return contracts.NewContract(
        number=form["number"],
        customer_id=customer_id,
        support_level=form["support_level"],
        starts_on=_date(form["starts_on"], "starts_on"),
        ends_on=_date(form["ends_on"], "ends_on"),
        coverage=form["coverage"],
        serials=_items(form["serials"]),
        product_skus=_items(form["product_skus"]),
        return_required=form["return_required"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_page(request: HttpRequest) -> HttpResponse:
    """A new contract, or with ``?renew=NUMBER`` the renewal of one (the form pre-filled)."""
    who = require(request, Capability.SERVICE_SUPERVISE)
    form = _form_values(request, who)
    status = 200
    if request.method == "POST":
        with shown_as_message(request) as outcome:
            made = contracts.create_contract(_new_contract(form, who), _actor(request))
        if not outcome.refused:
            messages.success(request, _("Contract %(n)s created.") % {"n": made.number})
            return redirect(reverse("service:contract", args=[made.number]))
        status = 422
    context = {
        "form": form,
        "renewing": request.GET.get("renew", ""),
        "levels": SupportLevel.choices,
        "coverages": Coverage.choices,
        "section": "contracts",
    }
    return render(request, T + "new.html", context, status=status)


@login_required
@require_POST
def cancel(request: HttpRequest, number: str) -> HttpResponse:
    who = require(request, Capability.SERVICE_SUPERVISE)
    _found(who, number)
    with shown_as_message(request) as outcome:
        contracts.cancel_contract(number, _actor(request))
    if not outcome.refused:
        messages.success(request, _("Contract %(n)s cancelled.") % {"n": number})
    return redirect(reverse("service:contract", args=[number]))


urlpatterns = [
    path("contracts/", list_page, name="contract_list"),
    path("contracts/new/", new_page, name="contract_new"),
    # A contract number may hold a slash (CT-2026/001).
    path("contracts/<path:number>/", contract_page, name="contract"),
    path("contracts/<path:number>/cancel", cancel, name="contract_cancel"),
]
