"""Webhook posts → :func:`.inbound.apply_records`: the file path without files, one batch,
one outcome per record; each signed post's id is kept so a replayed post is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lealtad.channels import services
from lealtad.channels.connectors import signing
from lealtad.channels.connectors.inbound import (
    Mapped,
    Outcome,
    apply_records,
    ingest_mapped,
    is_state_report,
    mapper_for,
    reject_rows,
)
from lealtad.channels.connectors.spec import Connector, Inbound
from lealtad.channels.models import Reject, WebhookReceipt

# Webhooks ----------------------------------------------------------------------------------------


def first_receipt(connector: Connector, webhook_id: str) -> bool:
    """Record a signed webhook's id; ``False`` if it was already received (a replay). Ids
    older than twice the signature's tolerance can no longer come with a valid signature and
    are pruned on the way."""
    now = timezone.now()
    horizon = now - timedelta(seconds=2 * signing.TOLERANCE_SECONDS)
    WebhookReceipt.objects.filter(connector=connector.name, received_at__lt=horizon).delete()
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(
                connector=connector.name, webhook_id=webhook_id[:200], received_at=now
            )
    except IntegrityError:
        return False
    return True


def forget_receipt(connector: Connector, webhook_id: str) -> None:
    WebhookReceipt.objects.filter(connector=connector.name, webhook_id=webhook_id[:200]).delete()


def route(connector: Connector, record: dict[str, Any]) -> Inbound | None:
    """The webhook stream whose ``match`` fits the record (the only one, if it has none)."""
    streams = [s for s in connector.inbound if s.kind == "webhook"]
    for stream in streams:
        if all(str(record.get(k, "")) == v for k, v in stream.match):
            return stream
    return None


def receive(connector: Connector, records: list[Any]) -> list[Outcome]:
    """Apply posted records in one transaction with their rejects; one outcome each."""
    received_at = timezone.now()
    outcomes: dict[int, Outcome] = {}
    routed: list[tuple[int, dict[str, Any], Inbound, Mapped]] = []
    reports: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    with transaction.atomic():
        for index, record in enumerate(records, start=1):
            stream = route(connector, record) if isinstance(record, dict) else None
            if stream is None:
                message = (
                    "no inbound stream of this connector matches the record"
                    if isinstance(record, dict)
                    else "not a JSON object"
                )
                outcomes[index] = _lone_reject(connector, index, record, message)
                continue
            if is_state_report(connector, stream):
                reports.setdefault(stream.name, []).append((index, record))
                continue
            mapped = mapper_for(connector, stream).map(record, received_at)
            routed.append((index, record, stream, mapped))
        applied = ingest_mapped(connector, [(index, m) for index, _, _, m in routed])
        rejects = []
        for (index, record, stream, _), outcome in zip(routed, applied, strict=True):
            outcomes[index] = outcome
            rejects += reject_rows(connector, stream, "webhook", [(index, record)], [outcome])
        source = f"webhook@{received_at:%Y%m%dT%H%M%S.%f}"
        for name, items in reports.items():
            stream = connector.stream(name)
            assert stream is not None
            done = apply_records(connector, stream, items, received_at, source)
            outcomes.update((outcome.line, outcome) for outcome in done)
            rejects += reject_rows(connector, stream, "webhook", items, done)
        Reject.objects.bulk_create(rejects)
    return [outcomes[i] for i in sorted(outcomes)]


def _lone_reject(connector: Connector, index: int, record: Any, message: str) -> Outcome:
    Reject.objects.create(
        connector=connector.name,
        stream="",
        source="webhook",
        line=index,
        field="(record)",
        message=message,
        record=record if isinstance(record, dict) else {"value": record},
    )
    return Outcome(index, services.REJECTED, errors=[{"field": "(record)", "message": message}])
