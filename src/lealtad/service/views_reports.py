"""The supervisors' reports page (``/service/reports/``): the service desk's figures for a
period picked on the page, as tables with simple bars, and each report as a CSV download
(``/service/reports/<name>.csv``). Thin: capability, period, selector."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from lealtad.core.access import require
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.customers.selectors import subject as customer_subject
from lealtad.service.choices import CaseCategory
from lealtad.service.models import SupportGroup
from lealtad.service.selectors import metrics, reports

T = "service/reports/"
ASKED = ("from", "to", "group", "channel", "category")


def _asked(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "")[:60] for name in ASKED}


def _scope(request: HttpRequest) -> metrics.Scope:
    a = _asked(request)
    return metrics.scope_of(a["from"], a["to"], a["group"], a["channel"], a["category"])


def _bars(days: list[dict[str, Any]]) -> int:
    """The longest bar of the per-day chart (at least 1, so empty days draw nothing)."""
    return max([1, *(max(d["opened"], d["resolved"]) for d in days)])


@login_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    """A bad day is named in the page's message and the last 30 days are shown instead."""
    require(request, Capability.SERVICE_SUPERVISE)
    scope = None
    with shown_as_message(request):
        scope = _scope(request)
    if scope is None:
        scope = metrics.scope_of()
    found = reports.figures(scope)
    query = {k: v for k, v in _asked(request).items() if v}
    context = {
        "f": found,
        "asked": _asked(request),
        "first_day": timezone.localdate(scope.since),
        "end_day": timezone.localdate(scope.until),
        "most": _bars(found["backlog"]["daily"]),
        "names": list(reports.REPORTS),
        "query": urlencode(query),
        "groups": SupportGroup.objects.filter(active=True),
        "group_names": dict(SupportGroup.objects.values_list("name", "label")),
        "customer_names": customer_subject.display_names(
            [c["customer_id"] for c in found["cost"]["dearest_customers"]]
        ),
        "categories": CaseCategory.choices,
    }
    return render(request, T + "reports.html", context)


@login_required
@require_GET
def report_csv(request: HttpRequest, name: str) -> HttpResponse:
    require(request, Capability.SERVICE_SUPERVISE)
    scope = _scope(request)
    response = HttpResponse(reports.as_csv(name, scope), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{reports.file_name(name, scope)}"'
    return response


urlpatterns = [
    path("reports/", reports_page, name="reports"),
    path("reports/<slug:name>.csv", report_csv, name="report_csv"),
]
