"""Tracked clicks: a customer followed a link of a message. The first click of a message is
marked (unique clicks in the results); later ones are kept too (how often a link is used).

A click on a link of a message that no longer exists still redirects (the target was signed
when the message was made), it is just not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from lealtad.core.db import new_row
from lealtad.core.write_batch import WriteBatch
from lealtad.marketing.models import Click, Message

MAX_TARGET = 2000


@dataclass(frozen=True)
class Followed:
    message_id: int
    target: str
    at: datetime | None = None


def record_clicks(rows: Sequence[Followed]) -> int:
    """Record the clicks of known messages; answers how many were recorded."""
    now = timezone.now()
    ids = {r.message_id for r in rows}
    found = Message.objects.filter(pk__in=ids).values_list("pk", "campaign_id", "customer_id")
    messages = {pk: campaign for pk, campaign, _customer in found}
    customers = {pk: customer for pk, _campaign, customer in found}
    try:
        with transaction.atomic():
            return _write(rows, messages, customers, now)
    except IntegrityError:
        # Another request marked the same message's first click at the same moment: retry,
        # this time finding it.
        with transaction.atomic():
            return _write(rows, messages, customers, now)


def _write(
    rows: Sequence[Followed], campaigns: dict[int, int], customers: dict[int, int], now: datetime
) -> int:
    clicked = set(
        Click.objects.filter(message_id__in=campaigns, first=True).values_list(
            "message_id", flat=True
        )
    )
    batch = WriteBatch()
    count = 0
    for row in rows:
        if row.message_id not in campaigns:
            continue
        first = row.message_id not in clicked
        clicked.add(row.message_id)
        batch.add(
            new_row(
                Click,
                message_id=row.message_id,
                campaign_id=campaigns[row.message_id],
                customer_id=customers[row.message_id],
                target=row.target[:MAX_TARGET],
                first=first,
                at=row.at or now,
            )
        )
        count += 1
    batch.flush()
    return count
