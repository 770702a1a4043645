"""Commission rules and statements over HTTP (``/api/v1/sales/commissions/…``), for whoever
manages the sales force (``sales.manage``). Thin: the services decide."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.core.text_schema import NOT_BLANK
from lealtad.sales import selectors_commissions
from lealtad.sales.schemas import Rate
from lealtad.sales.services import commission_rules, commissions

router = Router(tags=["sales: commissions"])
PREFIX = "/sales/commissions"


class CommissionRuleIn(Schema):
    """``rate`` is a fraction (0.05 is 5%); an empty dimension matches any sale."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, pattern=NOT_BLANK)
    basis: Literal["invoice", "payment", "margin"]
    rate: Rate
    valid_from: date
    valid_to: date | None = None
    product_line: str = Field(default="", max_length=60)
    rep_id: int | None = Field(default=None, ge=1)
    tier: str = Field(default="", max_length=12)
    customer_kind: Literal["", "new", "repeat"] = ""


class CommissionPeriodIn(Schema):
    model_config = ConfigDict(extra="forbid")

    rep: str = Field(min_length=1, max_length=150, description="user id or username")
    start: date
    end: date


@router.get(f"{PREFIX}/rules", response={200: list[dict[str, Any]]})
def list_rules(request: HttpRequest) -> Any:
    require(request, Capability.SALES_MANAGE)
    return [selectors_commissions.rule_dict(r) for r in selectors_commissions.rules()]


@router.post(f"{PREFIX}/rules", response={201: dict[str, Any], **errors(404, 409, 422)})
def create_rule(request: HttpRequest, body: CommissionRuleIn) -> Any:
    who = require(request, Capability.SALES_MANAGE)
    rule = commission_rules.save_rule(body.model_dump(), who.actor)
    return 201, selectors_commissions.rule_dict(rule)


@router.put(f"{PREFIX}/rules/{{rule_id}}", response={200: dict[str, Any], **errors(404, 409, 422)})
def update_rule(request: HttpRequest, rule_id: int, body: CommissionRuleIn) -> Any:
    who = require(request, Capability.SALES_MANAGE)
    rule = commission_rules.save_rule(body.model_dump(), who.actor, rule_id)
    return selectors_commissions.rule_dict(rule)


@router.delete(f"{PREFIX}/rules/{{rule_id}}", response={204: None, **errors(404, 409)})
def delete_rule(request: HttpRequest, rule_id: int) -> Any:
    require(request, Capability.SALES_MANAGE)
    commission_rules.delete_rule(rule_id)
    return 204, None


@router.get(f"{PREFIX}/preview", response={200: dict[str, Any], **errors(404, 422)})
def preview(request: HttpRequest, rep: str, start: date, end: date) -> Any:
    """What settling the rep's period would give; nothing is settled."""
    require(request, Capability.SALES_MANAGE)
    return commissions.preview(commissions.check_period(rep, start, end))


@router.post(f"{PREFIX}/statements", response={201: dict[str, Any], **errors(404, 409, 422)})
def settle(request: HttpRequest, body: CommissionPeriodIn) -> Any:
    """Settle the rep's period into a statement; a period settled already answers 409."""
    who = require(request, Capability.SALES_MANAGE)
    period = commissions.check_period(body.rep, body.start, body.end)
    return 201, commissions.settle(period, who.actor)


@router.get(f"{PREFIX}/statements", response={200: list[dict[str, Any]]})
def list_statements(request: HttpRequest, rep: str = "") -> Any:
    require(request, Capability.SALES_MANAGE)
    return selectors_commissions.statements(rep)


@router.get(f"{PREFIX}/statements/{{statement_id}}", response={200: dict[str, Any], **errors(404)})
def get_statement(request: HttpRequest, statement_id: int) -> Any:
    require(request, Capability.SALES_MANAGE)
    return commissions.statement_document(statement_id)
