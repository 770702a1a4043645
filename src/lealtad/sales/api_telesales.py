"""Telesales over HTTP (``/api/v1/sales/telesales``): build a call list for the contact
center's dialer from a marketing segment or from open leads, and read the lists with their
outcomes. Thin: :mod:`.services.telesales` decides."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.sales.models import TelesalesList
from lealtad.sales.services import telesales

router = Router(tags=["sales: telesales"])
PREFIX = "/sales/telesales"


class ListIn(Schema):
    """``name`` becomes the dialer's list too (lower-case letters, digits, - and _);
    ``purpose`` is the consent purpose calls are checked against."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    queue: str = Field(min_length=1, max_length=60)
    mode: Literal["preview", "progressive", "predictive"] = "preview"
    purpose: str = Field(default="marketing", max_length=12)
    limit: int | None = Field(default=None, ge=1, le=telesales.MAX_TARGETS)


class FromSegmentIn(ListIn):
    segment_id: int


class FromLeadsIn(ListIn):
    lead_ids: list[int] = Field(default_factory=list, max_length=10_000)
    min_score: int | None = Field(default=None, ge=1, le=99)


def _setup(body: ListIn) -> telesales.ListSettings:
    return telesales.ListSettings(body.name, body.queue, body.mode, body.purpose, body.limit)


def list_dict(found: TelesalesList) -> dict[str, Any]:
    return {
        "name": found.name,
        "source": found.source,
        "segment_id": found.segment_id,
        "queue": found.queue,
        "purpose": found.purpose,
        "skipped": found.skipped,
        "outcomes": telesales.outcome_counts(found),
        "created_at": found.created_at,
        "created_by": found.created_by,
    }


@router.post(f"{PREFIX}/from-segment", response={201: dict[str, Any], **errors(404, 409)})
def from_segment(request: HttpRequest, body: FromSegmentIn) -> tuple[int, dict[str, Any]]:
    """A call list of the segment's members who may be called (the others counted by
    reason: ``no_phone``, ``do_not_call``, ``no_consent``)."""
    who = require(request, Capability.SALES_MANAGE)
    return 201, telesales.list_from_segment(body.segment_id, _setup(body), who.actor).as_dict()


@router.post(f"{PREFIX}/from-leads", response={201: dict[str, Any], **errors(404, 409)})
def from_leads(request: HttpRequest, body: FromLeadsIn) -> tuple[int, dict[str, Any]]:
    """A call list of open leads (those named, else all; ``min_score`` keeps the better
    ones); a lead that is no customer yet has no consent on record (``no_customer``)."""
    who = require(request, Capability.SALES_MANAGE)
    report = telesales.list_from_leads(
        _setup(body), who.actor, lead_ids=body.lead_ids, min_score=body.min_score
    )
    return 201, report.as_dict()


@router.get(PREFIX, response={200: list[dict[str, Any]]})
def lists(request: HttpRequest) -> Any:
    """The telesales lists, newest first, with their outcomes so far."""
    require(request, Capability.SALES_WORK)
    return [list_dict(found) for found in telesales.lists()]
