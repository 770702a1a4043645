"""Keeping marketing's audience read model (``AudienceProfile``): a full rebuild in chunks
and the refresh of just the customers an event touched.

Both read the other contexts only through their selectors (customers, commerce, service),
a chunk of ids at a time, and replace the chunk's rows in one transaction: delete, then one
INSERT per hundred rows. A customer merged away or erased loses its row, so no rule finds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from lealtad.commerce.selectors import audience as buying
from lealtad.core.db import insert_new, new_row, writer_turn
from lealtad.customers.selectors import audience as people
from lealtad.marketing.models import AudienceProfile
from lealtad.service.selectors import audience as cases

Progress = Callable[[int, int], None]  # done, total
CHUNK = 5000
_NO_BEHAVIOUR: buying.Behaviour = (0, Decimal(0), None, None, 0, "")


def _rows(customer_ids: list[int], now: datetime) -> list[AudienceProfile]:
    profiles = people.profile_rows(customer_ids)
    ids = [p[0] for p in profiles]
    bought = buying.behaviour(ids)
    open_cases = cases.open_cases(ids)
    out = []
    for p in profiles:
        values = dict(zip(people.PROFILE_COLUMNS, p, strict=True))
        orders, spent, first, last, returns, channels = bought.get(p[0], _NO_BEHAVIOUR)
        out.append(
            new_row(
                AudienceProfile,
                **values,
                orders_count=orders,
                total_spent=spent,
                first_order_on=first,
                last_order_on=last,
                returns_count=returns,
                channels_bought=channels,
                open_cases=open_cases.get(p[0], 0),
                refreshed_at=now,
            )
        )
    return out


def refresh(customer_ids: Iterable[int]) -> int:
    """Rebuild the rows of these customers (a row each for the live ones, none for the rest);
    the number of live rows written. Runs in the caller's transaction when one is open."""
    wanted = sorted(set(customer_ids))
    written = 0
    now = timezone.now()
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        rows = _rows(part, now)
        with writer_turn(), transaction.atomic():
            AudienceProfile.objects.filter(customer_id__in=part).delete()
            insert_new(rows)
        written += len(rows)
    return written


def rebuild(progress: Progress | None = None, chunk: int = CHUNK) -> int:
    """Every live customer's row afresh, a chunk per transaction; rows of customers no longer
    live (merged away, erased, deleted) are dropped at the end. Returns the rows written."""
    started = timezone.now()
    total = people.count_live() if progress else 0
    written = 0
    for ids in people.live_id_chunks(chunk):
        written += refresh(ids)
        if progress:
            progress(written, total)
    with writer_turn(), transaction.atomic():
        AudienceProfile.objects.filter(refreshed_at__lt=started).delete()
    return written
