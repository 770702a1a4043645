"""The core's part of erasing a person and of retention: its audit trail and its outbox.

The privacy context asks; the core writes its own tables (DESIGN.md). An erased person's audit
entries keep who did what, when and to which record, with every text value erased; their
outbox rows (delivered or not) keep ids and types with personal content erased, so a webhook
not yet delivered sends no personal data and an internal subscriber still finds its ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from lealtad.core.models import AuditEntry, Delivery, OutboxMessage
from lealtad.core.redaction import Redactor
from lealtad.core.streams import relay_enabled
from lealtad.core.streams.status import relay_position

CHUNK = 500


@transaction.atomic
def redact_customer_trail(customer_ids: Iterable[int], redactor: Redactor) -> dict[str, int]:
    """Erase the personal content of the audit entries and outbox rows about these customers."""
    ids = sorted(set(customer_ids))
    entries = list(AuditEntry.objects.filter(customer_id__in=ids).only("id", "changes"))
    for entry in entries:
        entry.changes = redactor.changes(entry.changes)
    AuditEntry.objects.redact_changes(entries, batch_size=CHUNK)  # the trail is append-only
    messages = list(OutboxMessage.objects.filter(customer_id__in=ids).only("id", "payload"))
    for message in messages:
        message.payload = redactor.document(message.payload)
    OutboxMessage.objects.bulk_update(messages, ["payload"], batch_size=CHUNK)
    pending = Delivery.objects.filter(
        message_id__in=[m.pk for m in messages], status=Delivery.Status.PENDING
    ).count()
    return {"audit_entries": len(entries), "outbox_messages": len(messages), "pending": pending}


def delivered_messages_before(cutoff: datetime) -> list[int]:
    """Outbox rows every subscriber settled before ``cutoff``: what hub retention removes.

    A message with a delivery still pending or dead-lettered stays (it may be replayed), and
    so does one the Redis Streams relay has not published yet (docs/streams.md)."""
    unsettled = Delivery.objects.exclude(status=Delivery.Status.DONE).values("message_id")
    settled = OutboxMessage.objects.filter(dispatched_at__lt=cutoff).exclude(pk__in=unsettled)
    if relay_enabled():
        settled = settled.filter(pk__lte=relay_position())
    return list(settled.order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def delete_messages(ids: Iterable[int]) -> int:
    """Remove settled outbox rows and their delivery records (retention)."""
    wanted = list(ids)
    removed = 0
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        Delivery.objects.filter(message_id__in=part).delete()
        removed += OutboxMessage.objects.filter(pk__in=part).delete()[0]
    return removed
