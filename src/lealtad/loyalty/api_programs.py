"""Programs, tiers, earning rules and bonus campaigns over HTTP (``/api/v1/loyalty/programs``),
for whoever manages the program (``loyalty:manage``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.loyalty import selectors
from lealtad.loyalty.models import BonusCampaign, EarningRule, Program, Tier
from lealtad.loyalty.schemas import Multiplier, PointsPerUnit, PointValue
from lealtad.loyalty.services import programs

router = Router(tags=["loyalty: programs"])
PREFIX = "/loyalty/programs"


class LoyaltyProgramIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[-a-z0-9_]+$")
    name: str | None = Field(default=None, min_length=1, max_length=120)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    point_value: PointValue | None = None
    expiry_months: int | None = Field(default=None, ge=0, le=120)
    tier_window_months: int | None = Field(default=None, ge=1, le=60)
    grace_months: int | None = Field(default=None, ge=0, le=24)
    negative_balance: Literal["owe", "forfeit"] | None = None
    auto_enrol: bool | None = None
    referrer_points: int | None = Field(default=None, ge=0)
    referred_points: int | None = Field(default=None, ge=0)
    referral_code_months: int | None = Field(default=None, ge=0, le=120)
    active: bool | None = None


class LoyaltyTierIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=60)
    rank: int | None = Field(default=None, ge=0, le=100)
    threshold: int | None = Field(default=None, ge=0)
    multiplier: Multiplier | None = None
    benefits: str | None = Field(default=None, max_length=2000)


class LoyaltyRuleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    channel: str | None = Field(default=None, max_length=40)
    sku: str | None = Field(default=None, max_length=60)
    category: str | None = Field(default=None, max_length=60)
    promotion: str | None = Field(default=None, max_length=60)
    points_per_unit: PointsPerUnit | None = None
    multiplier: Multiplier | None = None
    starts: datetime | None = None
    ends: datetime | None = None


class LoyaltyBonusIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    multiplier: Multiplier | None = None
    channel: str | None = Field(default=None, max_length=40)
    category: str | None = Field(default=None, max_length=60)
    starts: datetime | None = None
    ends: datetime | None = None


def _given(body: Schema) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True)


def program_dict(p: Program) -> dict[str, Any]:
    return {
        **{name: getattr(p, name) for name in programs.PROGRAM_FIELDS},
        "id": p.pk,
        "point_value": str(p.point_value),
        "tiers": [tier_dict(t) for t in p.tiers.all()],
        "rules": [rule_dict(r) for r in p.rules.all()],
        "bonuses": [bonus_dict(b) for b in p.bonuses.all()],
    }


def tier_dict(t: Tier) -> dict[str, Any]:
    return {
        "id": t.pk,
        **{n: getattr(t, n) for n in programs.TIER_FIELDS},
        "multiplier": str(t.multiplier),
    }


def rule_dict(r: EarningRule) -> dict[str, Any]:
    found = {n: getattr(r, n) for n in programs.RULE_FIELDS}
    return {
        "id": r.pk,
        **found,
        "points_per_unit": str(r.points_per_unit),
        "multiplier": str(r.multiplier),
    }


def bonus_dict(b: BonusCampaign) -> dict[str, Any]:
    return {
        "id": b.pk,
        **{n: getattr(b, n) for n in programs.BONUS_FIELDS},
        "multiplier": str(b.multiplier),
    }


@router.get(PREFIX, response={200: list[dict[str, Any]]})
def list_programs(request: HttpRequest) -> Any:
    require(request, Capability.LOYALTY_MANAGE)
    return [program_dict(p) for p in selectors.programs()]


@router.post(PREFIX, response={201: dict[str, Any], **errors(409)})
def create_program(request: HttpRequest, body: LoyaltyProgramIn) -> Any:
    who = require(request, Capability.LOYALTY_MANAGE)
    return 201, program_dict(programs.save_program(_given(body), who.actor))


@router.get(f"{PREFIX}/{{program_id}}", response={200: dict[str, Any], **errors(404)})
def get_program(request: HttpRequest, program_id: int) -> Any:
    require(request, Capability.LOYALTY_MANAGE)
    return program_dict(programs.program(program_id))


@router.patch(f"{PREFIX}/{{program_id}}", response={200: dict[str, Any], **errors(404, 409)})
def update_program(request: HttpRequest, program_id: int, body: LoyaltyProgramIn) -> Any:
    who = require(request, Capability.LOYALTY_MANAGE)
    return program_dict(programs.save_program(_given(body), who.actor, program_id))


@router.post(f"{PREFIX}/{{program_id}}/tiers", response={201: dict[str, Any], **errors(404, 409)})
def add_tier(request: HttpRequest, program_id: int, body: LoyaltyTierIn) -> Any:
    who = require(request, Capability.LOYALTY_MANAGE)
    found = programs.program(program_id)
    return 201, tier_dict(programs.save_tier(found, _given(body), who.actor))


@router.patch(
    f"{PREFIX}/{{program_id}}/tiers/{{tier_id}}", response={200: dict[str, Any], **errors(404, 409)}
)
def update_tier(request: HttpRequest, program_id: int, tier_id: int, body: LoyaltyTierIn) -> Any:
    who = require(request, Capability.LOYALTY_MANAGE)
    found = programs.program(program_id)
    return tier_dict(programs.save_tier(found, _given(body), who.actor, tier_id))


@router.delete(f"{PREFIX}/{{program_id}}/tiers/{{tier_id}}", response={204: None, **errors(404)})
def delete_tier(request: HttpRequest, program_id: int, tier_id: int) -> Any:
    who = require(request, Capability.LOYALTY_MANAGE)
    programs.delete(Tier, tier_id, who.actor, program=programs.program(program_id))
    return 204, None


@router.post(f"{PREFIX}/{{program_id}}/rules", response={201: dict[str, Any], **errors(404)})
def add_rule(request: HttpRequest, program_id: int, body: LoyaltyRuleIn) -> Any:
    who = require(request, Capability.LOYALTY_MANAGE)
    found = programs.program(program_id)
    return 201, rule_dict(programs.save_rule(found, _given(body), who.actor))


@router.patch(
    f"{PREFIX}/{{program_id}}/rules/{{rule_id}}", response={200: dict[str, Any], **errors(404)}
)
def update_rule(request: HttpRequest, program_id: int, rule_id: int, body: LoyaltyRuleIn) -> Any:
    who = require(request, Capability.LOYALTY_MANAGE)
    found = programs.program(program_id)
    return rule_dict(programs.save_rule(found, _given(body), who.actor, rule_id))


@router.delete(f"{PREFIX}/{{program_id}}/rules/{{rule_id}}", response={204: None, **errors(404)})
def delete_rule(request: HttpRequest, program_id: int, rule_id: int) -> Any:
    who = require(request, Capability.LOYALTY_MANAGE)
    programs.delete(EarningRule, rule_id, who.actor, program=programs.program(program_id))
    return 204, None


@router.post(f"{PREFIX}/{{program_id}}/bonuses", response={201: dict[str, Any], **errors(404)})
def add_bonus(request: HttpRequest, program_id: int, body: LoyaltyBonusIn) -> Any:
    who = require(request, Capability.LOYALTY_MANAGE)
    found = programs.program(program_id)
    return 201, bonus_dict(programs.save_bonus(found, _given(body), who.actor))


@router.patch(
    f"{PREFIX}/{{program_id}}/bonuses/{{bonus_id}}", response={200: dict[str, Any], **errors(404)}
)
def update_bonus(request: HttpRequest, program_id: int, bonus_id: int, body: LoyaltyBonusIn) -> Any:
    who = require(request, Capability.LOYALTY_MANAGE)
    found = programs.program(program_id)
    return bonus_dict(programs.save_bonus(found, _given(body), who.actor, bonus_id))


@router.delete(f"{PREFIX}/{{program_id}}/bonuses/{{bonus_id}}", response={204: None, **errors(404)})
def delete_bonus(request: HttpRequest, program_id: int, bonus_id: int) -> Any:
    who = require(request, Capability.LOYALTY_MANAGE)
    programs.delete(BonusCampaign, bonus_id, who.actor, program=programs.program(program_id))
    return 204, None
