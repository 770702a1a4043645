"""Audit entries and outbox messages of one write path, inserted together at its end.

An order writes two audit entries (the order, its timeline step) and three outbox messages
(the order, its payment, its timeline step), each by an INSERT of its own, inside SQLite's
one write slot: a third of the statements there. Collected here, they take one INSERT per
table, made by :meth:`WriteBatch.flush` inside the same transaction.

Use it only around a path that has no savepoint rolled back while it goes on: rows collected
inside such a savepoint would be written all the same. When the path fails, the batch is
dropped with the transaction and nothing of it is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lealtad.core import hub
from lealtad.core.db import insert_new
from lealtad.core.models import AuditEntry


@dataclass
class WriteBatch:
    entries: list[AuditEntry] = field(default_factory=list)
    announcements: list[hub.Announcement] = field(default_factory=list)

    def flush(self) -> None:
        """Write what was collected (audit first, then the outbox, each in order); empty it."""
        if self.entries:
            insert_new(self.entries)
        if self.announcements:
            hub.publish_many(self.announcements)
        self.entries, self.announcements = [], []
