"""Worker processes for the batch commands (reading the base, demo data, campaign senders).

A fork is the cheap start: the child has the app loaded already. But a fork copies only the
forking thread, and any lock another thread held at that moment (a C library's, a logger's,
an import's) stays held in the child for ever. A batch command run from the shell has one
thread, so it forks; a process with other threads running (a server, a test session with a
browser or a database engine's pool) spawns instead, and the child sets the app up itself,
pointed at the parent's databases (a test database's name is only known to the parent).
"""

from __future__ import annotations

import importlib
import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.context import BaseContext
from multiprocessing.pool import Pool
from typing import Any

from django.conf import settings
from django.db import connections


def _context() -> BaseContext:
    alone = threading.active_count() == 1
    if alone and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _database_names() -> dict[str, str]:
    return {alias: str(connections[alias].settings_dict["NAME"]) for alias in settings.DATABASES}


def _prepare(names: dict[str, str]) -> None:
    """In the child: the app set up (a spawned child starts bare) on the parent's databases."""
    from django.apps import apps

    if not apps.ready:
        from lealtad.core.cli_setup import django_ready

        django_ready()
    for conn in connections.all(initialized_only=True):
        # A forked child must never talk over a connection it inherited: its socket is the
        # parent's, and two processes on one socket hang each other. Dropped, not closed
        # (closing would end the parent's session).
        conn.connection = None
    for alias, name in names.items():
        settings.DATABASES[alias]["NAME"] = name
        connections[alias].settings_dict["NAME"] = name


def _run(names: dict[str, str], target: str, args: tuple[Any, ...]) -> None:
    _prepare(names)
    module, _, name = target.partition(":")
    getattr(importlib.import_module(module), name)(*args)


def pool(processes: int) -> Pool:
    """A pool of ``processes`` workers on this process's databases."""
    connections.close_all()  # each child opens its own
    return _context().Pool(processes, initializer=_prepare, initargs=(_database_names(),))


def start(target: Callable[..., Any], args: tuple[Any, ...], context: Any) -> Any:
    """One worker process running ``target(*args)`` on this process's databases, started."""
    # Named, not pickled: unpickling a function imports its module, and a spawned child's
    # app is not set up until _run has begun.
    named = f"{target.__module__}:{target.__qualname__}"
    process = context.Process(target=_run, args=(_database_names(), named, args))
    process.start()
    return process


def context() -> BaseContext:
    """The start method for this process's workers (with :func:`start`); queues shared with
    them must come from the same context."""
    connections.close_all()
    return _context()
