"""Leads over HTTP (``/api/v1/sales/leads``): capture (a batch, idempotent per source and
``external_id``), a CSV import, qualification and conversion. Thin: the services decide."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import ConfigDict

from lealtad.core import csv_rows
from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.sales import selectors
from lealtad.sales.api_pipelines import opportunity_dict
from lealtad.sales.models import Lead
from lealtad.sales.schemas import Amount
from lealtad.sales.services import conversion, lead_import, leads

router = Router(tags=["sales: leads"])
PREFIX = "/sales/leads"
MAX_BATCH = 500
Source = Literal["web_form", "event", "campaign", "telemarketing", "import", "api"]
Status = Literal["new", "working", "qualified", "converted", "disqualified"]


class LeadIn(Schema):
    """One lead. ``external_id`` is the sender's id for it: sent again, it is the same lead.
    A person's or a company's name, and an e-mail or a phone, are required."""

    model_config = ConfigDict(extra="forbid")

    source: Source = "api"
    external_id: str = Field(min_length=1, max_length=120)
    person_name: str | None = Field(default=None, max_length=160)
    company_name: str | None = Field(default=None, max_length=160)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    national_id: str | None = Field(default=None, max_length=20)
    region: str | None = Field(default=None, max_length=80)
    campaign: str | None = Field(default=None, max_length=80)
    notes: str | None = Field(default=None, max_length=2000)
    team: str | None = Field(default=None, max_length=40)


class LeadsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    leads: list[LeadIn] = Field(min_length=1, max_length=MAX_BATCH)


class DisqualifyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=200)


class ConvertIn(Schema):
    """The opportunity the lead becomes: the default pipeline, the lead's name, an amount of
    0 and a close date 30 days ahead unless given."""

    model_config = ConfigDict(extra="forbid")

    pipeline: str | None = Field(default=None, max_length=40)
    name: str | None = Field(default=None, max_length=200)
    amount: Amount | None = None
    close_date: date | None = None


def lead_dict(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.pk,
        "source": lead.source,
        "external_id": lead.external_id,
        "person_name": lead.person_name,
        "company_name": lead.company_name,
        "email": lead.email,
        "phone": lead.phone,
        "national_id": lead.national_id,
        "region": lead.region,
        "campaign": lead.campaign,
        "status": lead.status,
        "customer_id": lead.customer_id,
        "owner": lead.owner.get_username() if lead.owner else None,
        "team": lead.team.code if lead.team else None,
        "territory": lead.territory.code if lead.territory else None,
        "score": lead.score,
        "disqualified_reason": lead.disqualified_reason,
        "created_at": lead.created_at,
    }


@router.post(PREFIX, response={200: dict[str, Any], **errors(404)})
def capture(request: HttpRequest, body: LeadsIn) -> Any:
    """Capture leads (all or none); each answered with whether it is new."""
    who = require(request, Capability.SALES_WORK)
    size = len(body.leads)
    batch = [leads.check_lead(item.model_dump(), i, size) for i, item in enumerate(body.leads)]
    captured = leads.capture_leads(batch, who.actor)
    return {"leads": [{**lead_dict(c.lead), "created": c.created} for c in captured]}


@router.post(
    f"{PREFIX}/import",
    response={200: dict[str, Any], 422: dict[str, Any], **errors(404)},
    summary="Import leads from CSV (all rows or none)",
    description="Columns: `person_name`, `company_name`, `email`, `phone`, `national_id`, "
    "`region`, `campaign`, `notes`, `team`, `external_id`, `source`. Every row is checked "
    "first; if any is wrong nothing is imported and each problem is listed with its line and "
    "column (422). A row imported before (same `external_id`, or without one the same names "
    "and keys) is not imported twice. With `dry_run` the file is only checked.",
)
def import_leads(
    request: HttpRequest,
    file: File[UploadedFile],
    team: Form[str] = "",
    dry_run: Form[bool] = False,
) -> tuple[int, dict[str, Any]]:
    who = require(request, Capability.SALES_MANAGE)
    try:
        rows = csv_rows.read_csv(file.read())
    except csv_rows.UnreadableFile as exc:
        problem = {"line": 1, "column": "file", "message": str(exc)}
        return 422, {"ok": False, "problems": [problem]}
    report = lead_import.import_leads(rows, who.actor, team=team, dry_run=dry_run)
    return (200 if report.ok else 422), report.as_dict()


class LeadFilter(Schema):
    status: Status | None = None
    source: Source | None = None
    mine: bool = False
    limit: int = Field(default=100, ge=1, le=500)


@router.get(PREFIX, response={200: list[dict[str, Any]]})
def list_leads(request: HttpRequest, filters: Query[LeadFilter]) -> Any:
    who = require(request, Capability.SALES_WORK)
    found = selectors.leads(
        status=filters.status or "",
        source=filters.source or "",
        owner_id=who.user.pk if filters.mine else None,
        limit=filters.limit,
    )
    return [lead_dict(lead) for lead in found]


@router.get(f"{PREFIX}/{{lead_id}}", response={200: dict[str, Any], **errors(404)})
def get_lead(request: HttpRequest, lead_id: int) -> Any:
    require(request, Capability.SALES_WORK)
    return lead_dict(selectors.lead(lead_id))


@router.post(f"{PREFIX}/{{lead_id}}/qualify", response={200: dict[str, Any], **errors(404, 409)})
def qualify(request: HttpRequest, lead_id: int) -> Any:
    who = require(request, Capability.SALES_WORK)
    return lead_dict(conversion.qualify([lead_id], who.actor)[0])


@router.post(f"{PREFIX}/{{lead_id}}/disqualify", response={200: dict[str, Any], **errors(404, 409)})
def disqualify(request: HttpRequest, lead_id: int, body: DisqualifyIn) -> Any:
    who = require(request, Capability.SALES_WORK)
    return lead_dict(conversion.disqualify([lead_id], body.reason, who.actor)[0])


@router.post(f"{PREFIX}/{{lead_id}}/convert", response={201: dict[str, Any], **errors(404, 409)})
def convert(request: HttpRequest, lead_id: int, body: ConvertIn) -> Any:
    """Convert the lead into its customer (the known one, else a new one) and an opportunity
    in the pipeline's first open stage. Converting a lead twice answers 409."""
    who = require(request, Capability.SALES_WORK)
    given = body.model_dump(exclude_none=True)
    made = conversion.convert([conversion.Conversion(lead_id, **given)], who.actor)[0]
    return 201, opportunity_dict(made)
