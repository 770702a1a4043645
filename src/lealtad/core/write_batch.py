"""The new rows of one write transaction, inserted together at its end: the unit of work
every context's batch use cases share.

A service builds its rows in memory (a customer, its phones, the audit entries naming them,
the outbox messages announcing them), adds them here, and :meth:`WriteBatch.flush` writes
each table with one INSERT per hundred rows, inside the same transaction. Rows that must be
pointed at before they are written take their ids from :func:`lealtad.core.db.reserve_ids`.
A batch of one event and a batch of a thousand take the same path.

Use it only around a path that has no savepoint rolled back while it goes on: rows collected
inside such a savepoint would be written all the same. When the path fails, the batch is
dropped with the transaction and nothing of it is written. Foreign keys are checked at commit
(Django declares them deferrable on both databases), so tables may be flushed in any order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from lealtad.core import hub
from lealtad.core.db import insert_new
from lealtad.core.models import AuditEntry


@dataclass
class WriteBatch:
    rows: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)
    entries: list[AuditEntry] = field(default_factory=list)
    announcements: list[hub.Announcement] = field(default_factory=list)

    def add(self, *rows: models.Model) -> None:
        """New rows to insert at :meth:`flush`, in the order added (per table)."""
        for row in rows:
            self.rows.setdefault(type(row), []).append(row)

    def announce(self, announcement: hub.Announcement) -> None:
        self.announcements.append(announcement)

    def flush(self) -> None:
        """Write what was collected (business rows, then audit, then the outbox); empty it."""
        rows, self.rows = self.rows, {}
        for pending in rows.values():
            insert_new([r for r in pending if r.pk is not None])  # ids reserved beforehand
            insert_new([r for r in pending if r.pk is None])
        if self.entries:
            insert_new(self.entries)
        if self.announcements:
            hub.publish_many(self.announcements)
        self.entries, self.announcements = [], []
