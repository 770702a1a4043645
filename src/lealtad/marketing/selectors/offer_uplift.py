"""The monthly uplift report of the next-best-offer: customers who reached an offer surface
in the month, split by the month's random holdout (shown nothing) and the rest (offered);
conversion = at least one order from their first visit to the month's end, revenue = the
net amount of those orders. The lift and its interval come from
:mod:`lealtad.marketing_engine.lift` (Newcombe for the rate, Welch for revenue).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from lealtad.commerce.selectors import offer_stock
from lealtad.marketing.models import OfferExposure
from lealtad.marketing_engine.lift import mean_lift, rate_lift

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) in the local time zone."""
    year, number = (int(part) for part in month.split("-"))
    start = timezone.make_aware(datetime(year, number, 1))
    following = (year + number // 12, number % 12 + 1)
    return start, timezone.make_aware(datetime(following[0], following[1], 1))


def uplift(month: str) -> dict[str, Any]:
    """The month's two groups with conversion rate and revenue per customer, and the
    offered group's lift over the holdout with its 95% interval."""
    start, end = month_bounds(month)
    groups: dict[str, dict[int, datetime]] = {"offered": {}, "holdout": {}}
    rows = OfferExposure.objects.filter(month=month).values_list("customer_id", "group", "first_at")
    for customer_id, group, first_at in rows.iterator(chunk_size=20000):
        groups[group][customer_id] = first_at
    spend = offer_stock.spend_between(
        [c for members in groups.values() for c in members], start, end
    )
    figures = {name: _figures(members, spend) for name, members in groups.items()}
    offered, holdout = figures["offered"], figures["holdout"]
    rate = rate_lift(
        offered["converted"], offered["customers"], holdout["converted"], holdout["customers"]
    )
    revenue = mean_lift(offered["revenues"], holdout["revenues"])
    for shown in figures.values():
        del shown["revenues"]
    return {
        "month": month,
        "offered": offered,
        "holdout": holdout,
        "conversion": asdict(rate),
        "revenue_per_customer": asdict(revenue),
    }


def _figures(
    members: dict[int, datetime], spend: dict[int, list[tuple[datetime, Decimal]]]
) -> dict[str, Any]:
    revenues = []
    for customer_id, first_at in members.items():
        after = [amount for at, amount in spend.get(customer_id, []) if at >= first_at]
        revenues.append(float(sum(after, Decimal(0))) if after else 0.0)
    converted = sum(1 for r in revenues if r > 0)
    total = sum(revenues)
    return {
        "customers": len(members),
        "converted": converted,
        "conversion_rate": converted / len(members) if members else None,
        "revenue": round(total, 2),
        "revenue_per_customer": round(total / len(members), 2) if members else None,
        "revenues": revenues,
    }
