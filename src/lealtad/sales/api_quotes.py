"""Quotes over HTTP (``/api/v1/sales/quotes``). Thin: the services decide, refusals are
answered by the one domain-error handler (422 naming the line, 409 for a state)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import AfterValidator, ConfigDict, model_validator

from lealtad.commerce.schemas import FULFIL_RULES, PaymentIn
from lealtad.commerce.schemas.common import AddressKind, Channel, Fulfilment, check_fulfilment
from lealtad.core import normalize
from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.core.text_schema import EMAIL, NOT_BLANK, CleanText
from lealtad.sales import selectors_quotes
from lealtad.sales.models import Quote
from lealtad.sales.quote_totals import amount_text
from lealtad.sales.services import quote_acceptance, quote_sending, quotes

router = Router(tags=["sales: quotes"])

_STRICT = ConfigDict(extra="forbid")
PercentText = Annotated[
    str,
    Field(
        pattern=r"^(?:100(?:\.0{1,2})?|[0-9]{1,2}(?:\.[0-9]{1,2})?)$",
        description="a percentage, 0 to 100, at most 2 decimals: ``12.5``",
    ),
]
AmountText = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,12}(?:\.[0-9]{1,2})?$",
        description="an amount in the quote's currency, at most 2 decimals: ``150.00``",
    ),
]
EmailText = Annotated[
    str, Field(max_length=254, json_schema_extra=EMAIL), AfterValidator(normalize.email)
]


class SalesQuoteLineIn(Schema):
    model_config = _STRICT

    sku: str = Field(min_length=1, max_length=60)
    quantity: int = Field(ge=1, le=100_000)
    group: CleanText = Field(default="", max_length=100, description="the section it is shown in")
    discount_percent: PercentText = "0"
    discount_amount: AmountText = "0"


class SalesQuoteIn(Schema):
    """A draft: for a customer or an opportunity (its customer), in a country (its VAT);
    the currency is the products'. Each SKU once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"anyOf": [{"required": ["customer_id"]}, {"required": ["opportunity"]}]},
    )

    country: str = Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166: EC, CO, PE, MX…")
    lines: list[SalesQuoteLineIn] = Field(min_length=1, max_length=200)
    customer_id: int | None = Field(default=None, ge=1)
    opportunity: str | None = Field(
        default=None, min_length=1, max_length=20, description="the opportunity's number"
    )
    title: CleanText = Field(default="", max_length=200)
    channel: Channel = "field"
    language: Literal["es", "en"] = "es"
    valid_until: date | None = None
    discount_percent: PercentText = "0"
    discount_amount: AmountText = "0"


class QuoteDecisionIn(Schema):
    """A rejection says why (``note`` not blank)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"approve": {"const": False}}},
            "then": {"required": ["note"], "properties": {"note": {"pattern": NOT_BLANK}}},
        },
    )

    approve: bool
    note: CleanText = Field(default="", max_length=500)


class QuoteSendIn(Schema):
    model_config = _STRICT

    to: EmailText


class QuoteAcceptIn(Schema):
    """How the order is fulfilled and paid, as commerce's ``POST /orders`` takes it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=FULFIL_RULES)

    fulfilment: Fulfilment
    ship_address_kind: AddressKind | None = None
    ship_address_id: int | None = Field(default=None, ge=1)
    pickup_location: str | None = Field(default=None, max_length=40)
    payment: PaymentIn

    @model_validator(mode="after")
    def _fulfilment(self) -> QuoteAcceptIn:
        check_fulfilment(
            self.fulfilment, self.ship_address_id, self.ship_address_kind, self.pickup_location
        )
        return self


class ListFilter(Schema):
    customer_id: int | None = Field(default=None, ge=1)
    status: Literal[
        "", "draft", "pending_approval", "approved", "rejected", "sent", "accepted", "superseded"
    ] = ""


def _line(line: SalesQuoteLineIn) -> quotes.LineInput:
    return quotes.LineInput(
        sku=line.sku,
        quantity=line.quantity,
        group=line.group,
        discount_percent=Decimal(line.discount_percent),
        discount_amount=Decimal(line.discount_amount),
    )


def _input(body: SalesQuoteIn) -> quotes.QuoteInput:
    fields = body.model_dump(
        exclude={"lines", "opportunity", "discount_percent", "discount_amount"}
    )
    return quotes.QuoteInput(
        **fields,
        opportunity=body.opportunity or "",
        discount_percent=Decimal(body.discount_percent),
        discount_amount=Decimal(body.discount_amount),
        lines=[_line(line) for line in body.lines],
    )


