"""The supervisor's staffing page: a day planned from the recorded arrivals, as a chart and a
table. Thin: the form's values become a ``staffing.StaffingIn``; a refusal is shown above the
form (nothing is written either way)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lealtad.contactcenter.selectors import staffing
from lealtad.core.access import require
from lealtad.core.errors import DomainError
from lealtad.core.roles import Capability

MINUTES = (15, 30, 60)


def _number(raw: str, default: float | None) -> float | None:
    try:
        return float(raw) if raw.strip() else default
    except ValueError:
        return default


def _form(request: HttpRequest) -> dict[str, Any]:
    """The form's values as the page shows them again (percentages as people type them)."""
    get = request.GET
    minutes = int(get.get("minutes", "15")) if get.get("minutes") in {"15", "30", "60"} else 15
    return {
        "date": get.get("date", ""),
        "weeks": int(_number(get.get("weeks", ""), 4) or 4),
        "target": _number(get.get("target", ""), 80.0),
        "within": _number(get.get("within", ""), 15.0),
        "patience": _number(get.get("patience", ""), None),
        "shrinkage": _number(get.get("shrinkage", ""), 30.0),
        "minutes": minutes,
    }


def _fields(form: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "from_history": True,
        "weeks": form["weeks"],
        "interval_seconds": form["minutes"] * 60,
        "service_level": form["target"] / 100 if form["target"] is not None else None,
        "within_seconds": form["within"],
        "patience_seconds": form["patience"],
        "shrinkage": {"shrinkage": form["shrinkage"] / 100} if form["shrinkage"] else {},
    }
    if form["date"]:
        fields["date"] = form["date"]
    return fields


def _pool_label(pool: dict[str, Any]) -> str:
    """A pool by its name, and its queues when it has several (``general: general, premier``)."""
    queues = pool["queues"]
    return pool["name"] if queues == [pool["name"]] else f"{pool['name']}: {', '.join(queues)}"


def _charts(plan: dict[str, Any], shown: list[int]) -> dict[str, Any]:
    labels = [plan["intervals"][i] for i in shown]
    return {
        "agents": {
            "labels": labels,
            "datasets": [
                {"label": _pool_label(pool), "data": [pool["agents"][i] for i in shown]}
                for pool in plan["pools"]
            ],
        },
        "calls": {
            "labels": labels,
            "datasets": [
                {"label": _pool_label(pool), "data": [pool["calls"][i] for i in shown]}
                for pool in plan["pools"]
            ],
        },
    }


@login_required
@require_GET
def staffing_page(request: HttpRequest) -> HttpResponse:
    """Agents per interval for a day (tomorrow unless chosen) from the last weeks' arrivals."""
    require(request, Capability.CONTACT_SUPERVISE)
    form = _form(request)
    context: dict[str, Any] = {"form": form, "minutes_choices": MINUTES, "section": "staffing"}
    try:
        plan = staffing.plan(staffing.request_from(**_fields(form)))
    except DomainError as refusal:
        context["refusal"] = refusal
        return render(request, "contactcenter/staffing.html", context, status=refusal.status)
    shown = [i for i, n in enumerate(plan["agents"]) if n > 0]
    rows = [
        {
            "label": plan["intervals"][i],
            "pools": [
                (pool["calls"][i], pool["agents"][i], pool["service_level"][i])
                for pool in plan["pools"]
            ],
            "agents": plan["agents"][i],
            "scheduled": plan["scheduled"][i],
        }
        for i in shown
    ]
    context.update(
        plan=plan,
        pool_labels=[_pool_label(pool) for pool in plan["pools"]],
        rows=rows,
        charts=_charts(plan, shown),
        separate=sum(p["separate_agent_intervals"] for p in plan["pools"]),
        agent_hours=sum(plan["agents"]) * form["minutes"] / 60,
        scheduled_hours=sum(plan["scheduled"]) * form["minutes"] / 60,
        model_label=_("Erlang A (callers hang up)")
        if plan["model"] == "erlang_a"
        else _("Erlang C (nobody hangs up)"),
    )
    return render(request, "contactcenter/staffing.html", context)
