"""Open cases per customer, for marketing's audience read model (one grouped query)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from lealtad.service.choices import OPEN_STATUSES
from lealtad.service.models import Case

__all__ = ["open_cases"]


def open_cases(customer_ids: Iterable[int]) -> dict[int, int]:
    """Each customer of the ids with cases still open, and how many."""
    rows = (
        Case.objects.filter(customer_id__in=list(set(customer_ids)), status__in=OPEN_STATUSES)
        .values("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    return {cid: n for cid, n in rows if cid is not None}
