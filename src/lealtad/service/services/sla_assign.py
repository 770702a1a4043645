"""Assignment by skill and load: a new case goes to the least loaded member of its group who
has the skill (the case's category, subtype or product; a member without skills takes
anything) and room under ``max_open``. Employees' cases go to an internal help desk group.

``GroupMember.open_cases`` is a counter the case services keep (``counted``), so routing
reads one row per member instead of counting cases.
"""

from __future__ import annotations

from django.db.models import F

from lealtad.core.db import new_row
from lealtad.service.choices import EntryKind
from lealtad.service.models import Case, CaseEntry, GroupMember, SupportGroup

ROUTER = "routing"


def internal_groups() -> dict[str, SupportGroup]:
    """The active help desk groups by name, the first of them also under ``""``."""
    groups = list(SupportGroup.objects.filter(active=True, internal=True).order_by("id"))
    found = {g.name: g for g in groups}
    if groups:
        found.setdefault("", groups[0])
    return found


def _wanted(case: Case) -> set[str]:
    return {case.category, case.subtype, case.product_sku} - {""}


def _pick(case: Case, members: list[GroupMember]) -> GroupMember | None:
    """The least loaded member with room and the skill (no skills: takes anything)."""
    wanted = _wanted(case)
    fits = [
        m for m in members if m.open_cases < m.max_open and (not m.skills or wanted & set(m.skills))
    ]
    return min(fits, key=lambda m: (m.open_cases, m.pk), default=None)


def assign_new(cases: list[Case]) -> list[CaseEntry]:
    """Route cases being opened (not yet written): the right group for an employee, then the
    least loaded member, counting each assignment before the next so a batch spreads over the
    members as one-by-one opening would. Sets ``group``/``assignee`` on the cases, moves the
    members' counters, and answers the history lines to write with them."""
    help_desks = internal_groups() if any(_employees(cases)) else {}
    for case in _employees(cases):
        group = help_desks.get(case.subtype) or help_desks.get("")
        if group is not None:
            case.group = group
    group_ids = {c.group_id for c in cases if c.group_id is not None}
    members: dict[int, list[GroupMember]] = {g: [] for g in group_ids}
    for row in GroupMember.objects.filter(group_id__in=group_ids).only(
        "id", "group_id", "user_id", "skills", "max_open", "open_cases"
    ):
        members[row.group_id].append(row)
    lines: list[CaseEntry] = []
    taken: dict[GroupMember, int] = {}
    for case in cases:
        member = _pick(case, members.get(case.group_id, [])) if case.group_id else None
        if member is None:
            continue
        case.assignee_id = member.user_id
        member.open_cases += 1
        taken[member] = taken.get(member, 0) + 1
        lines.append(_assigned_line(case))
    for member, count in taken.items():
        counted(member.group_id, member.user_id, count)
    return lines


def _employees(cases: list[Case]) -> list[Case]:
    return [c for c in cases if c.customer_id is None and c.requester_id is not None]


def _assigned_line(case: Case) -> CaseEntry:
    return new_row(
        CaseEntry,
        case_id=case.pk,
        at=case.created_at,
        kind=EntryKind.ASSIGNED,
        author=ROUTER,
        data={"group": case.group.name if case.group else "", "assignee": case.assignee_id},
    )


def counted(group_id: int | None, user_id: int | None, delta: int) -> None:
    """Move a member's open-case counter (never below zero)."""
    if group_id is None or user_id is None:
        return
    rows = GroupMember.objects.filter(group_id=group_id, user_id=user_id)
    if delta < 0:
        rows = rows.filter(open_cases__gte=-delta)
    rows.update(open_cases=F("open_cases") + delta)
