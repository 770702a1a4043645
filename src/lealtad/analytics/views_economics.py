"""The channel-economics pages: the figures (channel curve, segment-by-channel map with the
best channel per segment, products per customer, cohorts), the acquisition costs a manager
enters, and the maturity questionnaire beside the evidence. Thin: capability, scope, the
selectors to read and the services to write; a refusal is shown beside its field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.analytics.selectors import economics as selectors
from lealtad.analytics.selectors.scope import scope_of
from lealtad.analytics.services import economics as services
from lealtad.channels import services as channel_services
from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability

COST_FIELDS = ("period_start", "period_end", "channel", "segment", "campaign", "amount", "currency")


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.ANALYTICS_VIEW)
    scope = scope_of(who)
    months = 12
    cells = selectors.segment_channel_map(scope)
    return render(
        request,
        "analytics/economics/overview.html",
        {
            "curve": selectors.channel_curve(scope),
            "map": cells,
            "best": selectors.best_channel_per_segment(scope),
            "products": selectors.products_per_customer(scope),
            "cohorts": _heat(selectors.cohort_matrix(scope, "retention", months)),
            "months": range(months),
        },
    )


def _heat(matrix: dict[str, Any]) -> list[dict[str, Any]]:
    """Each cohort's cells as a percentage and a shade class (the CSP allows no inline
    style): ``heat-0`` (few came back) to ``heat-9`` (nearly all), ``heat-none`` not yet."""
    rows = []
    for cohort in matrix["cohorts"]:
        cells = []
        for share in cohort["cells"]:
            if share is None:
                cells.append({"text": "", "shade": "heat-none"})
            else:
                cells.append(
                    {"text": f"{share * 100:.0f}%", "shade": f"heat-{min(9, int(share * 10))}"}
                )
        rows.append(
            {"cohort": cohort["cohort"][:7], "customers": cohort["customers"], "cells": cells}
        )
    return rows


def _cost_page(
    request: HttpRequest, who: Any, entered: dict[str, str], refusal: DomainError | None
) -> HttpResponse:
    status = 200 if refusal is None else refusal.status
    return render(
        request,
        "analytics/economics/costs.html",
        {
            "costs": selectors.acquisition_costs(scope_of(who)),
            "can_manage": who.can(Capability.ANALYTICS_MANAGE),
            "channels": sorted(channel_services.known_channels()),
            "entered": entered,
            "refusal": refusal,
            "error_field": refusal.field if refusal is not None else "",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def acquisition_costs(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.ANALYTICS_VIEW)
    if request.method != "POST":
        return _cost_page(request, who, {"currency": "USD"}, None)
    require(request, Capability.ANALYTICS_MANAGE)
    entered = {name: request.POST.get(name, "") for name in COST_FIELDS}
    try:
        services.record_acquisition_cost(entered, user=request.user)
    except DomainError as exc:
        return _cost_page(request, who, entered, exc)
    selectors.forget()
    messages.success(request, _("Acquisition cost recorded."))
    return redirect("analytics:acquisition_costs")


@login_required
@require_POST
def withdraw_cost(request: HttpRequest, cost_id: int) -> HttpResponse:
    require(request, Capability.ANALYTICS_MANAGE)
    with shown_as_message(request, _("Not withdrawn: %(reason)s")) as outcome:
        services.withdraw_acquisition_cost(cost_id, user=request.user)
    if not outcome.refused:
        selectors.forget()
        messages.success(request, _("Acquisition cost withdrawn."))
    return redirect("analytics:acquisition_costs")


@login_required
@require_http_methods(["GET", "POST"])
def maturity(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.ANALYTICS_VIEW)
    refusal: DomainError | None = None
    answers: dict[str, Any] = {}
    if request.method == "POST":
        require(request, Capability.ANALYTICS_MANAGE)
        answers = {q["id"]: request.POST.get(q["id"], "") for q in selectors.maturity_questions()}
        try:
            services.record_maturity_assessment(
                {q: _whole(v) for q, v in answers.items() if v.strip()},
                request.POST.get("note", ""),
                user=request.user,
            )
        except DomainError as exc:
            refusal = exc
        else:
            messages.success(request, _("Maturity assessment recorded."))
            return redirect("analytics:maturity")
    found = selectors.maturity(scope_of(who))
    if not answers and found["questionnaire"]:
        answers = {q: str(v) for q, v in found["questionnaire"]["answers"].items()}
    error_field = refusal.field if refusal is not None else ""
    questions = [
        {
            **q,
            "answer": str(answers.get(q["id"], "")),
            "error": error_field == f"answers.{q['id']}",
        }
        for q in selectors.maturity_questions()
    ]
    return render(
        request,
        "analytics/economics/maturity.html",
        {
            "found": found,
            "questions": questions,
            "scale": [
                ("0", _("not at all")),
                ("1", _("a little")),
                ("2", _("partly")),
                ("3", _("mostly")),
                ("4", _("fully")),
            ],
            "can_manage": who.can(Capability.ANALYTICS_MANAGE),
            "refusal": refusal,
        },
        status=refusal.status if refusal is not None else 200,
    )


def _whole(value: str) -> Any:
    """A form's answer as a whole number when it is one; otherwise as typed, for the
    service to refuse with the question named."""
    text = value.strip()
    return int(text) if text.lstrip("-").isdigit() else text