def quote_dict(quote: Quote) -> dict[str, Any]:
    """A version with the amounts its page and PDF show (strings, to the cent)."""
    doc = selectors_quotes.document(quote)
    totals = doc.totals
    return {
        "number": quote.number,
        "version": quote.version,
        "status": quote.status,
        "customer_id": quote.customer_id,
        "opportunity": quote.opportunity.number if quote.opportunity else None,
        "title": quote.title,
        "country": quote.country,
        "currency": quote.currency,
        "language": quote.language,
        "valid_until": quote.valid_until,
        "tax": {"name": quote.tax_name, "rate": str(quote.tax_rate)},
        "groups": [
            {
                "name": g.name,
                "lines": [
                    {
                        "sku": line.sku,
                        "description": line.description,
                        "quantity": line.quantity,
                        "unit_price": str(line.unit_price),
                        "amount": str(line.base),
                        "discount": str(line.discount),
                        "tax": str(line.tax),
                        "total": str(line.total),
                    }
                    for line in g.lines
                ],
                "subtotal": str(g.subtotal),
                "discount": str(g.discount),
                "tax": str(g.tax),
                "total": str(g.total),
            }
            for g in totals.groups
        ],
        "subtotal": str(totals.subtotal),
        "discount": str(totals.discount),
        "tax_amount": str(totals.tax),
        "total": str(totals.total),
        "total_text": amount_text(totals.total),
        "negotiated_percent": str(quote.negotiated_percent),
        "promotions": quote.promotions,
        "sent_to": quote.sent_to,
        "sent_at": quote.sent_at,
        "order_number": quote.order_number or None,
    }


@router.get("/sales/quotes", response={200: list[dict[str, Any]]})
def list_quotes(request: HttpRequest, filters: Query[ListFilter]) -> Any:
    require(request, Capability.SALES_WORK)
    rows = selectors_quotes.recent(filters.customer_id, filters.status)
    return [
        {
            "number": q.number,
            "version": q.version,
            "status": q.status,
            "customer_id": q.customer_id,
            "total": str(q.total),
            "currency": q.currency,
        }
        for q in rows
    ]


@router.post("/sales/quotes", response={201: dict[str, Any], **errors(404, 409)})
def create_quote(request: HttpRequest, body: SalesQuoteIn) -> Any:
    who = require(request, Capability.SALES_WORK)
    return 201, quote_dict(quotes.create_quote(_input(body), who.actor))


@router.get("/sales/quotes/{number}", response={200: dict[str, Any], **errors(404)})
def get_quote(
    request: HttpRequest, number: str, version: int | None = Query(None, ge=1, le=100_000)
) -> Any:
    """The latest version, or ``?version=`` an earlier one (as it was)."""
    require(request, Capability.SALES_WORK)
    found = quotes.version_of(number, version) if version else quotes.latest(number)
    return {**quote_dict(found), "versions": [q.version for q in selectors_quotes.versions(number)]}


@router.get("/sales/quotes/{number}/pdf", response={200: None, **errors(404)})
def quote_pdf(
    request: HttpRequest, number: str, version: int | None = Query(None, ge=1, le=100_000)
) -> HttpResponse:
    require(request, Capability.SALES_WORK)
    found = quotes.version_of(number, version) if version else quotes.latest(number)
    response = HttpResponse(quote_sending.pdf_of(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.number}-v{found.version}.pdf"'
    return response


@router.put("/sales/quotes/{number}", response={200: dict[str, Any], **errors(404, 409)})
def update_quote(request: HttpRequest, number: str, body: SalesQuoteIn) -> Any:
    """Rewrite the draft (a sent or decided version cannot change: 409, revise it)."""
    who = require(request, Capability.SALES_WORK)
    return quote_dict(quotes.update_draft(number, _input(body), who.actor))


@router.post("/sales/quotes/{number}/revise", response={201: dict[str, Any], **errors(404, 409)})
def revise(request: HttpRequest, number: str) -> Any:
    who = require(request, Capability.SALES_WORK)
    return 201, quote_dict(quotes.revise(number, who.actor))


@router.post("/sales/quotes/{number}/submit", response={200: dict[str, Any], **errors(404, 409)})
def submit(request: HttpRequest, number: str) -> Any:
    """Approved at once within the discount limit, else waiting for a sales manager."""
    who = require(request, Capability.SALES_WORK)
    return quote_dict(quotes.submit(number, who.actor))


@router.post("/sales/quotes/{number}/decision", response={200: dict[str, Any], **errors(404, 409)})
def decide(request: HttpRequest, number: str, body: QuoteDecisionIn) -> Any:
    who = require(request, Capability.SALES_MANAGE)
    return quote_dict(quotes.decide(number, body.approve, body.note, who.actor))


@router.post("/sales/quotes/{number}/send", response={200: dict[str, Any], **errors(404, 409)})
def send(request: HttpRequest, number: str, body: QuoteSendIn) -> Any:
    who = require(request, Capability.SALES_WORK)
    return quote_dict(quote_sending.send(number, body.to, who.actor))


@router.post(
    "/sales/quotes/{number}/accept", response={200: dict[str, Any], **errors(402, 404, 409)}
)
def accept(request: HttpRequest, number: str, body: QuoteAcceptIn) -> Any:
    """Place the order through commerce at the quote's total (409 if prices moved since)."""
    who = require(request, Capability.SALES_WORK)
    require(request, Capability.SELL)
    terms = body.model_dump(exclude_none=True, mode="json")
    return quote_dict(quote_acceptance.accept(number, terms, who.actor))
