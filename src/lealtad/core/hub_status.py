"""The dispatcher's backlog, read for ``lealtad hub status``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lealtad.core.models import Delivery, OutboxMessage


@dataclass(frozen=True)
class DispatcherStatus:
    pending: int  # outbox messages some subscriber has still to settle
    oldest_pending_at: datetime | None
    dead_letters: int


def dispatcher_status() -> DispatcherStatus:
    pending = OutboxMessage.objects.filter(dispatched_at=None)
    return DispatcherStatus(
        pending=pending.count(),
        oldest_pending_at=pending.order_by("pk").values_list("created_at", flat=True).first(),
        dead_letters=Delivery.objects.filter(status=Delivery.Status.DEAD).count(),
    )
