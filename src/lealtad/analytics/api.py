"""The analytics API (``/api/v1/analytics``): each customer's value, the tiers and their
migrants, the refresh and its runs. Thin: checks the capability, reads the selectors, starts
the refresh through the services. The cube, the channel economics and the basket rules have
routers of their own beside this one."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict

from lealtad.analytics.models import RefreshRun
from lealtad.analytics.selectors import usage, value
from lealtad.analytics.services import holdout as holdout_check
from lealtad.analytics.services import refresh, rules
from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.customers.selectors import readable

router = Router(tags=["analytics"])


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class RefreshIn(Strict):
    as_of: date | None = Field(default=None, description="Assess as of this day (default today)")


class RulesIn(Strict):
    rules: dict[str, dict[str, Any]] = Field(
        description="Per section (rfm, value, tiers, costs, lifecycle, churn) the knobs to "
        "change; the others keep their value"
    )


def run_out(run: RefreshRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "status": run.status,
        "trigger": run.trigger,
        "requested_by": run.requested_by,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "as_of": run.as_of,
        "step": run.step,
        "done": run.done,
        "total": run.total,
        "customers": run.customers,
        "tier_changes": run.tier_changes,
        "stage_changes": run.stage_changes,
        "warnings": run.warnings,
        "figures": run.figures,
        "error": run.error,
    }


@router.get("/analytics/customers/{customer_id}/value", summary="One customer's value")
def customer_value(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """Tier and its history, RFM, lifetime value, P(alive), churn risk with its drivers,
    lifecycle stage and the next likely purchase, as of the last refresh."""
    who = require(request, Capability.ANALYTICS_VIEW)
    if readable(customer_id, who.reader) is None:
        raise HttpError(404, f"no customer {customer_id}")
    found = value.customer_value(customer_id)
    if found is None:
        raise HttpError(404, f"customer {customer_id} has not been assessed yet")
    return found


@router.get("/analytics/customers/{customer_id}/upsell", summary="Plans a customer outgrew")
def customer_upsell(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """Per unit (hours, GB …) the plan the customer uses more than it gives, month after
    month, and the smallest plan that would cover them (``usage.recorded`` events)."""
    who = require(request, Capability.ANALYTICS_VIEW)
    if readable(customer_id, who.reader) is None:
        raise HttpError(404, f"no customer {customer_id}")
    return {"upsell": usage.upsell_for(customer_id, timezone.localdate(), rules.current().usage)}


@router.get("/analytics/upsell", summary="Customers who outgrew their plan")
def outgrown(request: HttpRequest, unit: str, limit: int = 500) -> dict[str, Any]:
    """Everyone over their plan in ``unit`` for the last months in a row, most over first."""
    require(request, Capability.ANALYTICS_VIEW)
    found = usage.outgrown(unit, timezone.localdate(), rules.current().usage)
    return {"unit": unit, "customers": found[: max(1, min(limit, 5000))], "total": len(found)}


@router.get("/analytics/holdout", summary="Each tier's forecast against what happened")
def holdout(request: HttpRequest, weeks: int = 26) -> dict[str, Any]:
    """The base assessed as it stood ``weeks`` ago, each tier's forecast purchases and spend
    for those weeks against what its customers actually did (relative error per tier)."""
    require(request, Capability.ANALYTICS_VIEW)
    return holdout_check.tier_holdout(weeks, timezone.localdate())


@router.get("/analytics/tiers", summary="Customers and lifetime value per value tier")
def tiers(request: HttpRequest) -> dict[str, Any]:
    require(request, Capability.ANALYTICS_VIEW)
    return {"tiers": value.tier_overview()}


@router.get("/analytics/tiers/migrations", summary="Monthly tier migration matrices")
def migrations(request: HttpRequest, months: int = 12) -> dict[str, Any]:
    """For each of the last ``months`` calendar months, how many customers moved from each
    tier (at the end of the month before) to each tier (at the month's end)."""
    require(request, Capability.ANALYTICS_VIEW)
    if not 1 <= months <= 60:
        raise HttpError(422, "months: between 1 and 60")
    return {"months": value.monthly_migrations(months, timezone.localdate())}


@router.post("/analytics/refresh", response={202: dict}, summary="Start a refresh")
def start_refresh(request: HttpRequest, body: RefreshIn) -> tuple[int, dict[str, Any]]:
    """Starts the refresh in the background and answers at once with its run; poll
    ``GET /analytics/refresh/runs/{id}`` for its progress. 409 while another one runs."""
    who = require(request, Capability.ANALYTICS_MANAGE)
    run = refresh.start(who.actor, trigger=RefreshRun.Trigger.API, as_of=body.as_of)
    return 202, run_out(run)


@router.get("/analytics/refresh/runs", summary="The latest refresh runs")
def runs(request: HttpRequest, limit: int = 20) -> dict[str, Any]:
    require(request, Capability.ANALYTICS_VIEW)
    return {"runs": [run_out(r) for r in value.refresh_runs(max(1, min(limit, 200)))]}


@router.get("/analytics/refresh/runs/{run_id}", summary="One refresh run and its progress")
def one_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    require(request, Capability.ANALYTICS_VIEW)
    found = value.refresh_run(run_id)
    if found is None:
        raise HttpError(404, f"no refresh run {run_id}")
    return run_out(found)


@router.get("/analytics/rules", summary="The rules the refresh applies")
def get_rules(request: HttpRequest) -> dict[str, Any]:
    require(request, Capability.ANALYTICS_VIEW)
    return {"rules": rules.as_dict(rules.current())}


@router.patch("/analytics/rules", summary="Change some of the rules")
def change_rules(request: HttpRequest, body: RulesIn) -> dict[str, Any]:
    """Each knob is checked (a known name, a number in its range); one bad knob changes
    nothing. The next refresh applies them."""
    who = require(request, Capability.ANALYTICS_MANAGE)
    return {"rules": rules.as_dict(rules.update(body.rules, who.actor))}
