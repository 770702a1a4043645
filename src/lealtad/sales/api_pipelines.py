"""Pipelines, the board and opportunity moves over HTTP (``/api/v1/sales/pipelines``,
``/api/v1/sales/opportunities``). Thin: the services decide."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.sales import selectors
from lealtad.sales.models import Opportunity, Pipeline
from lealtad.sales.services import opportunities, pipelines

router = Router(tags=["sales: pipelines and opportunities"])


class StageIn(Schema):
    """An open stage's probability is 1 to 99; a won stage's 100, a lost stage's 0."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    probability: int = Field(ge=0, le=100)
    kind: Literal["open", "won", "lost"] = "open"


class PipelineIn(Schema):
    """Stages in order; at least one open, one won and one lost."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, pattern=r"^[-a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=120)
    currency: str = Field(default="USD", min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")
    default: bool = False
    stages: list[StageIn] = Field(min_length=3, max_length=20)


class MoveIn(Schema):
    """The stage to move to (of the opportunity's pipeline); the reason it was won or lost."""

    model_config = ConfigDict(extra="forbid")

    stage_id: int = Field(ge=1)
    reason: str = Field(default="", max_length=200)


class BoardFilter(Schema):
    mine: bool = False
    closing_by: date | None = None


def pipeline_dict(p: Pipeline) -> dict[str, Any]:
    return {
        "id": p.pk,
        "code": p.code,
        "name": p.name,
        "currency": p.currency,
        "default": p.is_default,
        "stages": [
            {
                "id": s.pk,
                "name": s.name,
                "order": s.order,
                "probability": s.probability,
                "kind": s.kind,
            }
            for s in p.stages.all()
        ],
    }


def opportunity_dict(o: Opportunity) -> dict[str, Any]:
    return {
        "id": o.pk,
        "number": o.number,
        "name": o.name,
        "pipeline": o.pipeline.code,
        "stage": {"id": o.stage_id, "name": o.stage.name, "kind": o.stage.kind},
        "probability": o.stage.probability,
        "customer_id": o.customer_id,
        "lead_id": o.lead_id,
        "amount": str(o.amount),
        "currency": o.currency,
        "close_date": o.close_date,
        "owner_id": o.owner_id,
        "forecast_category": o.forecast_category,
        "won_reason": o.won_reason,
        "lost_reason": o.lost_reason,
        "closed_at": o.closed_at,
    }


@router.get("/sales/pipelines", response={200: list[dict[str, Any]]})
def list_pipelines(request: HttpRequest) -> Any:
    require(request, Capability.SALES_WORK)
    return [pipeline_dict(p) for p in selectors.pipelines()]


@router.post("/sales/pipelines", response={201: dict[str, Any], **errors(409)})
def create_pipeline(request: HttpRequest, body: PipelineIn) -> Any:
    require(request, Capability.SALES_MANAGE)
    made = pipelines.create_pipeline(
        body.code,
        body.name,
        [pipelines.StageIn(s.name, s.probability, s.kind) for s in body.stages],
        currency=body.currency,
        default=body.default,
    )
    return 201, pipeline_dict(made)


@router.get("/sales/pipelines/{pipeline_code}/board", response={200: dict[str, Any], **errors(404)})
def board(request: HttpRequest, pipeline_code: str, filters: Query[BoardFilter]) -> Any:
    """Each stage with its count and amount, and its first 50 opportunities by close date."""
    who = require(request, Capability.SALES_WORK)
    found = pipelines.pipeline_for(pipeline_code)
    columns = selectors.board(
        found, owner_id=who.user.pk if filters.mine else None, closing_by=filters.closing_by
    )
    return {
        "pipeline": found.code,
        "columns": [
            {
                "stage": c.stage.name,
                "stage_id": c.stage.pk,
                "kind": c.stage.kind,
                "count": c.count,
                "amount": str(c.amount),
                "opportunities": [opportunity_dict(o) for o in c.opportunities],
            }
            for c in columns
        ],
    }


@router.get("/sales/opportunities/{opportunity_id}", response={200: dict[str, Any], **errors(404)})
def get_opportunity(request: HttpRequest, opportunity_id: int) -> Any:
    require(request, Capability.SALES_WORK)
    found = selectors.opportunity(opportunity_id)
    history = [
        {"from": f, "to": t, "at": at, "by": by} for f, t, at, by in selectors.stage_history(found)
    ]
    return {**opportunity_dict(found), "history": history}


@router.post(
    "/sales/opportunities/{opportunity_id}/stage",
    response={200: dict[str, Any], **errors(404, 409)},
)
def move(request: HttpRequest, opportunity_id: int, body: MoveIn) -> Any:
    """Move to another stage of its pipeline; a won or lost opportunity cannot move (409)."""
    who = require(request, Capability.SALES_WORK)
    moved = opportunities.move(
        [opportunities.Move(opportunity_id, body.stage_id, body.reason)], who.actor
    )
    return opportunity_dict(moved[0])
