"""The sales dashboard (``sales:dashboard``): pipeline by stage, win rate, cycle time, leads
and wins per source, and the forecast against what closed, as charts drawn by the analytics
pages' Chart.js script, each with its numbers in a table."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.sales import selectors_acquisition, selectors_dashboard
from lealtad.sales.selectors_dashboard import Chart

MONTHS = 12


def _panel(key: str, title: str, chart: Chart, kind: str, unit: str, note: str = "") -> dict:
    return {
        "id": key,
        "data_id": f"{key}-data",
        "title": title,
        "kind": kind,
        "unit": unit,
        "chart": chart.data(),
        "columns": [name for name, _values in chart.datasets],
        "rows": chart.rows(),
        "empty": not chart.labels,
        "note": note,
    }


def _forecast_chart() -> Chart:
    result = selectors_dashboard.forecast_against_won(timezone.localdate(), MONTHS)
    return Chart(
        [m.month.strftime("%m/%Y") for m in result.months],
        [
            (_("Weighted forecast"), [float(m.forecast) for m in result.months]),
            (_("Won"), [float(m.actual) for m in result.months]),
        ],
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SALES_WORK)
    months = selectors_dashboard.months_back(timezone.localdate(), MONTHS)
    rate, cycle = selectors_dashboard.win_rate_and_cycle(months, _("Win rate"), _("Days"))
    panels = [
        _panel(
            "pipeline",
            _("Open pipeline by stage"),
            selectors_dashboard.pipeline_by_stage(_("Weighted"), _("Amount")),
            "bar",
            "money",
        ),
        _panel("winrate", _("Win rate (won of decided)"), rate, "line", "percent"),
        _panel("cycle", _("Cycle time (days from opening to won)"), cycle, "bar", "number"),
        _panel(
            "sources",
            _("Leads and won deals per source"),
            selectors_dashboard.leads_by_source(_("Leads"), _("Won")),
            "bar",
            "number",
        ),
        _panel(
            "acquisition",
            _("Acquisition cost per channel"),
            selectors_acquisition.cost_chart(
                months[0], months[-1], _("Cost per lead"), _("Cost per won customer")
            ),
            "bar",
            "money",
            _("The spend recorded per lead source (lealtad sales spend) over the same months."),
        ),
        _panel("forecast", _("Forecast against what closed"), _forecast_chart(), "bar", "money"),
    ]
    return render(request, "sales/dashboard.html", {"panels": panels})


urlpatterns = [path("dashboard/", dashboard, name="dashboard")]
