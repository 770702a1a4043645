"""Read queries of the privacy context: request lists (overdue first), a request with its steps."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from lealtad.privacy.choices import CLOSED_STATUSES, OPEN_STATUSES
from lealtad.privacy.models import DataSubjectRequest, RetentionPolicy, RetentionRun


def requests(
    status: str = "open", overdue: bool = False, customer_id: int | None = None
) -> QuerySet[DataSubjectRequest]:
    """``status``: open (default), closed, all, or one status; ``overdue``: open and past due.
    Soonest due first, so what is late or nearly late leads."""
    rows = DataSubjectRequest.objects.all()
    if status == "open" or overdue:
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status == "closed":
        rows = rows.filter(status__in=CLOSED_STATUSES)
    elif status != "all":
        rows = rows.filter(status=status)
    if overdue:
        rows = rows.filter(due_at__lt=timezone.now())
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    return rows.order_by("due_at", "id")


def get_request(request_id: int) -> DataSubjectRequest | None:
    return DataSubjectRequest.objects.filter(pk=request_id).prefetch_related("steps").first()


def is_overdue(request: DataSubjectRequest) -> bool:
    return request.status in OPEN_STATUSES and request.due_at < timezone.now()


def closed_before(cutoff: datetime) -> list[int]:
    return list(
        DataSubjectRequest.objects.filter(status__in=CLOSED_STATUSES, closed_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def stored_policies() -> dict[str, RetentionPolicy]:
    return {p.data_class: p for p in RetentionPolicy.objects.all()}


def last_runs(limit: int = 10) -> QuerySet[RetentionRun]:
    return RetentionRun.objects.all()[:limit]


def last_scheduled_run() -> RetentionRun | None:
    return RetentionRun.objects.filter(trigger="schedule").order_by("-started_at").first()
