"""The cross-sell rules over the API: the mined rule list, and one customer's offers.

Thin: the capability, then the selectors. Mounted by ``lealtad.api`` beside the analytics
router; the rules are mined by the refresh (``services.basket.mine_rules``)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from lealtad.analytics.selectors import basket as selectors
from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.customers.selectors import readable

router = Router(tags=["analytics"])


class RuleOut(Schema):
    antecedent: list[str] = Field(description="Product codes bought")
    consequent: list[str] = Field(description="Product codes bought with them")
    support: float = Field(description="Share of baskets holding both sides")
    confidence: float = Field(description="Share of the antecedent's baskets holding both")
    lift: float = Field(description="Confidence over the consequent's own share of baskets")
    count: int = Field(description="Baskets holding both sides")
    baskets: int = Field(description="Baskets mined")
    computed_at: datetime
    run_id: str


class RulesOut(Schema):
    rules: list[RuleOut]


class RulesQuery(Schema):
    limit: int = Field(default=100, ge=1, le=selectors.MAX_LIMIT)
    min_lift: float = Field(default=0.0, ge=0, le=1e9, description="Only rules at least this lift")
    item: str = Field(default="", max_length=60, description="Only rules naming this product")


class OfferOut(Schema):
    products: list[str] = Field(description="What to offer")
    because: list[str] = Field(description="What the customer bought that makes it likely")
    confidence: float
    lift: float
    score: float = Field(description="lift x confidence, the ranking")


class CrossSellOut(Schema):
    customer_id: int
    offers: list[OfferOut]


@router.get("/analytics/basket-rules", response=RulesOut, summary="Market-basket rules, by lift")
def rules(request: HttpRequest, query: Query[RulesQuery]) -> dict[str, object]:
    require(request, Capability.ANALYTICS_VIEW)
    return {"rules": selectors.rules(query.limit, query.min_lift, query.item.strip())}


@router.get(
    "/analytics/customers/{customer_id}/cross-sell",
    response=CrossSellOut,
    summary="Cross-sell offers for one customer",
)
def cross_sell(request: HttpRequest, customer_id: int, limit: int = 10) -> dict[str, object]:
    """Rules whose antecedent the customer bought and whose consequent they have not."""
    who = require(request, Capability.ANALYTICS_VIEW)
    if readable(customer_id, who.reader) is None:
        raise HttpError(404, f"no customer {customer_id}")
    offers = selectors.cross_sell_for(customer_id, max(1, min(limit, 100)))
    return {
        "customer_id": customer_id,
        "offers": [
            {
                "products": [str(code) for code in offer.items],
                "because": [str(code) for code in offer.because],
                "confidence": offer.confidence,
                "lift": offer.lift,
                "score": offer.score,
            }
            for offer in offers
        ],
    }
