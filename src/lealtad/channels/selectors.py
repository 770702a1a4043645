"""Read queries of the channels context."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lealtad.channels.models import ExternalRecord
from lealtad.core.audit import jsonable


def external_records_of(customer_ids: Iterable[int]) -> list[dict[str, Any]]:
    """What external systems reported about these customers (invoices, balances …), for the
    person's own copy of their data."""
    rows = ExternalRecord.objects.filter(customer_id__in=sorted(set(customer_ids)))
    return [
        jsonable(r)
        for r in rows.values("system", "kind", "key", "data", "occurred_at", "updated_at")
    ]
