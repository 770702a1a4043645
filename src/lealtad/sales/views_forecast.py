"""The forecast page (``sales:forecast``): per seller, team and month, the weighted forecast
beside the commit / best case / pipeline categories, slipped deals and quota coverage; the
backtest (forecast against what closed) is its own part, loaded after the page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.sales import selectors_board, selectors_forecast
from lealtad.sales.views_board import filters_of, number
from lealtad.sales_engine.forecast import Coverage

MONTHS_SHOWN = 3


def _rows(cells: dict, names: dict, months: list) -> list[dict]:
    """One row per seller (or team) with a cell per month, in name order."""
    keys = sorted({key for key, _ in cells}, key=lambda k: (names.get(k) or "~", str(k)))
    return [
        {"name": names.get(key, ""), "cells": [cells.get((key, month)) for month in months]}
        for key in keys
    ]


def _named(rows: list[Coverage]) -> list[tuple[str, Coverage]]:
    names = selectors_forecast.quota_names(rows)
    return sorted(((names.get(r.rep, ""), r) for r in rows), key=lambda pair: pair[0])


@login_required
@require_GET
def forecast(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SALES_WORK)
    today = timezone.localdate()
    filters = filters_of(request.GET)
    first = (filters.month or today).replace(day=1)
    months = min(max(number(request.GET, "months") or MONTHS_SHOWN, 1), 12)
    view = selectors_forecast.forecast(filters, first, months)
    coverage = selectors_forecast.coverage(view, first)
    late_count, late_amount, late = selectors_forecast.slipped(filters, today)
    context = {
        "view": view,
        "months": view.months,
        "by_month": [(m, view.result.by_month.get(m)) for m in view.months],
        "reps": _rows(view.result.by_rep, view.sellers, view.months),
        "teams_rows": _rows(view.result.by_team, view.teams, view.months),
        "coverage": _named(coverage),
        "late_count": late_count,
        "late_amount": late_amount,
        "late": late,
        "filters": filters,
        "month": first.strftime("%Y-%m"),
        "months_shown": months,
        "teams": selectors_board.teams(),
        "sellers": selectors_board.sellers(),
    }
    return render(request, "sales/forecast.html", context)


@login_required
@require_GET
def accuracy(request: HttpRequest) -> HttpResponse:
    require(request, Capability.SALES_WORK)
    result = selectors_forecast.backtest(timezone.localdate())
    return render(request, "sales/forecast_accuracy.html", {"backtest": result})


urlpatterns = [
    path("forecast/", forecast, name="forecast"),
    path("forecast/accuracy/", accuracy, name="forecast_accuracy"),
]
