"""An agent hands a case up to the next tier (seed 002's escalation: beyond the agent's skill
or authority), the way the SLA job does when a target is breached, but by hand and before.

The next tier is the case's group's ``escalates_to``: a level-1 agent cannot send a case to
any group they like (reassigning freely stays a supervisor's move). The history gets an
``escalated`` line naming where the case came from, so first-contact resolution, costing and
the metrics see that the case moved.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.service.choices import OPEN_STATUSES, EntryKind
from lealtad.service.models import Case
from lealtad.service.services import cases


def escalate(case_id: int, actor: Actor, note: str = "") -> Case:
    """Move the case to its group's next tier, unassigned, with the agent's reason."""
    with transaction.atomic():
        case = cases.locked(case_id)
        if case.status not in OPEN_STATUSES:
            raise cases.CaseState(_("Case %(n)s is not open."), field="case", n=case.number)
        source = case.group
        target = source.escalates_to if source is not None else None
        if source is None or target is None or not target.active:
            raise cases.CaseState(
                _("Case %(n)s has no higher tier to go to."), field="group", n=case.number
            )
        case = cases.assign(case_id, actor, target.name)
        cases.entry(
            case,
            EntryKind.ESCALATED,
            actor,
            body=note.strip(),
            data={"from": source.name, "group": target.name, "reason": "agent"},
        )
    return case
