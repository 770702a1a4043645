"""Assignment by skill and load: a new case goes to the least loaded member of its group who
has the skill (the case's category, subtype or product; a member without skills takes
anything) and room under ``max_open``. Employees' cases go to an internal help desk group.

``GroupMember.open_cases`` is a counter the case services keep (``counted``), so routing
reads one row per member instead of counting cases.
"""

from __future__ import annotations

from django.db.models import F

from lealtad.service.choices import EntryKind
from lealtad.service.models import Case, CaseEntry, GroupMember, SupportGroup

ROUTER = "routing"


def internal_group(case: Case) -> SupportGroup | None:
    """The help desk group named like the subtype (it, hr …), else the first internal one."""
    groups = SupportGroup.objects.filter(active=True, internal=True)
    return groups.filter(name=case.subtype).first() or groups.first()


def pick_member(case: Case) -> GroupMember | None:
    if case.group_id is None:
        return None
    wanted = {case.category, case.subtype, case.product_sku} - {""}
    members = (
        GroupMember.objects.filter(group_id=case.group_id, open_cases__lt=F("max_open"))
        .order_by("open_cases", "id")
        .only("id", "user_id", "skills", "open_cases")
    )
    for member in members:
        if not member.skills or wanted & set(member.skills):
            return member
    return None


def route(case: Case) -> None:
    """Inside the opening transaction: the right group for an employee, then an assignee."""
    if case.customer_id is None and case.requester_id is not None:
        group = internal_group(case)
        if group is not None and group.pk != case.group_id:
            case.group = group
    member = pick_member(case)
    if member is None:
        if case.group_id is not None:
            Case.objects.filter(pk=case.pk).update(group_id=case.group_id)
        return
    case.assignee_id = member.user_id
    Case.objects.filter(pk=case.pk).update(group_id=case.group_id, assignee_id=member.user_id)
    counted(case.group_id, member.user_id, +1)
    CaseEntry.objects.create(
        case=case,
        at=case.created_at,
        kind=EntryKind.ASSIGNED,
        author=ROUTER,
        data={"group": case.group.name if case.group else "", "assignee": member.user_id},
    )


def counted(group_id: int | None, user_id: int | None, delta: int) -> None:
    """Move a member's open-case counter (never below zero)."""
    if group_id is None or user_id is None:
        return
    rows = GroupMember.objects.filter(group_id=group_id, user_id=user_id)
    if delta < 0:
        rows = rows.filter(open_cases__gte=-delta)
    rows.update(open_cases=F("open_cases") + delta)
