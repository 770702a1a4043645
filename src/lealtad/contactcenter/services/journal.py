"""Appending to the center's journal: every change of a contact or an agent, in commit order.

The router follows the journal by id and the wallboard folds it, so ids must commit in order:
SQLite has one writer anyway; on PostgreSQL each appending transaction takes one advisory lock
(a sequence hands out ids before commit, and a later id could otherwise become visible first).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from lealtad.contactcenter.models import Agent, CenterEvent, Contact
from lealtad.core import live
from lealtad.core.db import insert_new

LIVE_TOPIC = "contactcenter"  # the topic the desktop and the wallboard follow
# An arbitrary constant of our own: the advisory lock of the center's journal.
_JOURNAL_LOCK = 0x4C45414C


def take_turn() -> None:
    """On PostgreSQL, hold the journal's lock until this transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_JOURNAL_LOCK])


def record(
    kind: str,
    *,
    contact: Contact | None = None,
    agent: Agent | int | None = None,
    at: datetime | None = None,
    state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    key: str | None = None,
) -> CenterEvent:
    """One journal row inside the caller's transaction (which must be open)."""
    if not connection.in_atomic_block:
        raise RuntimeError("journal.record() must run inside the change's transaction")
    take_turn()
    agent_id = agent.pk if isinstance(agent, Agent) else agent
    if agent_id is None and contact is not None:
        agent_id = contact.agent_id
    row = CenterEvent(
        at=at or timezone.now(),
        kind=kind,
        contact_id=contact.pk if contact is not None else None,
        agent_id=agent_id,
        customer_id=contact.customer_id if contact is not None else None,
        queue=contact.queue.name if contact is not None and contact.queue is not None else "",
        medium=contact.medium if contact is not None else "",
        tier=contact.tier if contact is not None else "",
        state=state,
        reason=reason,
        data=data or {},
        key=key,
    )
    insert_new([row])
    # This process's live screens look at once (others find the line on their next tick).
    transaction.on_commit(_nudge_screens)
    return row


def _nudge_screens() -> None:
    live.nudge(LIVE_TOPIC)


def seen(key: str) -> bool:
    """Whether an outside event with this key was already recorded (a repeated delivery)."""
    return CenterEvent.objects.filter(key=key).exists()


def record_once(kind: str, key: str, **fields: Any) -> CenterEvent | None:
    """:func:`record` unless ``key`` is already in the journal (then None: nothing written)."""
    if seen(key):
        return None
    try:
        with transaction.atomic():
            return record(kind, key=key, **fields)
    except IntegrityError:  # a concurrent delivery of the same key won
        return None
