"""A case's life: opened from any channel, worked, answered, paused, resolved, closed.

Every step appends a line to the case's history in the same transaction; the SLA clock is
recomputed from that history (``sla.refresh``), and the hub hears of openings and endings
(``case.opened``, ``case.resolved``, ``case.closed``) so the customer's timeline and other
contexts follow.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import hub
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.service.choices import (
    OPEN_STATUSES,
    PAUSING_STATUSES,
    CaseOutcome,
    CaseStatus,
    EntryKind,
)
from lealtad.service.models import Case, CaseEntry, SupportGroup
from lealtad.service.services import costing, opening, sla, sla_assign
from lealtad.service.services.opening import CaseNotFound, CaseRefused, NewCase

__all__ = ["CaseNotFound", "CaseRefused", "CaseState", "NewCase"]


class CaseState(DomainError):
    code = "case_state"
    kind = "conflict"


def _group(name: str) -> SupportGroup | None:
    if not name:
        return SupportGroup.objects.filter(level=1, active=True, internal=False).first()
    found = SupportGroup.objects.filter(name=name, active=True).first()
    if found is None:
        raise CaseNotFound(_("There is no support group %(g)s."), field="group", g=name)
    return found


def entry(
    case: Case,
    kind: str,
    actor: Actor,
    *,
    at: datetime | None = None,
    public: bool = False,
    body: str = "",
    status: str = "",
    data: dict[str, Any] | None = None,
    message_id: str = "",
    in_reply_to: str = "",
) -> CaseEntry:
    """One line of the case's history (inside the caller's transaction)."""
    return CaseEntry.objects.create(
        case=case,
        at=at or timezone.now(),
        kind=kind,
        public=public,
        author=actor.label[:150],
        body=body,
        status=status,
        data=data or {},
        message_id=message_id[:250],
        in_reply_to=in_reply_to[:250],
    )


def open_case(new: NewCase, actor: Actor, at: datetime | None = None) -> Case:
    """One case: a batch of one (``opening.open_cases``)."""
    return opening.open_cases([new], actor, at)[0]


def locked(case_id: int) -> Case:
    found = Case.objects.select_for_update(of=("self",)).filter(pk=case_id).first()
    if found is None:
        raise CaseNotFound(_("There is no case %(id)s."), field="case", id=case_id)
    return found


def set_status(case_id: int, status: str, actor: Actor, note: str = "") -> Case:
    if status not in CaseStatus.values or status in (CaseStatus.NEW, CaseStatus.RESOLVED):
        raise CaseRefused(_("Use resolve to resolve a case."), field="status")
    with transaction.atomic():
        case = locked(case_id)
        if case.status == CaseStatus.CLOSED:
            raise CaseState(_("Case %(n)s is closed."), field="status", n=case.number)
        if case.status == status:
            return case
        now = timezone.now()
        if status == CaseStatus.CLOSED and case.status in OPEN_STATUSES:
            sla_assign.counted(case.group_id, case.assignee_id, -1)
        case.status, case.updated_at = status, now
        if status == CaseStatus.CLOSED:
            case.closed_at = now
        case.save(update_fields=["status", "updated_at", "closed_at"])
        entry(case, EntryKind.STATUS, actor, at=now, status=status, body=note)
        sla.refresh(case, now)
        if status == CaseStatus.CLOSED:
            _announce(case, "case.closed")
    return case


REPLIED = "case.replied"


def reply(case_id: int, body: str, actor: Actor, message_id: str = "") -> Case:
    """A public answer to the customer: the first one meets the first-response target.

    The hub hears ``case.replied`` in the same transaction, whoever answered (page, API, mail
    API): the customer's timeline follows it and the mail subscriber sends the answer."""
    with transaction.atomic():
        case = _write(case_id, EntryKind.REPLY, body, actor, public=True, message_id=message_id)
        line = case.entries.filter(kind=EntryKind.REPLY).latest("id")
        if case.customer_id is not None or case.requester_id is None:
            hub.publish(
                REPLIED,
                {
                    "case_id": case.pk,
                    "number": case.number,
                    "subject": case.subject,
                    "entry_id": line.pk,
                    "message_id": line.message_id,
                },
                event_id=f"{case.number}#reply#{line.pk}",
                channel="email",
                customer_id=case.customer_id,
            )
    return case


