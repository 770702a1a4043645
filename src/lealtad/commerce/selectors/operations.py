"""Read queries for exchanges, transfers and carts (kept apart from :mod:`.selectors`, whose
availability hot path is tuned on its own)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Q, QuerySet

from lealtad.commerce.models import CustomerList, Exchange, Order, Transfer, TransferLine


def exchanges_of(orders: list[Order]) -> None:
    """Attach to each order the exchanges it is the original of (``exchange_rows``) and the
    exchange it is the replacement for (``exchange_of_row``): one query."""
    ids = [o.pk for o in orders]
    if not ids:
        return
    rows = Exchange.objects.filter(
        Q(original_order_id__in=ids) | Q(replacement_id__in=ids)
    ).select_related("original_order", "replacement", "ret", "location")
    made: dict[int, list[Exchange]] = defaultdict(list)
    replaced: dict[int, Exchange] = {}
    for ex in rows:
        made[ex.original_order_id].append(ex)
        replaced[ex.replacement_id] = ex
    for o in orders:
        o.exchange_rows = made.get(o.pk, [])  # type: ignore[attr-defined]
        o.exchange_of_row = replaced.get(o.pk)  # type: ignore[attr-defined]


def exchange(number: str) -> Exchange | None:
    return (
        Exchange.objects.filter(number=number)
        .select_related("original_order", "replacement", "ret", "location")
        .first()
    )


def exchange_made(idempotency_key: str | None) -> bool:
    """Whether an exchange was made with this key already (a form sent twice)."""
    return (
        bool(idempotency_key) and Exchange.objects.filter(idempotency_key=idempotency_key).exists()
    )


def transfers(
    location: str | None = None, status: str | None = None, limit: int = 50
) -> QuerySet[Transfer]:
    rows = Transfer.objects.select_related("from_location", "to_location").prefetch_related(
        "lines__variant"
    )
    if location:
        rows = rows.filter(Q(from_location__code=location) | Q(to_location__code=location))
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-requested_at", "-id")[:limit]


def transfer(number: str) -> Transfer | None:
    return (
        Transfer.objects.filter(number=number)
        .select_related("from_location", "to_location")
        .prefetch_related("lines__variant")
        .first()
    )


def in_transit(sku: str) -> list[dict[str, Any]]:
    """Units of a variant on the road (shipped, not yet received), per destination."""
    rows = (
        TransferLine.objects.filter(variant__sku=sku, transfer__status=Transfer.Status.IN_TRANSIT)
        .select_related("transfer__from_location", "transfer__to_location")
        .order_by("transfer_id")
    )
    return [
        {
            "transfer": line.transfer.number,
            "from": line.transfer.from_location.code,
            "to": line.transfer.to_location.code,
            "quantity": line.quantity,
        }
        for line in rows
    ]


def cart(list_id: int) -> CustomerList | None:
    return CustomerList.objects.filter(pk=list_id).select_related("order").first()
