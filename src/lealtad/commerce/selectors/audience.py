"""What marketing's audience read model needs of a customer's buying, a chunk of customers
at a time: orders, money spent, first and last order, returns and the channels bought on.
Two grouped queries per chunk; plain tuples out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Min, Sum

from lealtad.commerce.models import Order, Return

__all__ = ["Behaviour", "behaviour"]

# orders, total spent, first order day, last order day, returns, channels (",pos,web,")
Behaviour = tuple[int, Decimal, date | None, date | None, int, str]


def behaviour(customer_ids: Iterable[int]) -> dict[int, Behaviour]:
    """Each customer of the ids that bought or returned something (others are left out).
    Cancelled orders do not count; the total is what the orders came to, returns aside."""
    ids = list(set(customer_ids))
    kept = Order.objects.filter(customer_id__in=ids).exclude(status=Order.Status.CANCELLED)
    sums = {
        cid: (n, total or Decimal(0), first, last)
        for cid, n, total, first, last in kept.values("customer_id")
        .annotate(n=Count("id"), total=Sum("total"), first=Min("placed_at"), last=Max("placed_at"))
        .values_list("customer_id", "n", "total", "first", "last")
    }
    channels: dict[int, set[str]] = {}
    for cid, channel in kept.values_list("customer_id", "channel").distinct():
        channels.setdefault(cid, set()).add(channel)
    returns = dict(
        Return.objects.filter(customer_id__in=ids)
        .values("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    out: dict[int, Behaviour] = {}
    for cid in set(sums) | set(returns):
        n, total, first, last = sums.get(cid, (0, Decimal(0), None, None))
        tags = "".join(f",{c}" for c in sorted(channels.get(cid, ()))) + ","
        out[cid] = (
            n,
            total,
            first.date() if first else None,
            last.date() if last else None,
            returns.get(cid, 0),
            tags if tags != "," else "",
        )
    return out