def note(case_id: int, body: str, actor: Actor) -> Case:
    """An internal note: never counts as the first response."""
    return _write(case_id, EntryKind.NOTE, body, actor, public=False)


def customer_message(
    case_id: int, body: str, actor: Actor, message_id: str = "", in_reply_to: str = ""
) -> Case:
    """The customer wrote again: a case waiting for them, or resolved, is worked again."""
    return _write(
        case_id, EntryKind.MESSAGE, body, actor, True, message_id, in_reply_to, reopen=True
    )


def _write(
    case_id: int,
    kind: str,
    body: str,
    actor: Actor,
    public: bool,
    message_id: str = "",
    in_reply_to: str = "",
    reopen: bool = False,
) -> Case:
    if not body.strip():
        raise CaseRefused(_("Write something first."), field="body")
    with transaction.atomic():
        case = locked(case_id)
        now = timezone.now()
        status = ""
        if reopen and case.status in (*PAUSING_STATUSES, CaseStatus.RESOLVED):
            if case.status == CaseStatus.RESOLVED:
                sla_assign.counted(case.group_id, case.assignee_id, +1)
            status = CaseStatus.OPEN
        elif case.status == CaseStatus.CLOSED:
            raise CaseState(_("Case %(n)s is closed."), field="case", n=case.number)
        if kind == EntryKind.REPLY and case.first_response_at is None:
            case.first_response_at = now
        if kind == EntryKind.REPLY and case.status == CaseStatus.NEW:
            status = CaseStatus.OPEN
        if status:
            case.status = status
        case.updated_at = now
        case.save(update_fields=["status", "updated_at", "first_response_at"])
        entry(
            case,
            kind,
            actor,
            at=now,
            public=public,
            body=body,
            status=status,
            message_id=message_id,
            in_reply_to=in_reply_to,
        )
        sla.refresh(case, now)
    return case


def assign(case_id: int, actor: Actor, group: str = "", assignee_id: int | None = None) -> Case:
    with transaction.atomic():
        case = locked(case_id)
        if case.status in OPEN_STATUSES:
            sla_assign.counted(case.group_id, case.assignee_id, -1)
        before = case.group.name if case.group else ""
        if group:
            case.group = _group(group)
        case.assignee_id = assignee_id
        case.updated_at = timezone.now()
        case.save(update_fields=["group", "assignee", "updated_at"])
        if case.status in OPEN_STATUSES:
            sla_assign.counted(case.group_id, case.assignee_id, +1)
        entry(
            case,
            EntryKind.ASSIGNED,
            actor,
            # Where it came from too: costing charges every group a case passed through and
            # first-contact resolution counts a hand-over, even from a group nobody was in.
            data={
                "group": case.group.name if case.group else "",
                "from": before,
                "assignee": assignee_id,
            },
        )
        sla.refresh(case)
    return case


def resolve(
    case_id: int,
    actor: Actor,
    outcome: str = CaseOutcome.RESOLVED,
    note_text: str = "",
    follow_up_on: date | None = None,
) -> Case:
    if outcome not in CaseOutcome.values:
        raise CaseRefused(_("There is no outcome %(o)s."), field="outcome", o=outcome)
    if outcome == CaseOutcome.COMMITMENT and follow_up_on is None:
        raise CaseRefused(_("A commitment needs a follow-up date."), field="follow_up_on")
    with transaction.atomic():
        case = locked(case_id)
        if case.status not in OPEN_STATUSES:
            raise CaseState(_("Case %(n)s is not open."), field="case", n=case.number)
        now = timezone.now()
        sla_assign.counted(case.group_id, case.assignee_id, -1)
        case.status, case.outcome, case.follow_up_on = CaseStatus.RESOLVED, outcome, follow_up_on
        case.resolved_at = case.updated_at = now
        case.save()
        entry(
            case,
            EntryKind.STATUS,
            actor,
            at=now,
            status=CaseStatus.RESOLVED,
            body=note_text,
            data={"outcome": outcome},
        )
        costing.charge_handling(case, now)
        sla.refresh(case, now)
        _announce(case, "case.resolved")
    return case


def _announce(case: Case, event_type: str) -> None:
    if case.customer_id is None:
        return  # an employee's case is not a customer's story
    hub.publish_many([opening.announcement(case, event_type)])
