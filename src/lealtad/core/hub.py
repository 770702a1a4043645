"""The event hub's publishing side and its subscriber registry.

Contexts publish domain events with :func:`publish` inside their business transaction (the row
lands in the outbox) and subscribe handlers per event type with :func:`subscriber`. The
registry is a plain mapping, not a class with a method per event, so contexts add and remove
handlers without touching the hub.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from lealtad.core.db import insert_new
from lealtad.core.models import OutboxMessage

Handler = Callable[["Message"], None]
ManyHandler = Callable[[Sequence["Message"]], None]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """What a subscriber receives: the outbox row, detached from the ORM."""

    id: int
    event_id: str
    event_type: str
    channel: str
    customer_id: int | None
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Subscription:
    name: str
    event_types: tuple[str, ...]
    handler: Handler
    max_attempts: int = 8
    # False for handlers that reach outside (webhooks): they run with no transaction open,
    # at least once, and the receiver deduplicates on the event id.
    transactional: bool = True
    # Set for handlers that take many messages at once (see :func:`subscriber_many`);
    # ``handler`` then hands them one message alone.
    handle_many: ManyHandler | None = None


_SUBSCRIPTIONS: dict[str, Subscription] = {}


def subscriber(
    *event_types: str, name: str | None = None, max_attempts: int = 8, transactional: bool = True
):
    """Register a handler for event types. Handlers must be idempotent (at-least-once)."""

    def register(handler: Handler) -> Handler:
        key = name or f"{handler.__module__}.{handler.__qualname__}"
        _SUBSCRIPTIONS[key] = Subscription(
            key, tuple(event_types), handler, max_attempts, transactional
        )
        return handler

    return register


def subscriber_many(*event_types: str, name: str | None = None, max_attempts: int = 8):
    """Register a handler that takes a list of messages, for read models kept set-based.

    Handling messages one by one cost a few statements each, and the dispatcher settled a few
    hundred a second. It hands such a handler the due messages of a pass together, in outbox
    order, in one savepoint; if the handler fails, each message is offered alone, so a bad
    one is retried and dead-lettered by itself. Always transactional; idempotent as any.
    """

    def register(handler: ManyHandler) -> ManyHandler:
        key = name or f"{handler.__module__}.{handler.__qualname__}"

        def one(message: Message) -> None:
            handler([message])

        _SUBSCRIPTIONS[key] = Subscription(
            key, tuple(event_types), one, max_attempts, True, handle_many=handler
        )
        return handler

    return register


_BEFORE_PASS: list[Callable[[], None]] = []


def before_pass(hook: Callable[[], None]) -> Callable[[], None]:
    """Run ``hook`` at the start of every dispatcher pass (e.g. to sync run-time subscribers
    from the database, so every process sees the same set)."""
    _BEFORE_PASS.append(hook)
    return hook


def run_before_pass() -> None:
    for hook in list(_BEFORE_PASS):
        try:
            hook()
        except Exception:
            log.exception("before-pass hook %s failed", hook)


def unsubscribe(name: str) -> None:
    _SUBSCRIPTIONS.pop(name, None)


def subscriptions_for(event_type: str) -> list[Subscription]:
    return [
        s for s in _SUBSCRIPTIONS.values() if event_type in s.event_types or "*" in s.event_types
    ]


def subscription(name: str) -> Subscription | None:
    return _SUBSCRIPTIONS.get(name)


def all_subscriptions() -> list[Subscription]:
    return list(_SUBSCRIPTIONS.values())


class Announcement(NamedTuple):
    """One event for :func:`publish_many`: :func:`publish`'s arguments."""

    event_type: str
    payload: dict[str, Any]
    event_id: str
    channel: str = ""
    customer_id: int | None = None


def publish(
    event_type: str,
    payload: dict[str, Any],
    *,
    event_id: str,
    channel: str = "",
    customer_id: int | None = None,
) -> OutboxMessage:
    """Write an outbox row; must run inside the transaction of the change it announces."""
    return publish_many([Announcement(event_type, payload, event_id, channel, customer_id)])[0]


def publish_many(announcements: Sequence[Announcement]) -> list[OutboxMessage]:
    """Write several outbox rows, a hundred an INSERT, in order, in the business transaction.

    Every write path announces inside the database's write slot, where the ORM's ``create``
    (signals, a compiler per statement) cost several times the statement; the rows are the
    ones ``create`` wrote, ids included.
    """
    if connection.in_atomic_block is False:
        raise RuntimeError("publish() must run inside the business transaction")
    now = timezone.now()
    # Positional, in the fields' order (id, event_id, event_type, channel, customer_id,
    # payload, created_at, dispatched_at): the ORM's own quick way to make a row.
    rows = [
        OutboxMessage(
            None, a.event_id, a.event_type, a.channel, a.customer_id, a.payload, now, None
        )
        for a in announcements
    ]
    insert_new(rows)
    return rows


def to_message(row: OutboxMessage) -> Message:
    return Message(
        id=row.pk,
        event_id=row.event_id,
        event_type=row.event_type,
        channel=row.channel,
        customer_id=row.customer_id,
        payload=row.payload,
        created_at=row.created_at,
    )


def document(message: Message) -> dict[str, Any]:
    """The message as a system outside Lealtad receives it: its payload (for ingested events,
    the whole canonical envelope) plus ``event_id``, ``event_type``, ``channel``,
    ``customer_id`` and ``published_at``.

    One shape for every way out (an outbound webhook without a mapping, the Redis Streams
    relay), so a receiver written for one reads the others.
    """
    return {
        **message.payload,
        "event_id": message.event_id,
        "event_type": message.event_type,
        "channel": message.channel,
        "customer_id": message.customer_id,
        "published_at": message.created_at.isoformat(),
    }


def document_json(message: Message) -> str:
    """:func:`document` as compact JSON text, as a webhook's body carries it."""
    return json.dumps(document(message), ensure_ascii=False, separators=(",", ":"), default=str)
