"""An opportunity's products over HTTP (``/api/v1/sales/opportunities/{id}/lines``): read
them, or replace them all (the deal's amount follows unless ``update_amount`` is false).
Thin: the service decides."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.core.text_schema import NOT_BLANK
from lealtad.sales.schemas import Amount, Quantity
from lealtad.sales.selectors_opportunity_lines import Lines, lines_of
from lealtad.sales.services.opportunity_lines import LineIn, SetLines, set_lines

router = Router(tags=["sales: pipelines and opportunities"])

PERCENT = r"^(?:100(?:\.0{1,2})?|[0-9]{1,2}(?:\.[0-9]{1,2})?)$"


def _percent(value: object) -> object:
    if not isinstance(value, str) or not re.fullmatch(PERCENT, value):
        raise ValueError('a percent from 0 to 100 written as text, at most 2 decimals ("12.5")')
    return value


Percent = Annotated[
    Decimal,
    BeforeValidator(_percent),
    WithJsonSchema({"type": "string", "pattern": PERCENT, "examples": ["12.5"]}),
]


SKU_PATTERN = f"^{NOT_BLANK}(?:[^\\n]*{NOT_BLANK})?$"


class OpportunityLineIn(Schema):
    """A commerce SKU, how many, and optionally the unit price expected (else the catalog's)
    and a discount percent."""

    model_config = ConfigDict(extra="forbid")

    # Explicit classes, not \S and ".": pydantic's Rust regex and a client's ECMA-262 one
    # disagree on them (U+0085 is white space to one, not the other).
    sku: str = Field(min_length=1, max_length=60, pattern=SKU_PATTERN)
    quantity: Quantity
    unit_price: Amount | None = None
    discount_percent: Percent = Decimal(0)


class OpportunityLinesIn(Schema):
    model_config = ConfigDict(extra="forbid")

    lines: list[OpportunityLineIn] = Field(max_length=200)
    update_amount: bool = True


def lines_dict(found: Lines) -> dict[str, Any]:
    o = found.opportunity
    return {
        "opportunity_id": o.pk,
        "number": o.number,
        "amount": str(o.amount),
        "currency": o.currency,
        "frozen": found.frozen,
        "total": str(found.total),
        "lines": [
            {
                "sku": line.row.sku,
                "description": line.row.description,
                "quantity": f"{line.row.quantity.normalize():f}",
                "unit_price": str(line.row.unit_price),
                "discount_percent": str(line.row.discount_percent),
                "net": str(line.net),
            }
            for line in found.lines
        ],
    }


@router.get(
    "/sales/opportunities/{opportunity_id}/lines", response={200: dict[str, Any], **errors(404)}
)
def get_lines(request: HttpRequest, opportunity_id: int) -> Any:
    require(request, Capability.SALES_WORK)
    return lines_dict(lines_of(opportunity_id))


@router.put(
    "/sales/opportunities/{opportunity_id}/lines",
    response={200: dict[str, Any], **errors(404, 409)},
)
def put_lines(request: HttpRequest, opportunity_id: int, body: OpportunityLinesIn) -> Any:
    """Replace the lines; an unknown product is 404 and a discontinued one 409, naming the
    line; a won or lost deal's lines are frozen (409 ``opportunity_closed``)."""
    who = require(request, Capability.SALES_WORK)
    wanted = [
        LineIn(line.sku, line.quantity, line.unit_price, line.discount_percent)
        for line in body.lines
    ]
    set_lines([SetLines(opportunity_id, wanted, body.update_amount)], who.actor)
    return lines_dict(lines_of(opportunity_id))
