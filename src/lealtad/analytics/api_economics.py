"""Channel economics over the API: cohorts, the channel curve, the segment-by-channel map,
products per customer, acquisition costs (read; a manager enters and withdraws them) and the
maturity stage (read; a manager records an assessment). Thin: capability, scope, selector."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from lealtad.analytics.selectors import economics as selectors
from lealtad.analytics.selectors.scope import scope_of
from lealtad.analytics.services import economics as services
from lealtad.core.access import require
from lealtad.core.roles import Capability

router = Router(tags=["analytics"])


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class AcquisitionCostIn(Strict):
    period_start: date
    period_end: date
    channel: str = Field(max_length=60, description="A channel Lealtad knows (web, pos, …)")
    segment: str = Field(default="", max_length=60, description="'' = every segment")
    campaign: str = Field(default="", max_length=120)
    amount: Decimal = Field(description="What winning customers cost in the period (≥ 0)")
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 code (USD)")


class MaturityIn(Strict):
    answers: dict[str, Any] = Field(
        description="Every question of GET /analytics/maturity answered 0 (no) to 4 (fully)"
    )
    note: str = Field(default="", max_length=2000)


@router.get("/analytics/cohorts", summary="Monthly acquisition cohorts", response=dict[str, Any])
def cohorts(request: HttpRequest, metric: str = "retention", months: int = 24) -> dict[str, Any]:
    who = require(request, Capability.ANALYTICS_VIEW)
    return selectors.cohort_matrix(scope_of(who), metric=metric, months=months)


@router.get(
    "/analytics/channels/curve",
    summary="Average annual sales by number of channels used",
    response=list[dict[str, Any]],
)
def channel_curve(request: HttpRequest) -> list[dict[str, Any]]:
    who = require(request, Capability.ANALYTICS_VIEW)
    return selectors.channel_curve(scope_of(who))


@router.get(
    "/analytics/channels/map",
    summary="Segment by channel: customers, revenue, CAC; the best channel per segment",
    response=dict[str, Any],
)
def channel_map(request: HttpRequest) -> dict[str, Any]:
    who = require(request, Capability.ANALYTICS_VIEW)
    scope = scope_of(who)
    return {
        **selectors.segment_channel_map(scope),
        "best": selectors.best_channel_per_segment(scope),
    }


@router.get(
    "/analytics/products-per-customer",
    summary="How many distinct products (or categories) customers buy",
    response=dict[str, Any],
)
def products_per_customer(request: HttpRequest, by: str = "product") -> dict[str, Any]:
    who = require(request, Capability.ANALYTICS_VIEW)
    return selectors.products_per_customer(scope_of(who), by=by)


@router.get(
    "/analytics/acquisition-costs",
    summary="Acquisition costs with customers acquired and CAC",
    response=dict[str, Any],
)
def list_costs(request: HttpRequest) -> dict[str, Any]:
    who = require(request, Capability.ANALYTICS_VIEW)
    return selectors.acquisition_costs(scope_of(who))


@router.post(
    "/analytics/acquisition-costs",
    summary="Enter an acquisition cost",
    response={201: dict[str, Any]},
)
def add_cost(request: HttpRequest, body: AcquisitionCostIn) -> tuple[int, dict[str, Any]]:
    who = require(request, Capability.ANALYTICS_MANAGE)
    cost = services.record_acquisition_cost(body.model_dump(), user=who.user)
    selectors.forget()
    listed = selectors.acquisition_costs(scope_of(who))["costs"]
    return 201, next(c for c in listed if c["id"] == cost.pk)


@router.post(
    "/analytics/acquisition-costs/{cost_id}/withdraw",
    summary="Withdraw an acquisition cost entered wrong",
    response=dict[str, Any],
)
def withdraw_cost(request: HttpRequest, cost_id: int) -> dict[str, Any]:
    who = require(request, Capability.ANALYTICS_MANAGE)
    services.withdraw_acquisition_cost(cost_id, user=who.user)
    selectors.forget()
    listed = selectors.acquisition_costs(scope_of(who))["costs"]
    return next(c for c in listed if c["id"] == cost_id)


@router.get(
    "/analytics/maturity",
    summary="Multichannel maturity: questionnaire, evidence, disagreements",
    response=dict[str, Any],
)
def get_maturity(request: HttpRequest) -> dict[str, Any]:
    who = require(request, Capability.ANALYTICS_VIEW)
    return {
        **selectors.maturity(scope_of(who)),
        "questions": selectors.maturity_questions(),
    }


@router.post(
    "/analytics/maturity",
    summary="Record a maturity assessment",
    response={201: dict[str, Any]},
)
def post_maturity(request: HttpRequest, body: MaturityIn) -> tuple[int, dict[str, Any]]:
    who = require(request, Capability.ANALYTICS_MANAGE)
    services.record_maturity_assessment(body.answers, body.note, user=who.user)
    return 201, selectors.maturity(scope_of(who))
