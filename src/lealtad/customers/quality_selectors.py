"""Read queries of the data-quality list: open issues, filters and counts by field."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from lealtad.core.rules import Reader
from lealtad.customers.choices import IssueStatus
from lealtad.customers.models import Customer, DataQualityIssue
from lealtad.customers.selectors import visible_to


def issues(
    *,
    status: str = IssueStatus.OPEN,
    field: str = "",
    channel: str = "",
    reader: Reader | None = None,
) -> QuerySet[DataQualityIssue]:
    """Issues newest first, with their customer; a channel-bound reader sees its customers'."""
    rows = DataQualityIssue.objects.filter(status=status).select_related("customer")
    if field:
        rows = rows.filter(field=field)
    if channel:
        rows = rows.filter(source_channel=channel)
    if reader is not None and reader.channel_bound:
        rows = rows.filter(customer__in=visible_to(Customer.objects.all(), reader))
    return rows.order_by("-created_at", "-id")


def counts_by_field(rows: QuerySet[DataQualityIssue]) -> dict[str, int]:
    """How many issues each field has, most first (the CLI's and the page's summary)."""
    counted = rows.order_by().values("field").annotate(n=Count("id")).order_by("-n", "field")
    return {row["field"]: row["n"] for row in counted}


def channels_of(rows: QuerySet[DataQualityIssue]) -> list[str]:
    """The channels these issues came from, for the page's filter."""
    found = rows.order_by().values_list("source_channel", flat=True).distinct()
    return sorted(c for c in found if c)


def issue(issue_id: int, reader: Reader | None = None) -> DataQualityIssue | None:
    """One issue, if the reader reaches its customer (else ``None``: answer 404)."""
    rows = DataQualityIssue.objects.filter(pk=issue_id).select_related("customer")
    if reader is not None and reader.channel_bound:
        rows = rows.filter(customer__in=visible_to(Customer.objects.all(), reader))
    return rows.first()
