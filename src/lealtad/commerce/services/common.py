"""What every commerce use case shares: its errors and how it audits, announces and records."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, models

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]

from lealtad.core import audit, hub
from lealtad.core.audit import Actor
from lealtad.customers import selectors as customer_selectors
from lealtad.customers import services as customer_services
from lealtad.customers.models import Customer
from lealtad.customers.schemas import InteractionRecorded


class CommerceError(ValueError):
    """A refused request: nothing was written. ``status`` is the HTTP answer."""

    status = 400


class Invalid(CommerceError):
    status = 422


class NotFound(CommerceError):
    status = 404


class Conflict(CommerceError):
    status = 409


class OutOfStock(Conflict):
    """Not enough units where they were wanted; ``retry`` when another order took them first."""

    def __init__(self, message: str, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry


class PaymentFailed(CommerceError):
    status = 402


@dataclass(frozen=True)
class SaleContext:
    """Who acts, on which channel, and (for inbound events) the event that asked."""

    actor: Actor
    channel: str
    event_id: str = ""

    def audit(
        self, action: str, entity: str, entity_id: Any, changes: dict, customer_id: int | None
    ) -> None:
        entry = audit.build(
            self.actor,
            action,
            entity,
            entity_id,
            audit.jsonable(changes),
            customer_id=customer_id,
            event_id=self.event_id,
            channel=self.channel,
        )
        insert_new([entry])

    def announce(
        self, event_type: str, key: str, customer_id: int | None, payload: dict[str, Any]
    ) -> None:
        """An outbox row whose id is stable (``PED-… #order.placed``): repeats are recognisable."""
        hub.publish(
            event_type,
            audit.jsonable({"customer_id": customer_id, **payload}),
            event_id=f"{key}#{event_type}",
            channel=self.channel,
            customer_id=customer_id,
        )

    def timeline(
        self, customer: Customer, subject: str, related_type: str, related_id: str, where: str = ""
    ) -> None:
        customer_services.record_interaction(
            customer,
            InteractionRecorded(
                kind="order",
                direction="inbound",
                subject=subject[:200],
                agent=self.actor.label[:150],
                location=where[:150],
                related_type=related_type,
                related_id=related_id,
            ),
            customer_services.ChangeContext(self.actor, self.event_id, self.channel),
        )


def live_customer(customer_id: int) -> Customer:
    """The customer (or, if merged, the one it was merged into)."""
    customer = customer_selectors.get_customer(customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    return customer.merged_into or customer


def customer_reference(customer_id: int) -> Customer:
    """The live customer (or, if merged, the one it was merged into) with only its id read;
    any other field is read on first use. Placing an order needs the id alone, and reading
    the whole profile (twice, with the survivor) cost a fifth of the placement."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, merged_into_id FROM {Customer._meta.db_table} WHERE id = %s",
            [customer_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound(f"no customer {customer_id}")
    return Customer.from_db(connection.alias, ["id"], [row[1] or row[0]])


_turn = threading.Lock()
_turn_files: dict[tuple[int, str], int] = {}


@contextmanager
def writer_turn() -> Iterator[None]:
    """On SQLite, wait for the one writer's slot in a queue instead of in SQLite's busy handler.

    A writer that finds the database locked sleeps 1, 2, 5, 10, 15, 20, 25 ms … between tries,
    so with a dozen request threads placing orders the database sat idle between one commit
    and the next sleeper's wake-up. Here the threads of a process take turns on a lock, and
    processes on an advisory lock on a file beside the database: both hand the slot to the
    next writer the moment the last one is done. Writers that do not take a turn still get
    theirs through the busy handler. PostgreSQL (row locks) and a transaction already open
    (which may hold the slot) take no turn.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with _turn:
        fd = _turn_file(str(connection.settings_dict["NAME"]))
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)


def _turn_file(database: str) -> int | None:
    """This process's descriptor of the lock file (a forked child opens its own: a lock
    belongs to the open file, which parent and child would otherwise share)."""
    if fcntl is None or database.startswith(":memory:") or "mode=memory" in database:
        return None
    key = (os.getpid(), database)
    fd = _turn_files.get(key)
    if fd is None:
        fd = _turn_files[key] = os.open(f"{database}-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
    return fd


_INSERTS: dict[tuple[type[models.Model], str, int], str] = {}


def insert_new(rows: Sequence[models.Model]) -> None:
    """INSERT new rows of one model in one statement; their ids are set. For rows this
    context writes: its own, and the audit entries :func:`lealtad.core.audit.build` makes
    for it (core's way for services to write them in bulk).

    Order placement writes its order, lines, payment and audit entry this way: the ORM's
    ``save`` and ``bulk_create`` (signals, a compiler for every statement) cost several times
    the statement, in the writer's turn. Values are prepared as the ORM prepares them
    (``pre_save`` fills ``auto_now`` dates, then ``get_db_prep_save``); no model signal is
    sent, as with ``bulk_create``, and none is connected to these models.
    """
    model = type(rows[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    key = (model, connection.vendor, len(rows))
    sql = _INSERTS.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        row = f"({', '.join(['%s'] * len(fields))})"
        sql = _INSERTS[key] = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES {', '.join([row] * len(rows))} RETURNING {quote(meta.pk.column)}"
        )
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in rows for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [found[0] for found in cursor.fetchall()]
    for obj, pk in zip(rows, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
