"""Channel economics over the API: cohorts, the channel curve, the segment-by-channel map,
products per customer, acquisition costs (read; a manager enters and withdraws them) and the
maturity stage (read; a manager records an assessment). Thin: capability, scope, selector."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema, create_model

from lealtad.analytics.selectors import economics as selectors
from lealtad.analytics.selectors.scope import scope_of
from lealtad.analytics.services import economics as services
from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.core.text_schema import CleanText
from lealtad.olap import maturity as maturity_core

router = Router(tags=["analytics"])


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


AMOUNT_PATTERN = r"^0*[0-9]{1,13}(?:\.[0-9]{1,2})?$"
"""Zero or more, at most 13 digits before the point and 2 after: ``1500.00``."""


def _amount_text(value: object) -> object:
    """Money travels as text (a JSON number would arrive as a binary float already)."""
    if not isinstance(value, str) or not re.fullmatch(AMOUNT_PATTERN, value.strip()):
        raise ValueError('an amount is text such as "1500.00": 0 or more, at most 2 decimals')
    return value.strip()


AmountText = Annotated[
    Decimal,
    BeforeValidator(_amount_text),
    WithJsonSchema(
        {"type": "string", "pattern": AMOUNT_PATTERN, "maxLength": 24, "examples": ["1500.00"]}
    ),
]


class AcquisitionCostIn(Strict):
    period_start: date
    period_end: date = Field(description="The period's last day (not before its start: 409)")
    channel: CleanText = Field(
        min_length=1, max_length=60, description="A channel Lealtad knows (web, pos…; 404 if not)"
    )
    segment: CleanText = Field(default="", max_length=60, description="'' = every segment")
    campaign: CleanText = Field(default="", max_length=120)
    amount: AmountText = Field(description="What winning customers cost in the period")
    currency: str = Field(pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code (USD)")


MaturityAnswers = create_model(  # type: ignore[call-overload]
    "MaturityAnswers",
    __config__=ConfigDict(extra="forbid"),
    **{q: (int, Field(ge=0, le=4)) for q in maturity_core.QUESTIONS},
)


class MaturityIn(Strict):
    answers: MaturityAnswers = Field(  # type: ignore[valid-type]
        description="Every question of GET /analytics/maturity answered 0 (no) to 4 (fully)"
    )
    note: CleanText = Field(default="", max_length=2000)


@router.get("/analytics/cohorts", summary="Monthly acquisition cohorts", response=dict[str, Any])
def cohorts(
    request: HttpRequest,
    metric: Literal["retention", "revenue", "revenue_per_customer", "active"] = "retention",
    months: int = Query(24, ge=1, le=63, description="Months since the first purchase"),
) -> dict[str, Any]:
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
def products_per_customer(
    request: HttpRequest, by: Literal["product", "category"] = "product"
) -> dict[str, Any]:
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
    answers: Any = body.answers
    services.record_maturity_assessment(answers.model_dump(), body.note, user=who.user)
    return 201, selectors.maturity(scope_of(who))
