"""Open rejects tried again with the connector's current mapping (after it was fixed)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from lealtad.channels import services
from lealtad.channels.connectors.inbound import BROKEN_LINE, FILE_REJECT, apply_records
from lealtad.channels.connectors.inbound_webhooks import route
from lealtad.channels.connectors.spec import Connector
from lealtad.channels.models import Reject

# Replay ------------------------------------------------------------------------------------------


@dataclass
class ReplayReport:
    resolved: int = 0
    still_rejected: int = 0
    files_requeued: int = 0


def replay_rejects(connector: Connector, ids: list[int] | None = None) -> ReplayReport:
    """Try open rejects again with the connector's current mapping."""
    report = ReplayReport()
    rows = Reject.objects.filter(connector=connector.name, status=Reject.Status.OPEN)
    if ids:
        rows = rows.filter(pk__in=ids)
    for reject in rows.order_by("id").iterator():
        if FILE_REJECT in reject.record:
            _requeue(connector, reject, report)
            continue
        if BROKEN_LINE in reject.record:  # not a record: fix the file and drop it again
            report.still_rejected += 1
            continue
        stream = connector.stream(reject.stream) or route(connector, reject.record)
        if stream is None:
            report.still_rejected += 1
            continue
        with transaction.atomic():
            item = [(reject.line or 0, reject.record)]
            source = f"{reject.source}#reject-{reject.pk}"
            outcome = apply_records(connector, stream, item, reject.created_at, source)[0]
            if outcome.status == services.REJECTED:
                first = outcome.errors[0] if outcome.errors else {"field": "", "message": "?"}
                Reject.objects.filter(pk=reject.pk).update(
                    field=first["field"][:200], message=first["message"], errors=outcome.errors
                )
                report.still_rejected += 1
            else:
                Reject.objects.filter(pk=reject.pk).update(
                    status=Reject.Status.RESOLVED,
                    resolved_at=timezone.now(),
                    event_id=(outcome.event_id or "")[:120],
                )
                report.resolved += 1
    return report


def _requeue(connector: Connector, reject: Reject, report: ReplayReport) -> None:
    """A whole file (or a line that was not a record) cannot be re-mapped alone: a failed
    file goes back to its folder for the next run; a broken line stays rejected."""
    moved = Path(str(reject.record.get(FILE_REJECT, "")))
    if moved.parent.name == "failed" and moved.is_file():
        os.replace(moved, moved.parent.parent / moved.name)
        Reject.objects.filter(pk=reject.pk).update(
            status=Reject.Status.RESOLVED, resolved_at=timezone.now()
        )
        report.files_requeued += 1
    else:
        report.still_rejected += 1
