"""Lead scoring over HTTP (``/api/v1/sales/scoring``): score the open leads now, one lead's
score with its factors, and the monthly Brier report. Thin: :mod:`.services.scoring` decides."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.sales import selectors
from lealtad.sales.services import scoring

router = Router(tags=["sales: scoring"])
PREFIX = "/sales/scoring"


class ScoringRunIn(Schema):
    """Which open leads to score (every open lead when none are named)."""

    model_config = ConfigDict(extra="forbid")

    lead_ids: list[int] = Field(default_factory=list, max_length=10_000)
    refit: bool = False


class ReportQuery(Schema):
    months: int = Field(default=12, ge=1, le=60)


@router.post(f"{PREFIX}/run", response={200: dict[str, Any]})
def run(request: HttpRequest, body: ScoringRunIn) -> Any:
    """Score open leads now; ``refit`` learns from history again first. Says whether the
    model or the stage weight scored them (and why), and from how many closed leads."""
    require(request, Capability.SALES_MANAGE)
    if body.refit:
        scoring.forget_model()
    done = scoring.score_open_leads(body.lead_ids or None)
    return done.as_dict()


@router.get(f"{PREFIX}/leads/{{lead_id}}", response={200: dict[str, Any], **errors(404)})
def lead_score(request: HttpRequest, lead_id: int) -> Any:
    """A lead's score (1-99 while open) with the factors behind it, strongest first."""
    require(request, Capability.SALES_WORK)
    lead = selectors.lead(lead_id)
    return {
        "lead_id": lead.pk,
        "status": lead.status,
        "score": lead.score,
        "factors": lead.score_basis,
    }


@router.get(f"{PREFIX}/report", response={200: dict[str, Any]})
def report(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    """The Brier score per month of closing: the scores closed leads carried against whether
    they converted (0 is perfect; ``base_rate`` is the share converted)."""
    require(request, Capability.SALES_WORK)
    return {"months": [row.as_dict() for row in scoring.monthly_report(query.months)]}
