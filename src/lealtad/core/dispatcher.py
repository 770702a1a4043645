"""Delivers outbox messages to subscribers, at least once, with retries and a dead-letter list.

Each (message, subscriber) pair has a :class:`~lealtad.core.models.Delivery` row. A handler runs
in the same transaction that marks its delivery done, so a crash mid-handler rolls both back
and the message is offered again: subscribers that write to the database see each message's
effect exactly once; those that reach outside must be idempotent on ``Message.event_id``.

The transport is an interface: :class:`OutboxDispatcher` reads the database outbox in process;
a Redis Streams transport can implement the same two methods.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Protocol

from django.db import close_old_connections, transaction
from django.utils import timezone

from lealtad.core import hub
from lealtad.core.models import Delivery, OutboxMessage

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 3600.0


def backoff(attempts: int) -> timedelta:
    """Exponential backoff: 2 s, 4 s, 8 s … capped at an hour."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS**attempts, BACKOFF_CAP_SECONDS))


class Dispatcher(Protocol):
    def run_once(self, limit: int = 500) -> int:
        """Offer pending messages to their subscribers; return how many were settled."""

    def replay(self, delivery_id: int) -> None:
        """Put a dead-lettered delivery back in line."""


class OutboxDispatcher:
    """The embedded transport: polls the outbox table of the same database."""

    def run_once(self, limit: int = 500, per_commit: int = 200) -> int:
        """One pass over pending messages, in groups of ``per_commit``.

        Database subscribers run in savepoints inside one transaction per group, so a pass
        costs a few disk syncs rather than one per message. Subscribers that reach outside
        (webhooks) run with no transaction open, so a slow receiver never holds the write
        lock; their delivery is marked right after.
        """
        hub.run_before_pass()
        pending = list(
            OutboxMessage.objects.filter(dispatched_at=None)
            .prefetch_related("deliveries")
            .order_by("id")[:limit]
        )
        settled = 0
        for start in range(0, len(pending), per_commit):
            group = pending[start : start + per_commit]
            with transaction.atomic():
                for row in group:
                    self._offer(row, transactional=True)
            for row in group:
                self._offer(row, transactional=False)
            with transaction.atomic():
                settled += sum(self._settle(row) for row in group)
        return settled

    def _offer(self, row: OutboxMessage, transactional: bool) -> None:
        message = hub.to_message(row)
        existing = {d.subscriber: d for d in row.deliveries.all()}
        for sub in hub.subscriptions_for(row.event_type):
            if sub.transactional != transactional:
                continue
            delivery = (
                existing.get(sub.name)
                or Delivery.objects.get_or_create(message=row, subscriber=sub.name)[0]
            )
            if delivery.status == Delivery.Status.PENDING:
                self._deliver(sub, message, delivery)

    def _settle(self, row: OutboxMessage) -> bool:
        """Mark the message dispatched once every subscriber is done with it (or dead)."""
        names = {s.name for s in hub.subscriptions_for(row.event_type)}
        finished = Delivery.objects.filter(message=row, subscriber__in=names).exclude(
            status=Delivery.Status.PENDING
        )
        if finished.count() < len(names):
            return False
        OutboxMessage.objects.filter(pk=row.pk).update(dispatched_at=timezone.now())
        return True

    def _deliver(self, sub: hub.Subscription, message: hub.Message, delivery: Delivery) -> None:
        if delivery.next_attempt_at and delivery.next_attempt_at > timezone.now():
            return
        try:
            if sub.transactional:
                with transaction.atomic():
                    sub.handler(message)
                    self._done(delivery)
            else:
                sub.handler(message)
                self._done(delivery)
        except Exception as exc:
            self._failed(sub, message, delivery, exc)

    @staticmethod
    def _done(delivery: Delivery) -> None:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.DONE, attempts=delivery.attempts + 1, last_error=""
        )

    @staticmethod
    def _failed(
        sub: hub.Subscription, message: hub.Message, delivery: Delivery, exc: Exception
    ) -> None:
        log.warning("subscriber %s failed on %s: %s", sub.name, message.event_id, exc)
        attempts = delivery.attempts + 1
        Delivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts,
            status=Delivery.Status.DEAD
            if attempts >= sub.max_attempts
            else Delivery.Status.PENDING,
            next_attempt_at=timezone.now() + backoff(attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )

    def replay(self, delivery_id: int) -> None:
        with transaction.atomic():
            delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
            delivery.status = Delivery.Status.PENDING
            delivery.next_attempt_at = None
            delivery.attempts = 0
            delivery.save(update_fields=["status", "next_attempt_at", "attempts", "updated_at"])
            OutboxMessage.objects.filter(pk=delivery.message_id).update(dispatched_at=None)


def default_dispatcher() -> Dispatcher:
    return OutboxDispatcher()


class EmbeddedWorker(threading.Thread):
    """Runs the dispatcher beside the web server in one process (embedded mode)."""

    def __init__(self, dispatcher: Dispatcher | None = None, interval: float = 0.5) -> None:
        super().__init__(name="lealtad-dispatcher", daemon=True)
        self.dispatcher = dispatcher or default_dispatcher()
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            settled = 0
            try:
                close_old_connections()
                settled = self.dispatcher.run_once()
            except Exception:
                log.exception("dispatcher pass failed")
            if not settled:
                self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
