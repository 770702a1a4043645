"""Delivers outbox messages to subscribers, at least once, with retries and a dead-letter list.

Each (message, subscriber) pair has a :class:`~lealtad.core.models.Delivery` row. A handler runs
in the same transaction that marks its delivery done, so a crash mid-handler rolls both back
and the message is offered again: subscribers that write to the database see each message's
effect exactly once; those that reach outside must be idempotent on ``Message.event_id``.

The transport is an interface: :class:`OutboxDispatcher` reads the database outbox in process;
a Redis Streams transport can implement the same two methods.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, cast

from django.db import close_old_connections, connection, models, transaction
from django.utils import timezone

from lealtad.core import hub
from lealtad.core.db import new_row, rows_of, stored_moment, writer_turn
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


Group = Sequence[hub.Message]
BySubscriber = dict[tuple[int, str], Delivery]


@dataclass(frozen=True)
class Share:
    """The part of the outbox one of ``of`` dispatchers takes: the messages of the customers
    whose id leaves ``index`` over ``of`` (messages of no customer go with share 0), so each
    customer's events still reach every subscriber in the order they were published, while
    the dispatchers run side by side (on PostgreSQL; SQLite's one writer takes them in turn).
    """

    index: int
    of: int

    def __post_init__(self) -> None:
        if self.of < 1 or not 0 <= self.index < self.of:
            raise ValueError(f"a share is k/n with 0 <= k < n, not {self.index}/{self.of}")

    @classmethod
    def parse(cls, text: str) -> Share:
        """``"1/4"``: the second of four dispatchers."""
        index, slash, of = text.partition("/")
        if not slash or not index.strip().isdigit() or not of.strip().isdigit():
            raise ValueError(f"a share is written k/n (such as 0/2), not {text!r}")
        return cls(int(index), int(of))


class OutboxDispatcher:
    """The embedded transport: polls the outbox table of the same database (all of it, or
    one :class:`Share`)."""

    def __init__(self, share: Share | None = None) -> None:
        self.share = share

    def run_once(self, limit: int = 500, per_commit: int = 200) -> int:
        """One pass over pending messages, in groups of ``per_commit``.

        Database subscribers run in savepoints inside one transaction per group, so a pass
        costs a few disk syncs rather than one per message; a group's deliveries are made,
        read and settled a few statements at a time, and :func:`hub.subscriber_many`
        handlers take the group's messages at once. Subscribers that reach outside
        (webhooks) run with no transaction open, so a slow receiver never holds the write
        lock; their delivery is marked right after. On SQLite the dispatcher queues for the
        write slot with the requests (:func:`writer_turn`) rather than polling for it.
        """
        hub.run_before_pass()
        pending = _pending(limit, self.share)
        settled = 0
        for start in range(0, len(pending), per_commit):
            group = pending[start : start + per_commit]
            subs = {t: hub.subscriptions_for(t) for t in {row.event_type for row in group}}
            outside = any(not s.transactional for found in subs.values() for s in found)
            with writer_turn(), transaction.atomic():
                deliveries = self._deliveries(group, subs)
                self._offer(group, subs, deliveries, transactional=True)
                if not outside:  # nothing left to wait for: settle in the same commit
                    settled += self._settle(group, subs, deliveries)
            if outside:
                self._offer(group, subs, deliveries, transactional=False)
                with writer_turn(), transaction.atomic():
                    settled += self._settle(group, subs, deliveries)
        return settled

    @staticmethod
    def _deliveries(group: Group, subs: dict[str, list[hub.Subscription]]) -> BySubscriber:
        """Every (message, subscriber) pair's delivery row: made first, a few hundred a
        statement, and only those that stood already (a retry, a replay, another
        dispatcher's) read back; a pass over fresh messages reads none."""
        pairs = [(row.id, sub.name) for row in group for sub in subs[row.event_type]]
        found = _make_deliveries(pairs)
        if len(found) < len(pairs):
            again = {m for m, name in pairs if (m, name) not in found}
            rows = Delivery.objects.filter(message_id__in=again).values_list(*_READ)
            for values in rows:
                delivery = new_row(Delivery, **dict(zip(_READ, values, strict=True)))
                found.setdefault((delivery.message_id, delivery.subscriber), delivery)
        return found

    def _offer(
        self,
        group: Group,
        subs: dict[str, list[hub.Subscription]],
        deliveries: BySubscriber,
        transactional: bool,
    ) -> None:
        """Each subscriber its due messages of the group, in outbox order."""
        now = timezone.now()
        names = {t: {s.name for s in found} for t, found in subs.items()}
        wanted = set().union(*names.values())
        for sub in hub.all_subscriptions():
            if sub.transactional != transactional or sub.name not in wanted:
                continue
            due = [
                (row, delivery)
                for row in group
                if sub.name in names[row.event_type]
                and (delivery := deliveries.get((row.id, sub.name))) is not None
                and delivery.status == Delivery.Status.PENDING
                and not (delivery.next_attempt_at and delivery.next_attempt_at > now)
            ]
            if sub.handle_many is not None and len(due) > 1 and self._deliver_many(sub, due):
                continue
            for row, delivery in due:
                self._deliver(sub, row, delivery)

    def _deliver_many(self, sub: hub.Subscription, due: list[tuple[hub.Message, Delivery]]) -> bool:
        """All at once; False (nothing written) when the handler failed, for the caller to
        offer each message alone."""
        assert sub.handle_many is not None
        try:
            with transaction.atomic():
                sub.handle_many([row for row, _ in due])
                _mark_done([d.pk for _, d in due])
        except Exception as exc:
            log.info("subscriber %s failed on a group, offering one by one: %s", sub.name, exc)
            return False
        for _, delivery in due:
            delivery.status = Delivery.Status.DONE
        return True

    @staticmethod
    def _settle(
        group: Group, subs: dict[str, list[hub.Subscription]], deliveries: BySubscriber
    ) -> int:
        """Mark dispatched the messages every subscriber is done with (or dead).

        The statuses are the ones this pass read or wrote (each write sets its row's status
        in memory too), so settling reads nothing; a delivery another dispatcher finished
        meanwhile still reads pending here, and its message waits for the next pass."""
        ids = [
            row.id
            for row in group
            if all(
                (found := deliveries.get((row.id, sub.name))) is not None
                and found.status != Delivery.Status.PENDING
                for sub in subs[row.event_type]
            )
        ]
        _mark_dispatched(ids)
        return len(ids)

    def _deliver(self, sub: hub.Subscription, message: hub.Message, delivery: Delivery) -> None:
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
        delivery.status = Delivery.Status.DONE

    @staticmethod
    def _failed(
        sub: hub.Subscription, message: hub.Message, delivery: Delivery, exc: Exception
    ) -> None:
        log.warning("subscriber %s failed on %s: %s", sub.name, message.event_id, exc)
        attempts = delivery.attempts + 1
        status = Delivery.Status.DEAD if attempts >= sub.max_attempts else Delivery.Status.PENDING
        Delivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts,
            status=status,
            next_attempt_at=timezone.now() + backoff(attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        delivery.status = status

    def replay(self, delivery_id: int) -> None:
        with transaction.atomic():
            delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
            delivery.status = Delivery.Status.PENDING
            delivery.next_attempt_at = None
            delivery.attempts = 0
            delivery.save(update_fields=["status", "next_attempt_at", "attempts", "updated_at"])
            OutboxMessage.objects.filter(pk=delivery.message_id).update(dispatched_at=None)


PER_STATEMENT = 500  # ids an IN list, far below SQLite's variable limit
DONE = Delivery.Status.DONE.value
_READ = ("id", "message_id", "subscriber", "status", "attempts", "next_attempt_at")
_MESSAGE = ("id", "event_id", "event_type", "channel", "customer_id", "payload", "created_at")


def _pending(limit: int, share: Share | None = None) -> list[hub.Message]:
    """The oldest undispatched messages (of the share), read as the plain values subscribers
    receive, by the statement alone (a model row each, then a message built from it, cost a
    fifth of an earn event; the ORM's values and converters, another tenth)."""
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    params: list[object] = [limit]
    mine = ""
    if share is not None and share.of > 1:
        # The remainder by integer division: SQLite has no MOD() unless built with it.
        mine = "AND COALESCE(customer_id, 0) - COALESCE(customer_id, 0) / %s * %s = %s "
        params = [share.of, share.of, share.index, limit]
    sql = (
        f"SELECT {', '.join(_MESSAGE)} FROM {table} "
        f"WHERE dispatched_at IS NULL {mine}ORDER BY id LIMIT %s"
    )
    zone = connection.timezone
    return [
        hub.Message(
            pk,
            event_id,
            event_type,
            channel,
            customer,
            payload if isinstance(payload, dict) else json.loads(payload),
            cast(datetime, stored_moment(created, zone)),  # NOT NULL
        )
        for pk, event_id, event_type, channel, customer, payload, created in rows_of(sql, params)
    ]


def _mark_done(ids: Sequence[int]) -> None:
    """Deliveries a subscriber finished, by the statement alone (the ORM compiled an
    ``UPDATE … IN`` afresh for every group)."""
    _update_in(Delivery, "status = %s, attempts = attempts + 1, last_error = ''", ids, DONE)


def _mark_dispatched(ids: Sequence[int]) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    _update_in(OutboxMessage, "dispatched_at = %s", ids, now)


def _update_in(
    model: type[models.Model], assignments: str, ids: Sequence[int], value: object
) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    for start in range(0, len(ids), PER_STATEMENT):
        part = ids[start : start + PER_STATEMENT]
        marks = ", ".join(["%s"] * len(part))
        rows_of(
            f"UPDATE {table} SET {assignments} WHERE id IN ({marks}) RETURNING id", [value, *part]
        )


def _make_deliveries(pairs: Sequence[tuple[int, str]], per_statement: int = 500) -> BySubscriber:
    """Pending deliveries for (message id, subscriber) pairs, skipping those that exist.

    Through ``bulk_create`` and a read back, making them took half of a pass's time."""
    now = timezone.now()
    stamp = Delivery._meta.get_field("updated_at").get_db_prep_save(now, connection)
    table = connection.ops.quote_name(Delivery._meta.db_table)
    pending = Delivery.Status.PENDING
    made: BySubscriber = {}
    for start in range(0, len(pairs), per_statement):
        part = pairs[start : start + per_statement]
        sql = (
            f"INSERT INTO {table} (message_id, subscriber, status, attempts, last_error, "
            f"updated_at) VALUES {', '.join(['(%s, %s, %s, 0, %s, %s)'] * len(part))} "
            "ON CONFLICT (message_id, subscriber) DO NOTHING "
            "RETURNING id, message_id, subscriber"
        )
        params = [v for message, name in part for v in (message, name, pending.value, "", stamp)]
        for pk, message_id, subscriber in rows_of(sql, params):
            made[(message_id, subscriber)] = new_row(
                Delivery,
                id=pk,
                message_id=message_id,
                subscriber=subscriber,
                status=pending,
                attempts=0,
                updated_at=now,
            )
    return made


def default_dispatcher(share: Share | None = None) -> Dispatcher:
    return OutboxDispatcher(share)


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
