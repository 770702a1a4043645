"""Next-best-offer over HTTP: the offers for a customer on any channel (recorded as shown),
the customer's answer from any channel, the offer catalog with its tallies, and the monthly
uplift report (offered vs the random holdout)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import Principal, require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.customers.selectors import readable
from lealtad.marketing.selectors import offer_uplift
from lealtad.marketing.selectors import offers as reads
from lealtad.marketing.services import offer_catalog, offers
from lealtad.marketing.services.offers import OfferNotFound, OfferRefused

router = Router(tags=["marketing: next-best-offer"])
Channel = Literal["web", "kiosk", "pos", "handheld", "call_center", "email"]


class OfferAnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(max_length=20)
    channel: str = Field(max_length=20)
    idempotency_key: str = Field(default="", max_length=80)


class OfferCatalogIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=40)
    name_es: str = Field(max_length=120)
    name_en: str = Field(max_length=120)
    kind: str = Field(max_length=12)
    pitch_es: str = Field(default="", max_length=300)
    pitch_en: str = Field(default="", max_length=300)
    purpose: str = Field(default="marketing", max_length=10)
    product_sku: str = Field(default="", max_length=64)
    product_category: str = Field(default="", max_length=80)
    target_plan: str = Field(default="", max_length=64)
    channels: list[str] = Field(default_factory=list, max_length=6)
    segment_id: int | None = None
    tiers: list[str] = Field(default_factory=list, max_length=10)
    lifecycle_stages: list[str] = Field(default_factory=list, max_length=10)
    churn_bands: list[str] = Field(default_factory=list, max_length=5)
    min_clv: Decimal | None = None
    priority: int = 50
    value: Decimal = Decimal(0)
    starts_on: date | None = None
    ends_on: date | None = None
    max_shown: int | None = None
    cap_period: str = "week"
    max_accepted: int | None = None
    daily_budget: int | None = None
    active: bool = True


class OfferProgramIn(Schema):
    model_config = ConfigDict(extra="forbid")

    holdout_share: float
    max_per_day: int
    max_per_week: int


@router.get("/customers/{customer_id}/offers", response={200: dict[str, Any], **errors(404)})
def customer_offers(
    request: HttpRequest,
    customer_id: int,
    channel: str = "web",
    limit: int = 3,
    key: str = "",
    store: str = "",
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
    """A customer the caller may not read (another channel's, another store's) is not there."""
    if readable(customer_id, who.reader) is None:
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
