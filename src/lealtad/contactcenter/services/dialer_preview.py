"""Preview dialing: the agent reads the next record first, then accepts it (the dialer rings
the customer from the agent's phone) or rejects it (the record goes back to the list and is
not offered again for a day).

A record is reserved for the agent reading it, so two agents never preview the same
customer; a reservation left for two minutes returns to the list (the dialer job's pass).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.contact_engine.dialer import CallResult
from lealtad.contactcenter.choices import AgentState
from lealtad.contactcenter.errors import NotThere, WrongState
from lealtad.contactcenter.models import Agent, CallList, CallListEntry
from lealtad.contactcenter.models.dialer import DialMode, EntryStatus, ListStatus
from lealtad.contactcenter.services.dialer import get_list
from lealtad.contactcenter.services.dialer_job import DialerJob, running_job
from lealtad.contactcenter.services.dialer_rows import dialable_entries
from lealtad.customers.selectors import dialing


def _agent_of(call_list: CallList, agent_id: int) -> Agent:
    queue = call_list.queue
    agent = (
        Agent.objects.filter(
            pk=agent_id,
            active=True,
            skills__skill_id=queue.skill_id,
            skills__proficiency__gte=queue.min_proficiency,
        )
        .distinct()
        .first()
    )
    if agent is None:
        raise NotThere(
            _("Agent %(id)s does not take this list's calls."), field="agent", id=agent_id
        )
    if agent.state != AgentState.AVAILABLE:
        raise WrongState(_("The agent is not available."), field="agent")
    return agent


def preview_next(
    list_name: str, agent_id: int, now: datetime | None = None
) -> CallListEntry | None:
    """The record this agent is reading, or the next one the rules allow now (reserved for
    them); ``None`` when the list has nobody to call now."""
    now = now or timezone.now()
    call_list = get_list(list_name)
    if call_list.mode != DialMode.PREVIEW or call_list.status != ListStatus.RUNNING:
        raise WrongState(_("The list is not a running preview list."), field="name")
    agent = _agent_of(call_list, agent_id)
    held = call_list.entries.filter(
        status__in=[EntryStatus.PREVIEWING, EntryStatus.DIALLING], reserved_for=agent
    ).first()
    if held is not None:
        return held
    for entry, _phone in dialable_entries(call_list, 20, now):
        with transaction.atomic():
            taken = CallListEntry.objects.filter(pk=entry.pk, status=EntryStatus.PENDING).update(
                status=EntryStatus.PREVIEWING, reserved_for=agent, reserved_at=now
            )
        if taken:
            entry.refresh_from_db()
            return entry
    return None


def preview_decide(
    entry_id: int,
    agent_id: int,
    accept: bool,
    job: DialerJob | None = None,
    now: datetime | None = None,
) -> CallListEntry:
    """The agent's answer on the record they read: dial it now, or pass on it."""
    now = now or timezone.now()
    entry = CallListEntry.objects.select_related("call_list__queue").filter(pk=entry_id).first()
    if entry is None:
        raise NotThere(_("There is no entry %(id)s."), field="entry", id=entry_id)
    if entry.status != EntryStatus.PREVIEWING or entry.reserved_for_id != agent_id:
        raise WrongState(_("This record is not in this agent's preview."), field="entry")
    if not accept:
        CallListEntry.objects.filter(pk=entry.pk).update(
            status=EntryStatus.PENDING,
            last_result=CallResult.REJECTED,
            last_attempt_at=now,
            reserved_for=None,
            reserved_at=None,
        )
        entry.refresh_from_db()
        return entry
    job = job or running_job()
    if job is None:
        raise WrongState(_("The dialer is not running."), field="entry")
    agent = _agent_of(entry.call_list, agent_id)
    facts = dialing.dialing_facts([entry.customer_id], entry.call_list.purpose)
    phone = facts[entry.customer_id].phone if entry.customer_id in facts else ""
    if not phone:
        raise WrongState(_("The customer has no phone to call."), field="entry")
    job.dial_for_agent(entry, phone, agent, now)
    entry.refresh_from_db()
    return entry
