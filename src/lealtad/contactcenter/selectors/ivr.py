"""Reads of the IVR's flows and sessions."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from lealtad.contactcenter.models import IvrFlow, IvrSession


def flows() -> QuerySet[IvrFlow]:
    """Every version of every flow, newest version first within a name."""
    return IvrFlow.objects.order_by("name", "-version")


def active_flow(name: str) -> IvrFlow | None:
    return IvrFlow.objects.filter(name=name, active=True).first()


def flow_version(name: str, version: int) -> IvrFlow | None:
    return IvrFlow.objects.filter(name=name, version=version).first()


def ivr_session(session_id: uuid.UUID | str) -> IvrSession | None:
    try:
        key = uuid.UUID(str(session_id))
    except ValueError:
        return None
    return IvrSession.objects.select_related("flow").filter(pk=key).first()


def ivr_sessions(limit: int = 100) -> QuerySet[IvrSession]:
    return IvrSession.objects.select_related("flow").order_by("-started_at")[:limit]
