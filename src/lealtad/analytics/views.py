"""The analytics pages: the executive dashboard, each customer's value, the balanced
scorecard. Thin: each page checks its capability, reads through the selectors (with the
user's row-level scope) and acts through the services; the chart data is shaped in
:mod:`lealtad.analytics.charts`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lealtad.analytics.models import RefreshRun
from lealtad.analytics.selectors import basket, scope
from lealtad.analytics.selectors import dashboard as board
from lealtad.analytics.selectors import scorecard as scorecard_selectors
from lealtad.analytics.selectors import value as value_selectors
from lealtad.analytics.services import refresh
from lealtad.analytics.services import scorecard as scorecard_services
from lealtad.core.access import require
from lealtad.core.refusals import shown_as_message
from lealtad.core.roles import Capability
from lealtad.customers import selectors as customers_selectors
from lealtad.customers.choices import ValueTier
from lealtad.olap.query import Scope


def tier_label(tier: str) -> str:
    return str(ValueTier(tier).label) if tier in ValueTier.values else tier


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.ANALYTICS_VIEW)
    today = timezone.localdate()
    filters = board.Filters.read(request.GET)
    allowed = scope.scope_of(who)
    seen = board.narrowed(allowed, filters)
    context: dict[str, Any] = {
        **_refresh_panel(who),
        "filters": filters,
        "periods": board.PERIODS,
        "catalog": board.catalog(allowed),
        "restricted": not allowed.unrestricted,
        "kpis": board.kpis(seen, filters, today),
        "panels": [
            *board.tier_panels(seen, filters, today),
            *board.channel_panels(seen, filters, today),
        ],
        "trend": board.revenue_trend(seen, filters, today),
        "migrants_shown": seen.unrestricted,
        "query": request.GET.urlencode(),
    }
    return render(request, "analytics/dashboard.html", context)


# The dashboard's panels over the customers' whole history, read after the page has shown
# (htmx asks for each on load): they take the longest, and the rest need not wait for them.
# The migrants too: every month's matrix reads the whole tier history.
LATER_PARTS: dict[str, Callable[[Scope, date], Any]] = {
    "curve": lambda seen, _today: board.channel_curve(seen),
    "cohorts": lambda seen, _today: board.cohort_heat(seen),
    "clv": lambda seen, _today: board.lifetime_value(seen),  # every customer's standing
    "migrants": lambda seen, today: {
        "matrix": board.migration(seen, today),
        "trend": board.migrants_by_month(seen, today),
    },
}


@login_required
@require_GET
def dashboard_part(request: HttpRequest, part: str) -> HttpResponse:
    who = require(request, Capability.ANALYTICS_VIEW)
    if part not in LATER_PARTS:
        raise Http404(_("No such panel."))
    seen = board.narrowed(scope.scope_of(who), board.Filters.read(request.GET))
    found = LATER_PARTS[part](seen, timezone.localdate())
    return render(request, "analytics/_part.html", {"part": part, "found": found})


@login_required
@require_POST
def refresh_now(request: HttpRequest) -> HttpResponse:
    """Start a refresh in the background; the dashboard then polls its progress."""
    who = require(request, Capability.ANALYTICS_MANAGE)
    with shown_as_message(request) as outcome:
        refresh.start(who.actor, trigger=RefreshRun.Trigger.MANUAL)
    if not outcome.refused:
        messages.success(request, _("Refresh started."))
    return redirect("analytics:dashboard")


@login_required
@require_GET
def refresh_progress(request: HttpRequest) -> HttpResponse:
    """The refresh panel alone: htmx polls it while a run is going."""
    who = require(request, Capability.ANALYTICS_VIEW)
    return render(request, "analytics/_refresh.html", _refresh_panel(who))


def _refresh_panel(who: Any) -> dict[str, Any]:
    runs = value_selectors.refresh_runs(1)
    return {
        "run": runs[0] if runs else None,
        "can_manage": who.can(Capability.ANALYTICS_MANAGE),
    }


@login_required
@require_GET
def customer_value(request: HttpRequest, customer_id: int) -> HttpResponse:
    who = require(request, Capability.ANALYTICS_VIEW)
    found = customers_selectors.readable(customer_id, who.reader)
    if found is None or not board.customer_in_scope(scope.scope_of(who), customer_id):
        raise Http404(_("No such customer."))
    name = found.display_name
    figures = value_selectors.customer_value(customer_id)
    drivers = (figures or {}).get("churn_drivers") or []
    for held in (figures or {}).get("tier_history") or []:
        held["label"] = tier_label(held["tier"])
    top = max((abs(float(d.get("weight") or 0)) for d in drivers), default=0.0)
    for driver in drivers:
        weight = abs(float(driver.get("weight") or 0))
        driver["bar"] = round(100 * weight / top) if top else 0
    return render(
        request,
        "analytics/customer.html",
        {
            "customer_id": customer_id,
            "name": name,
            "v": figures,
            "drivers": drivers,
            "suggestions": basket.cross_sell_for(customer_id, limit=5) if figures else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def scorecard(request: HttpRequest) -> HttpResponse:
    who = require(request, Capability.ANALYTICS_VIEW)
    today = timezone.localdate()
    try:
        period = scorecard_selectors.parse_period(request.GET.get("period", ""))
    except scorecard_selectors.PeriodError:
        period = scorecard_selectors.current_period(today)
    if request.method == "POST":
        require(request, Capability.ANALYTICS_MANAGE)
        with shown_as_message(request, _("Target not set: %(reason)s")) as outcome:
            made = scorecard_services.set_target(
                request.POST.get("kpi", ""),
                request.POST.get("period", ""),
                request.POST.get("target", ""),
                request.POST.get("direction") or None,
                request.POST.get("amber_within") or None,
                user=request.user,
            )
        if not outcome.refused:
            label = scorecard_selectors.KPIS[made.kpi].label
            messages.success(request, _("Target for %(kpi)s set.") % {"kpi": label})
            return redirect(f"{request.path}?{urlencode({'period': made.period})}")
        asked = request.POST.get("period", "")[:7] or period.code
        return redirect(f"{request.path}?{urlencode({'period': asked})}")
    board_rows = scorecard_selectors.board(scope.scope_of(who), period, today)
    periods = scorecard_selectors.recent_periods(today)
    if period.code not in {p.code for p in periods}:
        periods.insert(0, period)  # one typed into the address stays chosen in the picker
    return render(
        request,
        "analytics/scorecard.html",
        {
            "board": board_rows,
            "period": period,
            "periods": periods,
            "can_manage": who.can(Capability.ANALYTICS_MANAGE),
        },
    )
