"""The campaign calendar: a month grid, campaigns on the days they run, coloured by status,
with the previous and next month one click away."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.marketing.selectors import calendar as reads


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    require(request, Capability.MARKETING_VIEW)
    problem = ""
    try:
        year, month_number = reads.parse_month(request.GET.get("month"))
    except ValueError:
        problem = _("Write the month as YYYY-MM, e.g. 2026-12.")
        year, month_number = reads.parse_month(None)
    found = reads.month(year, month_number)
    weekdays = [formats.date_format(day["date"], "D") for day in found.weeks[0]]
    title = formats.date_format(date(year, month_number, 1), "F Y")
    return render(
        request,
        "marketing/calendar/month.html",
        {"m": found, "title": title, "weekdays": weekdays, "problem": problem},
        status=422 if problem else 200,
    )


urlpatterns = [path("calendar/", calendar, name="calendar")]
