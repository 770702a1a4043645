"""A campaign's results page: what went, what came back, what it earned and cost, and the
lift over its control group with the 95 % interval, in words a marketer reads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.marketing.selectors import results as reads


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


@login_required
@require_GET
def campaign_results(request: HttpRequest, campaign_id: int) -> HttpResponse:
    require(request, Capability.MARKETING_VIEW)
    found = reads.results(campaign_id)
    if found is None:
        raise Http404("no such campaign")
    rate = found.conversion
    context = {
        "r": found,
        "rate": {
            "treated": _percent(rate.treated_rate),
            "control": _percent(rate.control_rate),
            "absolute": _percent(rate.absolute),
            "relative": _percent(rate.relative),
            "low": _percent(rate.ci_low),
            "high": _percent(rate.ci_high),
            "significant": rate.significant,
            "note": rate.note,
        },
        "money": found.revenue_per_recipient,
        "roi": _percent(found.roi),
    }
    return render(request, "marketing/results/campaign.html", context)


@login_required
@require_GET
def campaign_results_csv(request: HttpRequest, campaign_id: int) -> HttpResponse:
    require(request, Capability.MARKETING_VIEW)
    found = reads.results(campaign_id)
    if found is None:
        raise Http404("no such campaign")
    response = HttpResponse(reads.as_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign_id}.csv"'
    return response


urlpatterns = [
    path("campaigns/<int:campaign_id>/results/", campaign_results, name="campaign_results"),
    path(
        "campaigns/<int:campaign_id>/results.csv",
        campaign_results_csv,
        name="campaign_results_csv",
    ),
]
