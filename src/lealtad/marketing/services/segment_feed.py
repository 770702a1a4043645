"""The hub subscriber that keeps the audience read model and dynamic segments current.

The dispatcher hands a pass's messages together (``subscriber_many``): the customers they
touched are refreshed in the audience table in one go (six reads per 5,000 customers), then
every dynamic segment is evaluated for just those ids. A customer qualifies within one
dispatcher pass of the event, not at the next cron.
"""

from __future__ import annotations

from collections.abc import Sequence

from lealtad.core import erasers, hub
from lealtad.core.redaction import Redactor
from lealtad.marketing.services import audience, membership

EVENT_TYPES = (
    "customer.created",
    "customer.updated",
    "customer.upserted",
    "customer.merged",
    "customer.merged_batch",
    "customer.unmerged",
    "customer.erased",
    "consent.changed",
    "customer.tier_changed",
    "customer.lifecycle_changed",
    "interaction.recorded",
    "order.placed",
    "order.completed",
    "order.cancelled",
    "order.returned",
    "order.exchanged",
    "case.opened",
    "case.resolved",
    "case.closed",
)


@hub.subscriber_many(*EVENT_TYPES, name="marketing.segments")
def follow_customers(messages: Sequence[hub.Message]) -> None:
    ids = membership.touched(messages)
    if not ids:
        return
    audience.refresh(ids)
    kinds = sorted({m.event_type for m in messages})
    reason = kinds[0] if len(kinds) == 1 else ", ".join(kinds)[:120]
    event_id = messages[0].event_id if len(messages) == 1 else ""
    membership.evaluate_for(ids, reason, event_id)


@hub.subscriber("analytics.refreshed", name="marketing.audience_after_refresh", transactional=False)
def follow_refresh(message: hub.Message) -> None:
    """The refresh rewrote RFM, lifetime value and churn risk of every customer but announces
    only tier and lifecycle moves: re-read the whole audience, then every dynamic segment.
    Outside one transaction: the rebuild commits a chunk at a time, as the CLI's does.
    Idempotent: a second delivery reads the same figures and changes no membership."""
    audience.rebuild()
    membership.rebuild_all(reason="analytics.refreshed")


@erasers.erases_copies("marketing.segments")
def erase_segment_copies(customer_ids: list[int], redactor: Redactor) -> dict[str, int]:
    """An erased person leaves no trace in segments: audience row, memberships, history."""
    return membership.forget(customer_ids)
