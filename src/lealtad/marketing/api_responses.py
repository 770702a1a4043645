"""What comes back from campaigns, over HTTP: the mail provider's bounce and complaint webhook
(``POST /api/v1/marketing/bounces``), a campaign's results with the lift over its control
group (JSON or CSV) and the campaign calendar of a month."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.db import MAX_KEY, storable_keys
from lealtad.core.errors import DomainError
from lealtad.core.roles import Capability
from lealtad.core.text_schema import NOT_BLANK, WHITE_SPACE
from lealtad.marketing.selectors import calendar, results
from lealtad.marketing.services import bounces

router = Router(tags=["marketing: responses"])


class ResultsNotFound(DomainError):
    code = "not_found"
    kind = "not_found"


class CalendarRefused(DomainError):
    code = "calendar_refused"
    kind = "invalid"


# A report names our message or the address it bounced from (or both).
ADDRESS_OR_EMPTY = f"^$|^[^@{WHITE_SPACE}]+@[^@{WHITE_SPACE}]+$"
"""As the provider reports it (not checked further: it only finds our own addresses)."""
_MESSAGE_OR_ADDRESS: dict[str, Any] = {
    "anyOf": [
        {"required": ["message_id"], "properties": {"message_id": {"type": "integer"}}},
        {"required": ["address"], "properties": {"address": {"minLength": 3}}},
    ]
}


class BounceReportIn(Schema):
    """One report of the mail provider: a message (ours) or an address, what happened."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_MESSAGE_OR_ADDRESS)

    id: str = Field(
        min_length=1, max_length=200, pattern=NOT_BLANK, description="The provider's event id."
    )
    kind: Literal["hard", "soft", "complaint"]
    message_id: int | None = Field(default=None, ge=1, le=MAX_KEY)
    address: str = Field(default="", max_length=254, pattern=ADDRESS_OR_EMPTY)
    at: datetime | None = None
    status: str = Field(default="", max_length=20)
    detail: str = Field(default="", max_length=300)


class BounceOutcomeOut(Schema):
    recorded: int
    repeated: int
    suppressed: int


class CalendarQuery(Schema):
    month: str | None = Field(
        default=None, pattern=r"^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$", description="YYYY-MM"
    )


class ResultsQuery(Schema):
    format: Literal["json", "csv"] = "json"


@router.post(
    "/marketing/bounces", response={200: BounceOutcomeOut, **errors(404, 422)}, tags=["webhooks"]
)
def report_bounces(request: HttpRequest, body: list[BounceReportIn]) -> dict[str, int]:
    """Bounces and complaints from the mail provider; idempotent on each report's ``id``
    (a retried delivery records nothing twice). A bad row refuses all, naming it."""
    require(request, Capability.MARKETING_MANAGE)
    outcome = bounces.record_bounces(
        [
            bounces.BounceIn(
                row.id, row.kind, row.message_id, row.address, row.at, row.status, row.detail
            )
            for row in body
        ]
    )
    return {
        "recorded": outcome.recorded,
        "repeated": outcome.repeated,
        "suppressed": outcome.suppressed,
    }


@router.get(
    "/marketing/campaigns/{campaign_id}/results", response={200: dict[str, Any], **errors(404)}
)
def campaign_results(request: HttpRequest, campaign_id: int, query: Query[ResultsQuery]) -> Any:
    """Audience, control, sent, delivered, bounced, clicks, conversions, revenue, cost, ROI
    and the lift over control with its 95 % interval (``?format=csv`` for a spreadsheet)."""
    require(request, Capability.MARKETING_VIEW)
    found = results.results(campaign_id) if storable_keys([campaign_id]) else None
    if found is None:
        raise ResultsNotFound(
            _("There is no campaign %(id)s."), field="campaign_id", id=campaign_id
        )
    if query.format == "csv":
        response = HttpResponse(results.as_csv(found), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="campaign-{campaign_id}.csv"'
        return response
    return found.as_dict()


@router.get("/marketing/calendar", response={200: dict[str, Any], **errors(422)})
def campaign_calendar(request: HttpRequest, query: Query[CalendarQuery]) -> dict[str, Any]:
    """The campaigns running in a month (``?month=2026-12``; this month by default)."""
    require(request, Capability.MARKETING_VIEW)
    try:
        year, month_number = calendar.parse_month(query.month)
    except ValueError:
        raise CalendarRefused(
            _("Write the month as YYYY-MM, e.g. 2026-12."), field="month"
        ) from None
    found = calendar.month(year, month_number)
    return {
        "month": found.key,
        "previous": found.previous,
        "next": found.next,
        "campaigns": [
            {
                "id": c.id,
                "name": c.name,
                "status": c.status,
                "channels": c.channels,
                "starts_at": c.starts_at,
                "ends_at": c.ends_at,
                "first_day": c.starts,
                "last_day": c.ends,
            }
            for c in found.campaigns
        ],
        "unscheduled": found.unscheduled,
    }
