"""The cost of support: what handling a case cost the desk, charged when the case is resolved.

``Case.cost`` is the one source of truth for what a case cost: field work orders add their
labour and parts when they are done (``workorders``), and resolving adds the handling cost
of every support group the case passed through (each group's ``cost_per_case``: level 1 is
cheap, specialists dear). A group is charged once per case (``CaseCharge``), so a case that
is reopened and resolved again pays only for the groups it had not already paid for.

The groups a case passed through are read from its history: the groups its assignments and
escalations name (``data.group``, and ``data.from`` where an entry records where the case
came from) and the group it is in now.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lealtad.service.choices import CaseStatus, EntryKind
from lealtad.service.models import Case, CaseCharge, CaseEntry, SupportGroup

MOVES = (EntryKind.ASSIGNED, EntryKind.ESCALATED)


def groups_passed(case: Case) -> list[str]:
    """The names of the support groups the case's history says it passed through."""
    names: set[str] = set()
    for data in CaseEntry.objects.filter(case=case, kind__in=MOVES).values_list("data", flat=True):
        names |= _named(data)
    if case.group_id is not None:
        names.add(SupportGroup.objects.values_list("name", flat=True).get(pk=case.group_id))
    return sorted(names)


def _named(data: object) -> set[str]:
    if not isinstance(data, dict):
        return set()
    return {str(data[key]) for key in ("group", "from") if data.get(key)}


def charge_handling(case: Case, at: datetime | None = None) -> Decimal:
    """Add to the case's cost the handling of each group it passed through and was not yet
    charged for; returns what was added. Called by ``cases.resolve`` inside its transaction
    (the case row is locked there, so two resolutions cannot charge a group twice); the
    in-memory ``case.cost`` follows, so a ``save()`` after this call keeps the charge."""
    charged = CaseCharge.objects.filter(case=case).values_list("group_id", flat=True)
    due = SupportGroup.objects.filter(name__in=groups_passed(case)).exclude(pk__in=charged)
    now = at or timezone.now()
    rows = [CaseCharge(case=case, group=g, amount=g.cost_per_case, at=now) for g in due]
    if not rows:
        return Decimal(0)
    CaseCharge.objects.bulk_create(rows)
    total = sum((row.amount for row in rows), Decimal(0))
    if total:
        Case.objects.filter(pk=case.pk).update(cost=F("cost") + total)
        case.cost = Decimal(case.cost) + total
    return total


def charge_resolved(case_ids: Iterable[int] | None = None) -> Decimal:
    """Charge the handling of resolved (or closed) cases that were resolved before charging
    was in place, or by an import: each case in its own short transaction, locked like
    ``resolve`` locks it. Running it twice charges nothing more."""
    rows = Case.objects.filter(
        status__in=(CaseStatus.RESOLVED, CaseStatus.CLOSED), resolved_at__isnull=False
    )
    if case_ids is not None:
        rows = rows.filter(pk__in=list(case_ids))
    total = Decimal(0)
    for case_id in rows.values_list("pk", flat=True).iterator(chunk_size=2000):
        with transaction.atomic():
            case = Case.objects.select_for_update(of=("self",)).get(pk=case_id)
            total += charge_handling(case, case.resolved_at)
    return total
