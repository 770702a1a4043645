"""Campaigns over HTTP: create and change them and their templates, preview one as a chosen
customer, test-send it, launch, pause, resume or cancel it and follow its progress; the
contact policy (fatigue cap and quiet hours). The suppression lists are ``api_suppressions``."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.core.text_schema import EMAIL, NOT_BLANK
from lealtad.marketing.schemas import Money, UnitCost
from lealtad.marketing.selectors import campaigns as read
from lealtad.marketing.services import campaigns, contact_policy, sending

router = Router(tags=["marketing: campaigns"])
# The schema states what the service checks, so a body the schema calls valid is accepted.
Channel = Literal[
    "email", "sms", "call_list", "direct_mail", "web", "kiosk", "pos", "handheld", "agent"
]


class UnitCostsIn(Schema):
    """What one message costs on each channel (absent: nothing)."""

    model_config = ConfigDict(extra="forbid")

    email: UnitCost | None = None
    sms: UnitCost | None = None
    call_list: UnitCost | None = None
    direct_mail: UnitCost | None = None
    web: UnitCost | None = None
    kiosk: UnitCost | None = None
    pos: UnitCost | None = None
    handheld: UnitCost | None = None
    agent: UnitCost | None = None


class CampaignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=120, pattern=NOT_BLANK)
    segment_id: int
    channels: list[Channel] = Field(min_length=1, max_length=9)
    objective: str = Field(default="", max_length=300)
    offer_id: int | None = None
    purpose: Literal["marketing", "service", "surveys"] = "marketing"
    topic: str = Field(default="", max_length=40)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    control_share: float = Field(default=0.1, ge=0, le=0.5)
    fixed_cost: Money = Decimal(0)
    unit_costs: UnitCostsIn = Field(default_factory=UnitCostsIn)
    conversion_days: int = Field(default=14, ge=1, le=365)


class CampaignTemplateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["email", "sms", "call_list", "direct_mail"]
    language: Literal["es", "en"]
    subject: str = Field(default="", max_length=200)
    text_body: str = Field(default="", max_length=100_000)
    html_body: str = Field(default="", max_length=500_000)


class CampaignTestSendIn(Schema):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(max_length=254, json_schema_extra=EMAIL)
    language: Literal["es", "en"] = "es"
    customer_id: int | None = None


class ContactPolicyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    max_messages: int
    per_days: int
    quiet_from: time
    quiet_until: time
    default_zone: str = Field(default="America/Guayaquil", max_length=40)


def campaign_out(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "objective": c.objective,
        "segment_id": c.segment_id,
        "offer_id": c.offer_id,
        "channels": c.channels,
        "purpose": c.purpose,
        "topic": c.topic,
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "status": c.status,
        "control_share": c.control_share,
        "fixed_cost": str(c.fixed_cost),
        "unit_costs": c.unit_costs,
        "conversion_days": c.conversion_days,
        "planned_at": c.planned_at,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def template_out(t: Any) -> dict[str, Any]:
    return {
        "channel": t.channel,
        "language": t.language,
        "subject": t.subject,
        "text_body": t.text_body,
        "html_body": t.html_body,
        "updated_at": t.updated_at,
    }


def _new(body: CampaignIn) -> campaigns.NewCampaign:
    fields = body.model_dump()
    fields["unit_costs"] = body.unit_costs.model_dump(exclude_none=True)
    return campaigns.NewCampaign(**fields)


def _found(campaign_id: int) -> Any:
    campaign = read.get(campaign_id)
    if campaign is None:
        raise campaigns.CampaignNotFound(
            _("There is no campaign %(c)s."), field="campaign_id", c=campaign_id
        )
    return campaign


@router.get("/marketing/campaigns", response={200: list[dict[str, Any]]})
def list_campaigns(request: HttpRequest, status: str = "") -> Any:
    require(request, Capability.MARKETING_VIEW)
    return [campaign_out(c) for c in read.listing(status)]


@router.post("/marketing/campaigns", response={200: list[dict[str, Any]], **errors(404)})
def create_campaigns(request: HttpRequest, body: list[CampaignIn]) -> Any:
    """Create drafts: every row or none (an error names ``campaigns[i].field``)."""
    who = require(request, Capability.MARKETING_MANAGE)
    return [campaign_out(c) for c in campaigns.create([_new(b) for b in body], who.actor)]


@router.get("/marketing/campaigns/{campaign_id}", response={200: dict[str, Any], **errors(404)})
def get_campaign(request: HttpRequest, campaign_id: int) -> Any:
    require(request, Capability.MARKETING_VIEW)
    campaign = _found(campaign_id)
    return {
        **campaign_out(campaign),
        "templates": [template_out(t) for t in read.templates(campaign_id)],
        "progress": read.progress(campaign_id),
    }


@router.put(
    "/marketing/campaigns/{campaign_id}", response={200: dict[str, Any], **errors(404, 409)}
)
def update_campaign(request: HttpRequest, campaign_id: int, body: CampaignIn) -> Any:
    who = require(request, Capability.MARKETING_MANAGE)
    return campaign_out(campaigns.update(campaign_id, _new(body), who.actor))


@router.put(
    "/marketing/campaigns/{campaign_id}/templates",
    response={200: list[dict[str, Any]], **errors(404, 409)},
)
def save_templates(request: HttpRequest, campaign_id: int, body: list[CampaignTemplateIn]) -> Any:
    """Add or replace templates by channel and language; a placeholder that does not exist or
    a syntax error refuses them all (``templates[i].html_body``)."""
    who = require(request, Capability.MARKETING_MANAGE)
    rows = [campaigns.NewTemplate(**t.model_dump()) for t in body]
    return [template_out(t) for t in campaigns.save_templates(campaign_id, rows, who.actor)]


@router.get(
    "/marketing/campaigns/{campaign_id}/preview", response={200: dict[str, Any], **errors(404)}
)
def preview(
    request: HttpRequest,
    campaign_id: int,
    customer_id: int,
    channel: str = "email",
    language: str = "es",
) -> Any:
    """The message as this customer would receive it (subject, text, HTML)."""
    require(request, Capability.MARKETING_VIEW)
    return sending.preview(campaign_id, channel, language, customer_id)


@router.post(
    "/marketing/campaigns/{campaign_id}/test-send", response={200: dict[str, Any], **errors(404)}
)
def test_send(request: HttpRequest, campaign_id: int, body: CampaignTestSendIn) -> Any:
    """Send the e-mail template to one address (subject marked [TEST]); nothing is recorded."""
    require(request, Capability.MARKETING_MANAGE)
    return sending.test_send(campaign_id, body.to, body.language, body.customer_id)


def _steer(request: HttpRequest, campaign_id: int, action: str) -> Any:
    who = require(request, Capability.MARKETING_MANAGE)
    campaign = sending.steer(campaign_id, action, who.actor)
    return {**campaign_out(campaign), "progress": read.progress(campaign_id)}


@router.post(
    "/marketing/campaigns/{campaign_id}/launch", response={200: dict[str, Any], **errors(404, 409)}
)
def launch(request: HttpRequest, campaign_id: int) -> Any:
    """Plan the run (segment snapshot, control group held out) and start sending."""
    require(request, Capability.MARKETING_MANAGE)
    return _steer(request, campaign_id, "launch")


@router.post(
    "/marketing/campaigns/{campaign_id}/pause", response={200: dict[str, Any], **errors(404, 409)}
)
def pause(request: HttpRequest, campaign_id: int) -> Any:
    require(request, Capability.MARKETING_MANAGE)
    return _steer(request, campaign_id, "pause")


@router.post(
    "/marketing/campaigns/{campaign_id}/resume", response={200: dict[str, Any], **errors(404, 409)}
)
def resume(request: HttpRequest, campaign_id: int) -> Any:
    require(request, Capability.MARKETING_MANAGE)
    return _steer(request, campaign_id, "resume")


@router.post(
    "/marketing/campaigns/{campaign_id}/cancel", response={200: dict[str, Any], **errors(404, 409)}
)
def cancel(request: HttpRequest, campaign_id: int) -> Any:
    require(request, Capability.MARKETING_MANAGE)
    return _steer(request, campaign_id, "cancel")


@router.get(
    "/marketing/campaigns/{campaign_id}/progress", response={200: dict[str, Any], **errors(404)}
)
def progress(request: HttpRequest, campaign_id: int) -> Any:
    """Messages per status, the share done and the reasons messages were skipped."""
    require(request, Capability.MARKETING_VIEW)
    campaign = _found(campaign_id)
    return {
        "status": campaign.status,
        **read.progress(campaign_id),
        "skipped": read.skip_reasons(campaign_id),
    }


def policy_out(row: Any) -> dict[str, Any]:
    return {
        "max_messages": row.max_messages,
        "per_days": row.per_days,
        "quiet_from": row.quiet_from,
        "quiet_until": row.quiet_until,
        "default_zone": row.default_zone,
        "updated_at": row.updated_at,
    }


@router.get("/marketing/contact-policy", response={200: dict[str, Any]})
def get_policy(request: HttpRequest) -> Any:
    require(request, Capability.MARKETING_VIEW)
    return policy_out(contact_policy.policy())


@router.put("/marketing/contact-policy", response={200: dict[str, Any]})
def put_policy(request: HttpRequest, body: ContactPolicyIn) -> Any:
    """The fatigue cap (messages per customer in days, every channel and campaign) and the
    quiet hours kept in each customer's own time zone."""
    who = require(request, Capability.MARKETING_MANAGE)
    return policy_out(contact_policy.update(who.actor, **body.model_dump()))
