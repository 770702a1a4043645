"""A member's points over HTTP (``/api/v1/loyalty/…``): standing, ledger, statement,
redemptions on any channel (partial too), adjustments and referrals.

Reading needs ``VIEW`` and reaches only customers the caller may see (404 otherwise);
redeeming and referring at a till are selling (``SELL``); adjustments need
``LOYALTY_MANAGE``. More points than the balance answer 409 ``insufficient_points`` and
spend nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import Principal, require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.customers import selectors as customer_selectors
from lealtad.loyalty import selectors
from lealtad.loyalty.models import Member
from lealtad.loyalty.schemas import Amount
from lealtad.loyalty.services import movements, programs, referrals
from lealtad.loyalty.services.common import LoyaltyNotFound
from lealtad.loyalty.statements import month_range

router = Router(tags=["loyalty: members"])
PREFIX = "/loyalty"


class LoyaltyRedemptionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    customer: int
    program: str | None = Field(default=None, max_length=40)
    points: int | None = Field(default=None, ge=1)
    amount: Amount | None = None
    channel: str = Field(min_length=1, max_length=40)
    order_reference: str = Field(default="", max_length=80)
    idempotency_key: str = Field(min_length=1, max_length=120)


class LoyaltyAdjustmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    customer: int
    program: str | None = Field(default=None, max_length=40)
    points: int
    reason: str = Field(min_length=1, max_length=500)
    idempotency_key: str = Field(min_length=1, max_length=120)


class LoyaltyReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=16)
    customer: int
    program: str | None = Field(default=None, max_length=40)


def _member(who: Principal, customer_id: int, program: str | None = None) -> Member:
    """The customer's membership, if the caller reaches the customer (else 404)."""
    found = None
    if customer_selectors.readable(customer_id, who.reader) is not None:
        program_id = programs.program(program).pk if program else None
        found = selectors.member_for_customer(customer_id, program_id)
    if found is None:
        raise LoyaltyNotFound(_("Customer %(c)s is not a member."), field="customer", c=customer_id)
    return found


@router.get(f"{PREFIX}/customers/{{customer_id}}", response={200: dict[str, Any], **errors(404)})
def member_standing(request: HttpRequest, customer_id: int, program: str | None = None) -> Any:
    """Tier, balance (and its value), points to the next tier, points expiring soon."""
    who = require(request, Capability.VIEW)
    return selectors.standing(_member(who, customer_id, program))


@router.get(
    f"{PREFIX}/customers/{{customer_id}}/ledger",
    response={200: list[dict[str, Any]], **errors(404)},
)
def member_ledger(request: HttpRequest, customer_id: int, program: str | None = None) -> Any:
    """Every movement, newest first, with its source (order, return, redemption…)."""
    who = require(request, Capability.VIEW)
    return [selectors.entry_row(e) for e in selectors.ledger(_member(who, customer_id, program))]


@router.get(
    f"{PREFIX}/customers/{{customer_id}}/statement", response={200: dict[str, Any], **errors(404)}
)
def member_statement(
    request: HttpRequest,
    customer_id: int,
    month: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    program: str | None = None,
) -> Any:
    """Opening balance, movements and closing balance for a month (``2026-05``) or a range."""
    who = require(request, Capability.VIEW)
    found = _member(who, customer_id, program)
    first, last = month_range(month, start, end)
    return selectors.statement(found, first, last).as_dict()


@router.post(f"{PREFIX}/redemptions", response={201: dict[str, Any], **errors(404, 409)})
def redeem(request: HttpRequest, body: LoyaltyRedemptionIn) -> Any:
    """Spend points (or an amount's worth) on any channel; a repeated key answers the first."""
    who = require(request, Capability.SELL)
    found = _member(who, body.customer, body.program)
    row = movements.Redeem(
        found.pk, body.channel, body.idempotency_key, body.points, body.amount, body.order_reference
    )
    [made] = movements.redeem([row], who.actor)
    return 201, selectors.redemption_row(made)


@router.post(
    f"{PREFIX}/redemptions/{{redemption_id}}/cancel",
    response={200: dict[str, Any], **errors(404, 409)},
)
def cancel_redemption(request: HttpRequest, redemption_id: int) -> Any:
    """Points back to the member (a second cancel is 409)."""
    who = require(request, Capability.SELL)
    found = selectors.redemption(redemption_id)
    if found is None or customer_selectors.readable(found.member.customer_id, who.reader) is None:
        raise LoyaltyNotFound(_("There is no such redemption."), field="redemption")
    return selectors.redemption_row(movements.cancel(redemption_id, who.actor))


@router.post(f"{PREFIX}/adjustments", response={201: dict[str, Any], **errors(404, 409)})
def adjust(request: HttpRequest, body: LoyaltyAdjustmentIn) -> Any:
    """Points added or taken by hand with a reason (never below a zero balance)."""
    who = require(request, Capability.LOYALTY_MANAGE)
    found = _member(who, body.customer, body.program)
    [entry] = movements.adjust(
        [movements.Adjust(found.pk, body.points, body.reason, body.idempotency_key)], who.actor
    )
    return 201, selectors.entry_row(entry)


@router.post(f"{PREFIX}/referrals", response={201: dict[str, Any], **errors(404, 409)})
def refer(request: HttpRequest, body: LoyaltyReferralIn) -> Any:
    """A new customer joins with a member's code: both are rewarded, once."""
    who = require(request, Capability.SELL)
    if customer_selectors.readable(body.customer, who.reader) is None:
        raise LoyaltyNotFound(_("There is no customer %(c)s."), field="customer", c=body.customer)
    program = programs.program(body.program) if body.program else programs.default()
    made = referrals.refer(program, body.code, body.customer, who.actor)
    return 201, {
        "id": made.pk,
        "code": made.code,
        "referrer_customer": made.referrer.customer_id,
        "referred_customer": made.referred_customer_id,
        "rewarded_at": made.rewarded_at,
    }
