"""Reads of the activities logged on a lead, a deal or a customer, newest first."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models.functions import Coalesce

from lealtad.sales.models import Activity
from lealtad.sales.selectors_calendar import day_start


def activities(
    *,
    lead_id: int | None = None,
    opportunity_id: int | None = None,
    customer_id: int | None = None,
    owner_id: int | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    limit: int = 100,
) -> list[Activity]:
    """Filtered by what they are on, whose they are, and the local days they fall on (an
    activity falls on its start, else its due time, else when it was done or written)."""
    rows = Activity.objects.select_related("owner")
    if lead_id is not None:
        rows = rows.filter(lead_id=lead_id)
    if opportunity_id is not None:
        rows = rows.filter(opportunity_id=opportunity_id)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    if first_day is not None or last_day is not None:
        rows = rows.annotate(on=Coalesce("starts_at", "due", "done_at", "created_at"))
        if first_day is not None:
            rows = rows.filter(on__gte=day_start(first_day))
        if last_day is not None:
            rows = rows.filter(on__lt=day_start(last_day + timedelta(days=1)))
    return list(rows.order_by("-created_at", "-id")[:limit])
