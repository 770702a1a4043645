"""The rows that record a data-quality issue at ingest (docs/data-quality.md).

Built unsaved, so the batch applier writes a batch's issues with one INSERT, in the same
transaction as its customers.
"""

from __future__ import annotations

from collections.abc import Iterable

from lealtad.core.envelope import UNASSIGNED_RANGE
from lealtad.core.set_aside import FieldIssue
from lealtad.customers.choices import IssueKind
from lealtad.customers.models import DataQualityIssue

RAW_LIMIT = 2000


def _raw_text(issue: FieldIssue) -> str:
    raw = issue.raw
    if isinstance(raw, dict) and issue.field == "phone" and isinstance(raw.get("number"), str):
        return raw["number"][:RAW_LIMIT]
    return issue.raw_text[:RAW_LIMIT]


def set_aside_rows(
    customer_id: int, issues: Iterable[FieldIssue], event_id: str, channel: str
) -> list[DataQualityIssue]:
    """Unsaved rows for the fields an event's customer was written without (the batch
    applier writes them with one INSERT for the batch)."""
    return [
        DataQualityIssue(
            customer_id=customer_id,
            field=issue.field[:40],
            path=issue.path[:120],
            raw_value=_raw_text(issue),
            reason=issue.reason[:300],
            kind=IssueKind.SET_ASIDE,
            source_channel=channel[:40],
            event_id=event_id[:120],
        )
        for issue in issues
        if not issue.kept
    ]


def flagged_phone_row(customer_id: int, e164: str, channel: str, event_id: str) -> DataQualityIssue:
    """An unsaved issue for a phone written although its range is not listed as assigned."""
    return DataQualityIssue(
        customer_id=customer_id,
        field="phone",
        path="phone",
        raw_value=e164,
        reason=UNASSIGNED_RANGE,
        kind=IssueKind.FLAGGED,
        source_channel=channel[:40],
        event_id=event_id[:120],
    )
