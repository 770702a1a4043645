"""Lines other contexts put on customers' timelines in bulk (a segment entered or left):
one INSERT per hundred lines, in the caller's transaction.

Not contacts: no ``interaction.recorded`` is announced (the contact counts stay as they
are), and the caller's own history (a segment's changes) is the audit of why each line is
there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lealtad.core.db import insert_new, new_row
from lealtad.customers.models import Interaction

__all__ = ["TimelineLine", "add_lines"]


@dataclass(frozen=True)
class TimelineLine:
    customer_id: int
    occurred_at: datetime
    channel: str
    kind: str
    subject: str
    summary: str = ""
    related_type: str = ""
    related_id: str = ""
    event_id: str = ""


def add_lines(lines: Sequence[TimelineLine]) -> int:
    """Write the lines (a batch of one is a list of one); the number written."""
    rows = [
        new_row(
            Interaction,
            customer_id=line.customer_id,
            occurred_at=line.occurred_at,
            channel=line.channel[:40],
            kind=line.kind[:40],
            direction="internal",
            subject=line.subject[:200],
            summary=line.summary,
            related_type=line.related_type[:40],
            related_id=line.related_id[:80],
            event_id=line.event_id[:120],
        )
        for line in lines
    ]
    insert_new(rows)
    return len(rows)
