"""Opening cases, batch-first: one case from a phone call and 100,000 from another help desk
go through the same steps, so an import is as correct as a single opening and a single
opening is a batch of one.

Each step is set-based: the rows are checked first (a bad row names itself and nothing is
written), cases and their first history lines are inserted in bulk, routing and the SLA fold
read what they need once per batch, and the hub hears of every case in one outbox write. A
case with a ``source`` and ``external_ref`` already opened is not opened again: a repeated
import, or a retried delivery, answers the cases it opened the first time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import hub
from lealtad.core.audit import Actor
from lealtad.core.db import new_row, reserve_ids
from lealtad.core.errors import DomainError
from lealtad.core.write_batch import WriteBatch
from lealtad.service.choices import (
    OPEN_STATUSES,
    SUBTYPES,
    CaseCategory,
    CaseOutcome,
    CaseStatus,
    EntryKind,
)
from lealtad.service.models import Case, CaseEntry, SupportGroup
from lealtad.service.services import sla, sla_assign

ENDED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
# Read once: an enum's ``values`` builds its list on every call, 100,000 times an import.
CATEGORIES = frozenset(CaseCategory.values)
STATUSES = frozenset(CaseStatus.values)
OUTCOMES = frozenset(CaseOutcome.values)


class CaseRefused(DomainError):
    code = "case_refused"
    kind = "invalid"


class CaseNotFound(DomainError):
    code = "not_found"
    kind = "not_found"


@dataclass
class NewCase:
    """A case to open. ``status``, ``opened_at``, ``resolved_at`` and ``outcome`` let an
    import bring a case's past with it; a case opened here and now leaves them alone."""

    subject: str
    category: str
    subtype: str = ""
    description: str = ""
    customer_id: int | None = None
    requester_id: int | None = None
    channel: str = "web"
    priority: int = 2
    group: str = ""
    order_number: str = ""
    product_sku: str = ""
    contract_number: str = ""
    contact_id: int | None = None
    value_tier: str = "unknown"
    extra: dict[str, Any] = field(default_factory=dict)
    status: str = CaseStatus.NEW
    opened_at: datetime | None = None
    resolved_at: datetime | None = None
    outcome: str = ""
    source: str = ""
    external_ref: str = ""

    @property
    def key(self) -> tuple[str, str] | None:
        return (self.source, self.external_ref) if self.external_ref else None


def check(new: NewCase, now: datetime, where: str = "") -> None:
    """Refuse a case that cannot be opened, naming the field (``cases[3].category`` in a
    batch)."""

    def refuse(message: Any, name: str, **params: Any) -> CaseRefused:
        return CaseRefused(message, field=f"{where}{name}", **params)

    if not new.subject.strip():
        raise refuse(_("A case needs a subject."), "subject")
    if new.category not in CATEGORIES:
        raise refuse(_("There is no category %(c)s."), "category", c=new.category)
    if new.subtype and new.subtype not in SUBTYPES.get(new.category, {}):
        raise refuse(
            _("%(s)s is not a subtype of %(c)s."), "subtype", s=new.subtype, c=new.category
        )
    # A mail from an unknown sender opens a case flagged for triage (service/services/inbound).
    if new.customer_id is None and new.requester_id is None and not new.extra.get("triage"):
        raise refuse(_("A case is for a customer or an employee."), "customer_id")
    if not 1 <= new.priority <= 4:
        raise refuse(_("Priority is 1 to 4."), "priority")
    _check_past(new, now, refuse)


def _check_past(new: NewCase, now: datetime, refuse: Any) -> None:
    if new.status not in STATUSES:
        raise refuse(_("There is no status %(s)s."), "status", s=new.status)
    if new.outcome and new.outcome not in OUTCOMES:
        raise refuse(_("There is no outcome %(o)s."), "outcome", o=new.outcome)
    opened = new.opened_at or now
    if opened > now:
        raise refuse(_("A case cannot be opened in the future."), "opened_at")
    if new.status in ENDED and new.resolved_at is None:
        raise refuse(_("A resolved or closed case needs the time it was resolved."), "resolved_at")
    if new.resolved_at is not None and not opened <= new.resolved_at <= now:
        raise refuse(_("Resolved before it was opened, or in the future."), "resolved_at")
    if len(new.external_ref) > 80 or len(new.source) > 40:
        raise refuse(_("A source is at most 40 characters, a reference 80."), "external_ref")


def open_cases(batch: Sequence[NewCase], actor: Actor, at: datetime | None = None) -> list[Case]:
    """Open every case of ``batch`` in one transaction, or none; the cases in batch order.

    The cases, their history, routing and SLA are all worked out in memory on ids reserved
    first, then written by the shared unit of work (``core.write_batch``): one INSERT per
    hundred rows, no update after the insert."""
    now = at or timezone.now()
    for index, new in enumerate(batch):
        check(new, now, f"cases[{index}]." if len(batch) > 1 else "")
    groups = _groups(batch)
    with transaction.atomic():
        known = _already_opened(batch)
        fresh = _fresh(batch, known)
        ids = reserve_ids(Case, len(fresh))
        cases = [_case(new, groups, now, pk) for new, pk in zip(fresh, ids, strict=True)]
        lines = _first_lines(fresh, cases, actor)
        for line in sla_assign.assign_new([c for c in cases if c.status in OPEN_STATUSES]):
            lines[line.case_id].append(line)
        policy_lines, clocks = sla.fold_opened(cases, lines, now)
        write = WriteBatch()
        write.add(*cases)
        write.add(*(line for case_lines in lines.values() for line in case_lines))
        write.add(*policy_lines, *clocks)
        for case in cases:
            for announced in announcements(case):
                write.announce(announced)
        write.flush()
    return _in_batch_order(batch, fresh, cases, known)


