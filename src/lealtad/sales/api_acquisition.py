"""Acquisition spend and cost per channel over HTTP (``/api/v1/sales/acquisition``): a sales
manager records what each lead source cost in a month; anyone selling reads the cost per lead
and per won customer. Thin: the service and the selector decide."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.sales.models import AcquisitionSpend
from lealtad.sales.schemas import Amount, LeadSourceCode
from lealtad.sales.selectors_acquisition import SourceCost, acquisition_costs, spend_rows, year_to
from lealtad.sales.services.acquisition import Spend, record_spend

router = Router(tags=["sales: acquisition cost"])

MONTH = r"^[1-9][0-9]{3}-(?:0[1-9]|1[0-2])$"  # years 1000 to 9999


class SpendIn(Schema):
    """One source's spend in one month (``2026-11``); sent again, it replaces the first."""

    model_config = ConfigDict(extra="forbid")

    source: LeadSourceCode
    month: str = Field(pattern=MONTH, examples=["2026-11"])
    amount: Amount
    currency: str = Field(default="USD", pattern=r"^[A-Za-z]{3}$")
    note: str = Field(default="", max_length=200)


class SpendBatchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    spend: list[SpendIn] = Field(min_length=1, max_length=500)


class SpanFilter(Schema):
    """Months ``YYYY-MM``, both included; the last 12 months to this one when left out."""

    first: str | None = Field(default=None, pattern=MONTH)
    last: str | None = Field(default=None, pattern=MONTH)
    currency: str = Field(default="USD", pattern=r"^[A-Za-z]{3}$")


def _month(text: str) -> date:
    return date.fromisoformat(f"{text}-01")


def _span(filters: SpanFilter) -> tuple[date, date]:
    last = _month(filters.last) if filters.last else timezone.localdate().replace(day=1)
    return (_month(filters.first) if filters.first else year_to(last)), last


def spend_dict(row: AcquisitionSpend) -> dict[str, Any]:
    return {
        "source": row.source,
        "month": f"{row.month:%Y-%m}",
        "amount": str(row.amount),
        "currency": row.currency,
        "note": row.note,
    }


def cost_dict(cost: SourceCost) -> dict[str, Any]:
    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return {
        "source": cost.source,
        "spend": str(cost.spend),
        "leads": cost.leads,
        "won_customers": cost.won,
        "cost_per_lead": text(cost.cost_per_lead),
        "cost_per_won_customer": text(cost.cost_per_won),
    }


@router.put("/sales/acquisition/spend", response={200: list[dict[str, Any]], **errors(409)})
def put_spend(request: HttpRequest, body: SpendBatchIn) -> Any:
    """Record (or correct) spend; one wrong row refuses them all, naming it."""
    who = require(request, Capability.SALES_MANAGE)
    batch = [Spend(s.source, _month(s.month), s.amount, s.currency, s.note) for s in body.spend]
    return [spend_dict(r) for r in record_spend(batch, who.actor)]


@router.get("/sales/acquisition/spend", response={200: list[dict[str, Any]]})
def get_spend(request: HttpRequest, filters: Query[SpanFilter]) -> Any:
    require(request, Capability.SALES_WORK)
    first, last = _span(filters)
    return [spend_dict(r) for r in spend_rows(first, last, filters.currency)]


@router.get("/sales/acquisition/costs", response={200: dict[str, Any]})
def get_costs(request: HttpRequest, filters: Query[SpanFilter]) -> Any:
    """Per source: spend, leads captured, customers won, and what each cost."""
    require(request, Capability.SALES_WORK)
    first, last = _span(filters)
    costs = acquisition_costs(first, last, filters.currency)
    return {
        "first": f"{first:%Y-%m}",
        "last": f"{last:%Y-%m}",
        "currency": filters.currency.upper(),
        "sources": [cost_dict(c) for c in costs],
    }
