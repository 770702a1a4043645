"""What a process keeps for a moment: rules and lists that every request or batch reads and
that change rarely (promotions and tax rates, locations, the offer program, the loyalty
programs' earning rules, the fitted lead scorer).

Each is read once per ``ttl`` seconds instead of on every use; reading them cost more than the
work they serve. A save in this process drops the copy at once (the owning context connects
its models with :meth:`Kept.forget_on_changes`); other processes see a change within ``ttl``.
Every copy is listed here, so :func:`forget_all` drops them all (each test has its own data).

Inside a transaction the rows read may not be committed. A copy made with
``fresh_in_transactions`` (prices: a quote in the transaction that changed a promotion) is then
read afresh and not kept. The others keep what they read there (the hub's batches run in
transactions), but a save inside a transaction drops the copy and nothing is kept until that
transaction ends, as it may roll back; at its commit the copy is dropped once more, since
another thread may have kept the rows it replaced. (After a rollback, keeping resumes at the
first read outside a transaction: Django has no rollback hook.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate, post_save

T = TypeVar("T")

_every: list[Kept[Any]] = []


class Kept(Generic[T]):
    def __init__(
        self, read: Callable[[], T], ttl: float, *, fresh_in_transactions: bool = False
    ) -> None:
        self._read = read
        self.ttl = ttl
        self._fresh_in_transactions = fresh_in_transactions
        self._lock = threading.Lock()
        self._copy: tuple[float, T] | None = None
        self._local = threading.local()  # per thread, as Django's connections are
        _every.append(self)

    @property
    def _saved_in_transaction(self) -> bool:
        """Whether this thread's open transaction saved what the copy holds."""
        return getattr(self._local, "saved", False)

    @_saved_in_transaction.setter
    def _saved_in_transaction(self, saved: bool) -> None:
        self._local.saved = saved

    def get(self) -> T:
        in_transaction = connection.in_atomic_block
        if self._saved_in_transaction and not in_transaction:
            self._saved_in_transaction = False
        if in_transaction and (self._fresh_in_transactions or self._saved_in_transaction):
            return self._read()
        copy = self._copy
        if copy is not None and time.monotonic() - copy[0] < self.ttl:
            return copy[1]
        fresh = self._read()
        with self._lock:
            self._copy = (time.monotonic(), fresh)
        return fresh

    def forget(self, **_signal: Any) -> None:
        """Drop the copy (also a signal receiver: a model saved or deleted)."""
        with self._lock:
            self._copy = None
        if connection.in_atomic_block:
            self._saved_in_transaction = True
            transaction.on_commit(self._committed)

    def _committed(self) -> None:
        with self._lock:
            self._copy = None
            self._saved_in_transaction = False

    def _drop(self) -> None:
        with self._lock:
            self._copy = None

    def forget_on_changes(self, *models: type) -> None:
        """Drop the copy whenever one of ``models`` is saved or deleted here, and when a test
        database is flushed (no delete signals then)."""
        for model in models:
            uid = f"kept-{id(self)}-{model.__module__}.{model.__qualname__}"
            post_save.connect(self.forget, sender=model, dispatch_uid=uid, weak=False)
            post_delete.connect(self.forget, sender=model, dispatch_uid=f"{uid}-", weak=False)
        post_migrate.connect(self.forget, dispatch_uid=f"kept-{id(self)}-flush", weak=False)


def forget_all() -> None:
    """Drop every copy (this thread's transaction marks too)."""
    for kept in _every:
        kept._drop()
        kept._saved_in_transaction = False
