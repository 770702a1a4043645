"""Scoring pages: the monthly Brier report (``sales:scoring``) and a lead's score with the
factors behind it (``sales:scoring_lead``; its fragment ``sales/scoring_factors.html`` is
what a lead page includes, fed by :func:`score_context`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.sales import selectors
from lealtad.sales.choices import OPEN_LEAD_STATUSES
from lealtad.sales.models import Lead
from lealtad.sales.services import scoring

FACTOR_LABELS = {
    "visits": _("Activities logged"),
    "emails_opened": _("Campaign messages received"),
    "days_since_touch": _("Days since the last touch"),
    "rule_points": _("Customer value tier (points)"),
    "has_company": _("Company named"),
    "known_customer": _("Known customer"),
    "source": _("Source"),
    "stage_weight": _("Stage weight"),
}
REASONS = {
    "too_little_history": _("too little history to learn from"),
    "one_outcome_history": _("history of one outcome only"),
}
VALUES = {"true": _("yes"), "false": _("no")}


def score_context(lead: Lead) -> dict[str, Any]:
    """What ``sales/scoring_factors.html`` shows: the score and its factors in words."""
    factors = []
    for item in lead.score_basis or []:
        key, value = str(item.get("factor", "")), str(item.get("value", ""))
        weight = float(item.get("weight") or 0.0)
        shown = REASONS.get(value) if key == "stage_weight" else VALUES.get(value, value)
        factors.append(
            {
                "label": FACTOR_LABELS.get(key, key),
                "value": shown or value,
                "weight": weight,
                "raises": weight > 0,
                "lowers": weight < 0,
            }
        )
    return {
        "lead": lead,
        "score": lead.score,
        "factors": factors,
        "open": lead.status in OPEN_LEAD_STATUSES,
    }


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SALES_WORK)
    months = [row.as_dict() for row in scoring.monthly_report(12)]
    return render(request, "sales/scoring.html", {"months": months})


@login_required
@require_GET
def lead_score(request: HttpRequest, lead_id: int) -> HttpResponse:
    require(request, Capability.SALES_WORK)
    return render(request, "sales/scoring_lead.html", score_context(selectors.lead(lead_id)))


urlpatterns = [
    path("scoring/", report, name="scoring"),
    path("leads/<int:lead_id>/score/", lead_score, name="scoring_lead"),
]
