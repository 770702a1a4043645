"""Refresh runs: one at a time, with their progress kept where the pages can poll it, started
by hand (page, API, CLI) or by the nightly schedule on the dispatcher's ticker.

The refresh itself (:mod:`lealtad.analytics.services.refresh`) is long; the run row is what
a user sees of it meanwhile — the step, how far it got, the warnings — and what tells another
process that a refresh is already going (a run left ``running`` by a process that died is
taken as failed after :data:`STALE_AFTER`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.analytics.models import RefreshRun
from lealtad.core import hub
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError

STALE_AFTER = timedelta(hours=2)
Report = Callable[[str, int, int], None]  # step, done, total


class RefreshRunning(DomainError):
    code = "refresh_running"
    kind = "conflict"
    template = _("A refresh is already running; wait for it to finish.")


def begin(trigger: str, actor: Actor, as_of: date | None = None) -> RefreshRun:
    """A new run, refused while another one runs (one refresh at a time, any process)."""
    now = timezone.now()
    with transaction.atomic():
        running = RefreshRun.objects.select_for_update().filter(status=RefreshRun.Status.RUNNING)
        for run in running:
            if run.started_at > now - STALE_AFTER:
                raise RefreshRunning()
            fail(run, "abandoned: the process running it stopped")
        return RefreshRun.objects.create(
            trigger=trigger,
            requested_by=actor.label,
            started_at=now,
            as_of=as_of or timezone.localdate(),
        )


class Tracker:
    """Progress of one run, written to its row at most twice a second, and passed on to a
    console bar when the CLI runs it."""

    def __init__(self, run: RefreshRun, echo: Report | None = None) -> None:
        self.run = run
        self.echo = echo
        self._written = 0.0

    def __call__(self, step: str, done: int, total: int) -> None:
        if self.echo:
            self.echo(step, done, total)
        now = time.monotonic()
        if step == self.run.step and done < total and now - self._written < 0.5:
            return
        self._written = now
        self.run.step, self.run.done, self.run.total = step, done, total
        RefreshRun.objects.filter(pk=self.run.pk).update(step=step, done=done, total=total)


def finish(run: RefreshRun) -> RefreshRun:
    """Mark the run done and announce ``analytics.refreshed`` in the same transaction: what
    keeps a copy of the attributes it wrote (marketing's audience) re-reads them then."""
    run.status = RefreshRun.Status.DONE
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        hub.publish(
            "analytics.refreshed",
            {"run_id": run.pk, "as_of": run.as_of.isoformat(), "customers": run.customers},
            event_id=f"analytics-refresh-{run.pk}",
        )
    return run


def fail(run: RefreshRun, error: str) -> None:
    RefreshRun.objects.filter(pk=run.pk).update(
        status=RefreshRun.Status.FAILED, finished_at=timezone.now(), error=error[:4000]
    )


def in_background(work: Callable[[], object]) -> threading.Thread:
    """Run ``work`` in a daemon thread with its own database connection."""

    def target() -> None:
        close_old_connections()
        try:
            work()
        finally:
            connection.close()  # the thread's own: kept open, it would outlive the thread

    thread = threading.Thread(target=target, name="analytics-refresh", daemon=True)
    thread.start()
    return thread


def nightly_due(now: datetime | None = None) -> bool:
    """Whether the nightly refresh should start: switched on, past the hour, none today."""
    if not settings.LEALTAD_ANALYTICS_NIGHTLY:
        return False
    local = timezone.localtime(now or timezone.now())
    if local.hour < settings.LEALTAD_ANALYTICS_HOUR:
        return False
    return not RefreshRun.objects.filter(
        trigger=RefreshRun.Trigger.SCHEDULE, as_of=local.date()
    ).exists()
