"""The audit trail: every change to customer data, with who, when, how and before → after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from lealtad.core.db import insert_new, new_row
from lealtad.core.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, an API token, a channel or the system itself."""

    label: str
    user_id: int | None = None
    channel: str = ""

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(label=label)

    @classmethod
    def for_user(cls, user: Any, channel: str = "") -> Actor:
        return cls(label=user.get_username(), user_id=user.pk, channel=channel)


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as ``{field: [before, after]}``."""
    return {
        key: [jsonable(before.get(key)), jsonable(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def build(
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: Any,
    changes: dict[str, list[Any]],
    *,
    customer_id: int | None = None,
    event_id: str = "",
    channel: str = "",
) -> AuditEntry:
    """An unsaved entry, for services that write many in one ``bulk_create``."""
    return new_row(
        AuditEntry,
        occurred_at=timezone.now(),
        actor_id=actor.user_id,
        actor_label=actor.label,
        channel=channel or actor.channel,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        customer_id=customer_id,
        changes=changes,
        event_id=event_id,
    )


def record(
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: Any,
    changes: dict[str, list[Any]],
    **context: Any,
) -> AuditEntry:
    """Write one entry now (``context``: customer_id, event_id, channel as in :func:`build`)."""
    entry = build(actor, action, entity_type, entity_id, changes, **context)
    insert_new([entry])  # the row ``save`` wrote, without its machinery (see core.db)
    return entry
