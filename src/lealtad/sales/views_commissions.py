"""The commission pages for a sales manager (``/sales/commissions/``): the rules (an
overlapping one is refused with both named), a rep's period previewed before settling,
the settlement, and the statements settled."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.roles import Capability
from lealtad.sales import selectors_commissions
from lealtad.sales.models import CommissionBasis, CustomerKind
from lealtad.sales.services import commission_rules, commissions

RULE_INPUTS = commission_rules.RULE_FIELDS


def _context(**extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "rules": selectors_commissions.rules(),
        "reps": selectors_commissions.reps(),
        "bases": CommissionBasis.choices,
        "kinds": CustomerKind.choices,
        "statements": selectors_commissions.statements(limit=50),
        "period": {"start": today.replace(day=1).isoformat(), "end": today.isoformat()},
        "values": {},
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def commissions_page(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.SALES_MANAGE)
    if request.method == "GET":
        return render(request, "sales/commissions.html", _context())
    values = {name: request.POST.get(name, "") for name in RULE_INPUTS}
    try:
        rule = commission_rules.save_rule(values, who.actor)
    except DomainError as refused:
        page = _context(values=values, refused=refused)
        return render(
            request,
            "sales/commissions.html",
            page,
            status=409 if refused.kind == "conflict" else 400,
        )
    messages.success(request, str(rule))
    return redirect("sales:commissions")


def _period(request: HttpRequest) -> commissions.Period:
    source = request.POST if request.method == "POST" else request.GET
    return commissions.check_period(source.get("rep", ""), source.get("start"), source.get("end"))


@login_required
@require_GET
def preview_page(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SALES_MANAGE)
    try:
        document = commissions.preview(_period(request))
    except DomainError as refused:
        return render(request, "sales/commissions.html", _context(refused=refused), status=400)
    return render(request, "sales/commission_statement.html", {"doc": document})


@login_required
@require_POST
def settle_page(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.SALES_MANAGE)
    try:
        document = commissions.settle(_period(request), who.actor)
    except DomainError as refused:
        status = 409 if refused.kind == "conflict" else 400
        return render(request, "sales/commissions.html", _context(refused=refused), status=status)
    return redirect(reverse("sales:commission_statement", args=[document["statement_id"]]))


@login_required
@require_GET
def statement_page(request: HttpRequest, statement_id: int) -> HttpResponse:
    require(request, Capability.SALES_MANAGE)
    document = commissions.statement_document(statement_id)
    return render(request, "sales/commission_statement.html", {"doc": document})


urlpatterns = [
    path("commissions/", commissions_page, name="commissions"),
    path("commissions/preview/", preview_page, name="commission_preview"),
    path("commissions/settle/", settle_page, name="commission_settle"),
    path("commissions/statements/<int:statement_id>/", statement_page, name="commission_statement"),
]
