"""Reads of the activities logged on a lead, a deal or a customer, newest first."""

from __future__ import annotations

from lealtad.sales.models import Activity


def activities(
    *,
    lead_id: int | None = None,
    opportunity_id: int | None = None,
    customer_id: int | None = None,
    limit: int = 100,
) -> list[Activity]:
    rows = Activity.objects.select_related("owner")
    if lead_id is not None:
        rows = rows.filter(lead_id=lead_id)
    if opportunity_id is not None:
        rows = rows.filter(opportunity_id=opportunity_id)
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    return list(rows.order_by("-created_at", "-id")[:limit])
