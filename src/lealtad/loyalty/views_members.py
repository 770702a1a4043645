"""Loyalty's pages: the programs with their tiers, rules and bonuses (``loyalty:home``), a
member's page (standing, ledger, statement, a manual adjustment with a reason) and the
printable statement."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lealtad.core.access import principal, require
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.customers import selectors as customer_selectors
from lealtad.customers.selectors import subject as customer_subject
from lealtad.loyalty import selectors
from lealtad.loyalty.models import Member
from lealtad.loyalty.services import movements
from lealtad.loyalty.services.common import LoyaltyRefused
from lealtad.loyalty.statements import month_range


def readable_member(request: HttpRequest, member_id: int) -> Member:
    return _member_and_name(request, member_id)[0]


def _member_and_name(request: HttpRequest, member_id: int) -> tuple[Member, str]:
    """The member the reader may see, with its customer's name (the customers context's
    reading of the record: an erased customer shows its number)."""
    found = selectors.member(member_id)
    reader = principal(request).reader
    customer = None if found is None else customer_selectors.readable(found.customer_id, reader)
    if found is None or customer is None:
        raise Http404(_("There is no such member."))
    return found, customer.display_name or f"#{found.customer_id}"


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    require(request, Capability.LOYALTY_MANAGE)
    query = request.GET.get("q", "")
    members = list(selectors.members(query))
    names = customer_subject.display_names([m.customer_id for m in members])
    context = {
        "programs": selectors.programs(),
        "members": [(m, names.get(m.customer_id) or f"#{m.customer_id}") for m in members],
        "query": query,
    }
    return render(request, "loyalty/home.html", context)


@login_required
@require_GET
def member_page(request: HttpRequest, member_id: int) -> HttpResponse:
    who = require(request, Capability.VIEW)
    found, name = _member_and_name(request, member_id)
    first, last = month_range(request.GET.get("month"))
    context = {
        "member": found,
        "customer_name": name,
        "standing": selectors.standing(found),
        "entries": selectors.ledger(found, 100),
        "redemptions": selectors.redemptions(found, 20),
        "statement": selectors.statement(found, first, last),
        "month": first.strftime("%Y-%m"),
        "can_adjust": who.can(Capability.LOYALTY_MANAGE),
        "key": uuid.uuid4().hex,
    }
    return render(request, "loyalty/member.html", context)


@login_required
@require_GET
def statement_page(request: HttpRequest, member_id: int) -> HttpResponse:
    """The statement to print: the browser's print prints this page alone."""
    require(request, Capability.VIEW)
    found, name = _member_and_name(request, member_id)
    first, last = month_range(request.GET.get("month"))
    context = {
        "member": found,
        "customer_name": name,
        "statement": selectors.statement(found, first, last),
    }
    return render(request, "loyalty/statement.html", context)


@login_required
@require_POST
def adjust(request: HttpRequest, member_id: int) -> HttpResponse:
    who = require(request, Capability.LOYALTY_MANAGE)
    found = readable_member(request, member_id)
    raw = request.POST.get("points", "").strip()
    with shown_as_message(request) as outcome:
        if not raw.lstrip("-").isdigit():
            raise LoyaltyRefused(_("Points are a whole number, e.g. 250 or -100."), field="points")
        row = movements.Adjust(
            found.pk, int(raw), request.POST.get("reason", ""), request.POST.get("key", "")
        )
        movements.adjust([row], who.actor)
    if not outcome.refused:
        messages.success(request, _("Points adjusted."))
    return redirect(reverse("loyalty:member", args=[found.pk]))


urlpatterns = [
    path("", home, name="home"),
    path("members/<int:member_id>/", member_page, name="member"),
    path("members/<int:member_id>/statement/", statement_page, name="statement"),
    path("members/<int:member_id>/adjust/", adjust, name="adjust"),
]
