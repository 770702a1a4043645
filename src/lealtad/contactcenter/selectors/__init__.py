"""Reads of the contact center: agents, queues, contacts and the journal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from lealtad.contactcenter.choices import LIVE_STATUSES, ContactStatus
from lealtad.contactcenter.models import (
    Agent,
    CenterEvent,
    CenterSettings,
    Contact,
    Queue,
    Skill,
    WrapUpCode,
)


def agent_for_user(user: Any) -> Agent | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Agent.objects.filter(user=user, active=True).first()


def agent(agent_id: int) -> Agent | None:
    return Agent.objects.filter(pk=agent_id).prefetch_related("skills__skill").first()


def agents() -> QuerySet[Agent]:
    return Agent.objects.filter(active=True).prefetch_related("skills__skill")


def skills_of(found: Agent) -> dict[str, int]:
    return {s.skill.name: s.proficiency for s in found.skills.all()}


def skills() -> QuerySet[Skill]:
    return Skill.objects.all()


def queues() -> QuerySet[Queue]:
    return Queue.objects.filter(active=True).select_related("skill")


def contact(contact_id: int) -> Contact | None:
    return Contact.objects.select_related("queue", "agent").filter(pk=contact_id).first()


def live_contacts(agent_id: int | None = None) -> QuerySet[Contact]:
    found = Contact.objects.select_related("queue").filter(
        status__in=[*LIVE_STATUSES, ContactStatus.WRAP_UP]
    )
    if agent_id is not None:
        found = found.filter(agent_id=agent_id)
    return found.order_by("place_at", "id")


def waiting(queue: str | None = None) -> QuerySet[Contact]:
    found = Contact.objects.select_related("queue").filter(status=ContactStatus.QUEUED)
    if queue:
        found = found.filter(queue__name=queue)
    return found.order_by("place_at", "id")


def contacts_of_customer(customer_id: int, limit: int = 20) -> QuerySet[Contact]:
    return Contact.objects.filter(customer_id=customer_id).select_related("queue")[:limit]


def journal_since(last_id: int, limit: int = 500) -> list[CenterEvent]:
    return list(CenterEvent.objects.filter(id__gt=last_id).order_by("id")[:limit])


def journal_between(start: datetime, end: datetime) -> QuerySet[CenterEvent]:
    return CenterEvent.objects.filter(at__gte=start, at__lt=end).order_by("id")


def last_journal_id() -> int:
    return CenterEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def wrap_up_codes() -> QuerySet[WrapUpCode]:
    return WrapUpCode.objects.filter(active=True)


def center_settings() -> CenterSettings:
    """The center's settings as they stand (their defaults before anyone saved them)."""
    return CenterSettings.objects.filter(pk=1).first() or CenterSettings(pk=1)
