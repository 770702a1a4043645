"""Next-best-offer over HTTP: the offers for a customer on any channel (recorded as shown),
the customer's answer from any channel, the offer catalog with its tallies, and the monthly
uplift report (offered vs the random holdout)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import Principal, require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.core.text_schema import NOT_BLANK
from lealtad.customers.selectors import reaches
from lealtad.marketing.schemas import (
    CapPeriodCode,
    ChurnBandCode,
    Money,
    OfferKindCode,
    OfferPurposeCode,
    StageCode,
    TierCode,
)
from lealtad.marketing.selectors import offer_uplift
from lealtad.marketing.selectors import offers as reads
from lealtad.marketing.services import offer_catalog, offers
from lealtad.marketing.services.offers import OfferNotFound, OfferRefused

router = Router(tags=["marketing: next-best-offer"])
Channel = Literal["web", "kiosk", "pos", "handheld", "call_center", "email"]


class OfferAnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["accepted", "declined", "ignored"]
    channel: Channel
    idempotency_key: str = Field(default="", max_length=80)


class OfferCatalogIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[-A-Za-z0-9_]{1,40}$")
    name_es: str = Field(max_length=120, pattern=NOT_BLANK)
    name_en: str = Field(max_length=120, pattern=NOT_BLANK)
    kind: OfferKindCode
    pitch_es: str = Field(default="", max_length=300)
    pitch_en: str = Field(default="", max_length=300)
    purpose: OfferPurposeCode = "marketing"
    product_sku: str = Field(default="", max_length=64)
    product_category: str = Field(default="", max_length=80)
    target_plan: str = Field(default="", max_length=64)
    channels: list[Channel] = Field(min_length=1, max_length=6)
    segment_id: int | None = None
    tiers: list[TierCode] = Field(default_factory=list, max_length=10)
    lifecycle_stages: list[StageCode] = Field(default_factory=list, max_length=10)
    churn_bands: list[ChurnBandCode] = Field(default_factory=list, max_length=5)
    min_clv: Money | None = None
    priority: int = Field(default=50, ge=0, le=100)
    value: Money = Decimal(0)
    starts_on: date | None = None
    ends_on: date | None = None
    max_shown: int | None = Field(default=None, ge=1)
    cap_period: CapPeriodCode = "week"
    max_accepted: int | None = Field(default=None, ge=1)
    daily_budget: int | None = Field(default=None, ge=1)
    active: bool = True


class OfferProgramIn(Schema):
    """The limits across offers; a day's limit is at most the week's (else 409)."""

    model_config = ConfigDict(extra="forbid")

    holdout_share: float = Field(ge=0, le=0.5)
    max_per_day: int = Field(ge=1, le=200)
    max_per_week: int = Field(ge=1, le=200)


@router.get("/customers/{customer_id}/offers", response={200: dict[str, Any], **errors(404)})
def customer_offers(
    request: HttpRequest,
    customer_id: int,
    channel: Channel = "web",
    limit: int = Query(3, ge=1, le=10),
    key: str = Query("", max_length=80),
    store: str = Query("", max_length=40),
) -> Any:
    """The customer's best offers on ``channel`` now (recorded as shown). Pass the screen or
    request id as ``key`` so a refresh counts once; ``store`` (a location code) checks the
    stock of that store for the till, the handheld and the kiosk."""
    who = require(request, Capability.VIEW)
    _readable(customer_id, who)
    return offers.present(customer_id, channel, limit, key, store, by=who.actor.label)


@router.post(
    "/customers/{customer_id}/offers/{code}/responses",
    response={200: dict[str, Any], **errors(404, 409)},
)
def answer_offer(request: HttpRequest, customer_id: int, code: str, body: OfferAnswerIn) -> Any:
    """Accepted, declined or ignored, from any channel; a retry with the same key answers
    the first recording (``replay``: true)."""
    who = require(request, Capability.VIEW)
    _readable(customer_id, who)
    row = offers.Answer(customer_id, code, body.outcome, body.channel, body.idempotency_key)
    return offers.record_answers([row], by=who.actor.label)[0]


def _readable(customer_id: int, who: Principal) -> None:
    """A customer the caller may not read (another channel's, another store's) is not there;
    one that is not there at all is refused by the use case, which reads the record anyway."""
    if not reaches(customer_id, who.reader):
        raise OfferNotFound(_("There is no customer %(id)s."), field="customer_id", id=customer_id)


def _offer_out(offer: Any) -> dict[str, Any]:
    given = offer_catalog.as_input(offer)
    return {**vars(given), "id": offer.pk, "updated_at": offer.updated_at}


@router.get("/marketing/offers", response={200: list[dict[str, Any]]})
def list_offers(request: HttpRequest) -> Any:
    """Every offer with its tallies per channel (shown, accepted, declined, ignored, rate)."""
    require(request, Capability.MARKETING_VIEW)
    return [
        {**_offer_out(row["offer"]), "totals": row["totals"], "by_channel": row["channels"]}
        for row in reads.offers_page()
    ]


@router.post("/marketing/offers", response={200: list[dict[str, Any]], **errors(404)})
def save_offers(request: HttpRequest, body: list[OfferCatalogIn]) -> Any:
    """Create or change offers by code: every row or none (the error names ``rows[i]``)."""
    who = require(request, Capability.MARKETING_MANAGE)
    rows = [offer_catalog.OfferIn(**item.model_dump()) for item in body]
    return [_offer_out(o) for o in offer_catalog.save_offers(rows, by=who.actor.label)]


@router.get("/marketing/offers/uplift", response={200: dict[str, Any]})
def offers_uplift(request: HttpRequest, month: str) -> Any:
    """The month's offered vs holdout customers: conversion rate and revenue per customer,
    the lift and its 95% interval."""
    require(request, Capability.MARKETING_VIEW)
    if not offer_uplift.MONTH.match(month):
        raise OfferRefused(_("A month is written YYYY-MM."), field="month")
    return offer_uplift.uplift(month)


@router.put("/marketing/offers/program", response={200: dict[str, Any]})
def offers_program(request: HttpRequest, body: OfferProgramIn) -> Any:
    """The holdout share and the fatigue limits across offers and channels."""
    require(request, Capability.MARKETING_MANAGE)
    row = offer_catalog.set_program(body.holdout_share, body.max_per_day, body.max_per_week)
    return {
        "holdout_share": row.holdout_share,
        "max_per_day": row.max_per_day,
        "max_per_week": row.max_per_week,
    }


@router.get("/marketing/offers/{code}", response={200: dict[str, Any], **errors(404)})
def get_offer(request: HttpRequest, code: str) -> Any:
    require(request, Capability.MARKETING_VIEW)
    offer = reads.offer_by_code(code)
    if offer is None:
        raise OfferNotFound(_("There is no offer %(code)s."), field="code", code=code)
    return _offer_out(offer)


@router.delete("/marketing/offers/{code}", response={200: dict[str, Any], **errors(404)})
def retire_offer(request: HttpRequest, code: str) -> Any:
    """Switch the offer off (its events stay, so its history and tallies stay readable)."""
    who = require(request, Capability.MARKETING_MANAGE)
    offer = reads.offer_by_code(code)
    if offer is None:
        raise OfferNotFound(_("There is no offer %(code)s."), field="code", code=code)
    given = offer_catalog.as_input(offer)
    given.active = False
    return _offer_out(offer_catalog.save_offers([given], by=who.actor.label)[0])
