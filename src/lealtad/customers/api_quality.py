"""Data-quality endpoints: the fields set aside at ingest and the flagged phones, to list, fix
or dismiss (docs/data-quality.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from lealtad.core.access import Principal, require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.customers import quality, quality_selectors, services
from lealtad.customers.choices import IssueStatus
from lealtad.customers.models import DataQualityIssue

router = Router(tags=["data quality"])
MAX_LIMIT = 500


class IssueOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    field: str
    path: str
    raw_value: str
    reason: str
    kind: str
    status: str
    source_channel: str
    event_id: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: str
    corrected_value: str


class IssueList(Schema):
    count: int
    by_field: dict[str, int]
    issues: list[IssueOut]


class FixIn(Schema):
    """The corrected value: text for one field (an email, a phone, a date as 2026-01-31 or
    31/01/2026, a gender code …), an object for an address or a household."""

    value: str | dict[str, Any]


def issue_out(row: DataQualityIssue) -> dict[str, Any]:
    return {
        "id": row.pk,
        "customer_id": row.customer_id,
        "customer_name": row.customer.display_name,
        "field": row.field,
        "path": row.path,
        "raw_value": row.raw_value,
        "reason": row.reason,
        "kind": row.kind,
        "status": row.status,
        "source_channel": row.source_channel,
        "event_id": row.event_id,
        "created_at": row.created_at,
        "decided_at": row.decided_at,
        "decided_by": row.decided_by,
        "corrected_value": row.corrected_value,
    }


@router.get(
    "/data-quality/issues",
    response={200: IssueList},
    summary="Data-quality issues: optional fields set aside at ingest, phones flagged",
)
def list_issues(
    request: HttpRequest,
    status: IssueStatus = IssueStatus.OPEN,
    field: str = "",
    channel: str = "",
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    who = require(request, Capability.EDIT)
    rows = quality_selectors.issues(status=status, field=field, channel=channel, reader=who.reader)
    start = max(offset, 0)
    page = rows[start : start + max(1, min(limit, MAX_LIMIT))]
    return {
        "count": rows.count(),
        "by_field": quality_selectors.counts_by_field(rows),
        "issues": [issue_out(r) for r in page],
    }


def _decidable(request: HttpRequest, issue_id: int) -> tuple[Principal, services.ChangeContext]:
    who = require(request, Capability.EDIT)
    found = quality_selectors.issue(issue_id, who.reader)
    if found is None:
        raise Http404("No data-quality issue matches the given query.")
    channel = min(who.channels) if who.channels else "api"
    return who, services.ChangeContext(who.actor, channel=channel)


@router.post(
    "/data-quality/issues/{issue_id}/fix",
    response={200: IssueOut, **errors(409)},
    summary="Correct a data-quality issue: the value is validated and applied to the customer",
    description="Answers 422 when the corrected value does not pass either (nothing is "
    "written), 409 when the issue was already fixed or dismissed.",
)
def fix(request: HttpRequest, issue_id: int, body: FixIn) -> dict[str, Any]:
    _, ctx = _decidable(request, issue_id)
    row = quality.fix_issue(issue_id, body.value, ctx)
    return issue_out(row)


@router.post(
    "/data-quality/issues/{issue_id}/dismiss",
    response={200: IssueOut, **errors(409)},
    summary="Dismiss a data-quality issue: nothing to correct",
)
def dismiss(request: HttpRequest, issue_id: int) -> dict[str, Any]:
    _, ctx = _decidable(request, issue_id)
    row = quality.dismiss_issue(issue_id, ctx)
    return issue_out(row)
