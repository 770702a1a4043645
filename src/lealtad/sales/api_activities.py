"""Activities over HTTP (``/api/v1/sales/activities``): log calls, meetings, tasks and e-mails
in batches, list them, mark them done. Thin: the service decides."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.sales.models import Activity
from lealtad.sales.schemas import TimeCategoryCode
from lealtad.sales.selectors_activities import activities
from lealtad.sales.services.activities import NewActivity, log_activities, mark_done

router = Router(tags=["sales: activities"])


class ActivityIn(Schema):
    """On a lead, a deal or a customer (at least one); ``key`` makes a resend harmless."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["call", "meeting", "task", "email"]
    subject: str = Field(min_length=1, max_length=200)
    notes: str = Field(default="", max_length=5000)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    due: datetime | None = None
    done: bool = False
    lead_id: int | None = Field(default=None, ge=1)
    opportunity_id: int | None = Field(default=None, ge=1)
    customer_id: int | None = Field(default=None, ge=1)
    time_category: TimeCategoryCode = ""
    key: str = Field(default="", max_length=160)


class ActivityFilter(Schema):
    lead_id: int | None = Field(default=None, ge=1)
    opportunity_id: int | None = Field(default=None, ge=1)
    customer_id: int | None = Field(default=None, ge=1)
    owner_id: int | None = Field(default=None, ge=1)
    first_day: date | None = None  # local days, both included
    last_day: date | None = None
    limit: int = Field(default=100, ge=1, le=500)


def activity_dict(a: Activity) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "subject": a.subject,
        "notes": a.notes,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "due": a.due,
        "done_at": a.done_at,
        "owner": a.owner.get_username() if a.owner else None,
        "lead_id": a.lead_id,
        "opportunity_id": a.opportunity_id,
        "customer_id": a.customer_id,
        "time_category": a.time_category,
    }


@router.post("/sales/activities", response={201: list[dict[str, Any]], **errors(404, 422)})
def log(request: HttpRequest, body: list[ActivityIn]) -> Any:
    who = require(request, Capability.SALES_WORK)
    batch = [NewActivity(**item.model_dump()) for item in body]
    return 201, [activity_dict(a) for a in log_activities(batch, who.actor)]


@router.get("/sales/activities", response={200: list[dict[str, Any]]})
def list_activities(request: HttpRequest, filters: Query[ActivityFilter]) -> Any:
    require(request, Capability.SALES_WORK)
    return [activity_dict(a) for a in activities(**filters.model_dump())]


@router.post("/sales/activities/{activity_id}/done", response={200: dict[str, Any], **errors(404)})
def done(request: HttpRequest, activity_id: int) -> Any:
    who = require(request, Capability.SALES_WORK)
    return activity_dict(mark_done([activity_id], who.actor)[0])
