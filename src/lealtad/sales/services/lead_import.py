"""Leads from a CSV file (a fair's visitor list, a bought list, a telemarketing sheet).

Every row is checked before any is kept; one bad row imports nothing and every bad row is
reported by its line and column. The ``external_id`` column, when the file has one, names
each lead; without it a row is known by its names and keys. Either way the same row imported
twice is one lead, so a run cut short is finished by running the file again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lealtad.core.audit import Actor
from lealtad.core.csv_rows import Problem
from lealtad.sales.choices import LeadSource
from lealtad.sales.services import leads
from lealtad.sales.services.common import chunks

COLUMNS = leads.FIELDS  # "source" too: a file may mix them (a row without one is an import)
MAX_PROBLEMS = 200
CHUNK = 2000
Progress = Callable[[int], None]


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    already: int = 0
    linked: int = 0  # new leads that are known customers
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "already_imported": self.already,
            "linked_to_customers": self.linked,
            "problems": [p.__dict__ for p in self.problems],
        }

    def summary(self) -> str:
        return _(
            "%(rows)s rows: %(created)s leads created (%(linked)s known customers), "
            "%(already)s imported before"
        ) % {
            "rows": self.rows,
            "created": self.created,
            "linked": self.linked,
            "already": self.already,
        }


def import_leads(
    rows: Sequence[dict[str, Any]],
    actor: Actor,
    *,
    source: str = LeadSource.IMPORT,
    team: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row, then (unless ``dry_run`` or a row is wrong) keep the leads."""
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    batch = _read_rows(rows, source, report)
    if not report.ok or dry_run:
        return report
    captured: list[leads.Captured] = []
    with transaction.atomic():
        for part in chunks(batch, CHUNK):
            captured.extend(leads.capture_leads(part, actor, team=team))
            if progress is not None:
                progress(len(part))
    new = {c.lead.pk: c.lead for c in captured if c.created}
    report.created = len(new)
    report.already = len({c.lead.pk for c in captured}) - len(new)
    report.linked = sum(1 for lead in new.values() if lead.customer_id)
    return report


def _read_rows(
    rows: Sequence[dict[str, Any]], source: str, report: ImportReport
) -> list[leads.NewLead]:
    unknown = sorted({k for row in rows[:1] for k in row} - set(COLUMNS))
    for name in unknown:
        report.problems.append(Problem(1, name, _("Not a lead column.")))
    batch: list[leads.NewLead] = []
    for index, row in enumerate(rows):
        line = index + 2
        values = {k: v for k, v in row.items() if k in COLUMNS}
        values["source"] = values.get("source") or source
        new, problems = leads.read_lead(values)
        report.problems.extend(Problem(line, column, message) for column, message in problems)
        if new is not None:
            batch.append(new)
        if len(report.problems) >= MAX_PROBLEMS:
            break
    return batch