def _in_batch_order(
    batch: Sequence[NewCase],
    fresh: list[NewCase],
    cases: list[Case],
    known: dict[tuple[str, str], Case],
) -> list[Case]:
    """Each row's case: the one opened for it, or the one its key opened before."""
    opened = {id(new): case for new, case in zip(fresh, cases, strict=True)}
    for new, case in zip(fresh, cases, strict=True):
        if new.key is not None:
            known[new.key] = case
    return [opened[id(new)] if id(new) in opened else known[new.key] for new in batch]  # type: ignore[index]


def _groups(batch: Sequence[NewCase]) -> dict[str, SupportGroup | None]:
    """The support group each row names (``""``: the first level-1 group), one query."""
    names = {new.group for new in batch} - {""}
    found: dict[str, SupportGroup | None] = {
        g.name: g for g in SupportGroup.objects.filter(name__in=names, active=True)
    }
    for index, new in enumerate(batch):
        if new.group and new.group not in found:
            where = f"cases[{index}]." if len(batch) > 1 else ""
            raise CaseNotFound(
                _("There is no support group %(g)s."), field=f"{where}group", g=new.group
            )
    found[""] = SupportGroup.objects.filter(level=1, active=True, internal=False).first()
    return found


def _already_opened(batch: Sequence[NewCase]) -> dict[tuple[str, str], Case]:
    keys = {new.key for new in batch if new.key is not None}
    if not keys:
        return {}
    refs = {ref for _source, ref in keys}
    rows = Case.objects.filter(external_ref__in=refs)
    return {(c.source, c.external_ref): c for c in rows if (c.source, c.external_ref) in keys}


def _fresh(batch: Sequence[NewCase], known: dict[tuple[str, str], Case]) -> list[NewCase]:
    """The rows to open: not opened before, and each key once (a row repeated in the same
    batch is one case)."""
    seen: set[tuple[str, str]] = set(known)
    fresh: list[NewCase] = []
    for new in batch:
        if new.key is not None:
            if new.key in seen:
                continue
            seen.add(new.key)
        fresh.append(new)
    return fresh


def _case(new: NewCase, groups: dict[str, SupportGroup | None], now: datetime, pk: int) -> Case:
    opened = new.opened_at or now
    ended = new.status in ENDED
    return Case(
        pk=pk,
        number=number_of(pk),
        customer_id=new.customer_id,
        requester_id=new.requester_id,
        category=new.category,
        subtype=new.subtype,
        channel=new.channel,
        subject=new.subject.strip()[:200],
        description=new.description,
        priority=new.priority,
        status=new.status,
        outcome=(new.outcome or CaseOutcome.RESOLVED) if ended else "",
        group=groups[new.group],
        order_number=new.order_number,
        product_sku=new.product_sku,
        contract_number=new.contract_number,
        contact_id=new.contact_id,
        value_tier=new.value_tier,
        created_at=opened,
        updated_at=new.resolved_at or opened,
        resolved_at=new.resolved_at if ended else None,
        closed_at=new.resolved_at if new.status == CaseStatus.CLOSED else None,
        source=new.source,
        external_ref=new.external_ref,
    )


def number_of(pk: int) -> str:
    return f"CASO-{pk:06d}"


def _first_lines(
    fresh: list[NewCase], cases: list[Case], actor: Actor
) -> dict[int, list[CaseEntry]]:
    """The history each case starts with: its opening and, for an imported case, where it
    stood (the status it came in, its resolution and closing)."""
    author = actor.label[:150]
    lines: dict[int, list[CaseEntry]] = {}
    for new, case in zip(fresh, cases, strict=True):
        opened = case.created_at
        first = [_line(case, opened, EntryKind.OPENED, author, CaseStatus.NEW, new.description)]
        first[0].public, first[0].data = True, new.extra
        if new.status in OPEN_STATUSES and new.status != CaseStatus.NEW:
            first.append(_line(case, opened, EntryKind.STATUS, author, new.status))
        if case.resolved_at is not None:
            resolved = _line(case, case.resolved_at, EntryKind.STATUS, author, CaseStatus.RESOLVED)
            resolved.data = {"outcome": case.outcome}
            first.append(resolved)
        if case.closed_at is not None:
            first.append(_line(case, case.closed_at, EntryKind.STATUS, author, CaseStatus.CLOSED))
        lines[case.pk] = first
    return lines


def _line(
    case: Case, at: datetime, kind: str, author: str, status: str, body: str = ""
) -> CaseEntry:
    return new_row(
        CaseEntry, case_id=case.pk, at=at, kind=kind, author=author, status=status, body=body
    )


def announcements(case: Case) -> list[hub.Announcement]:
    """What the hub hears of a case just opened (an imported one's resolution and closing
    too); an employee's case is not a customer's story."""
    if case.customer_id is None:
        return []
    kinds = ["case.opened"]
    kinds += ["case.resolved"] * (case.resolved_at is not None)
    kinds += ["case.closed"] * (case.closed_at is not None)
    return [announcement(case, kind) for kind in kinds]


def announcement(case: Case, event_type: str) -> hub.Announcement:
    return hub.Announcement(
        event_type,
        {
            "case_id": case.pk,
            "number": case.number,
            "category": case.category,
            "subtype": case.subtype,
            "subject": case.subject,
            "channel": case.channel,
            "status": case.status,
            "outcome": case.outcome,
            "contact_id": case.contact_id,
        },
        event_id=f"{case.number}#{event_type}#{case.updated_at.timestamp()}",
        channel=case.channel,
        customer_id=case.customer_id,
    )
