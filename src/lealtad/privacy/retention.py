"""Retention policies: how long each class of data is kept, a dry run that lists what would
go, and the pass that removes exactly that.

Four data classes, each read and written by the context that owns it:

* ``interaction_bodies`` — the subject and summary of contacts older than the term (the
  contact stays on the timeline for the counts);
* ``lapsed_prospects`` — prospects nobody created, changed, contacted or sold to within the
  term: erased as a data-subject erasure would (orders and counts keep their row);
* ``hub_messages`` — outbox rows every subscriber settled before the term (they carry the
  events' full personal content);
* ``closed_requests`` — data-subject request files closed before the term.

A policy applies only once switched on (:class:`~lealtad.privacy.models.RetentionPolicy`).
:func:`plan` lists the candidates of the switched-on policies; :func:`run` with
``dry_run=False`` removes the candidates of that same plan, so a dry run followed by an
applied run at the same moment lists exactly what goes. The dispatcher's ticker runs it every
``LEALTAD_RETENTION_EVERY_HOURS`` (:func:`tick`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.commerce.selectors import subject as commerce_subject
from lealtad.core import erasure as core_erasure
from lealtad.customers.selectors import subject as customers_subject
from lealtad.customers.services import erasure as customers_erasure
from lealtad.privacy import selectors, services
from lealtad.privacy.choices import DataClass
from lealtad.privacy.models import RetentionPolicy, RetentionRun

log = logging.getLogger(__name__)
DEFAULT_MONTHS = {
    DataClass.INTERACTION_BODIES: 24,
    DataClass.LAPSED_PROSPECTS: 36,
    DataClass.HUB_MESSAGES: 3,
    DataClass.CLOSED_REQUESTS: 24,
}
KEPT_IN_REPORT = 500  # items of each class kept on a run's record (the count is always whole)
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Policy:
    data_class: DataClass
    months: int
    active: bool

    def cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=round(self.months * 30.44))


@dataclass
class Batch:
    """What one policy selects: ids and a label for each that names no one."""

    policy: Policy
    cutoff: datetime
    items: list[tuple[int, str]] = field(default_factory=list)


def policies() -> list[Policy]:
    """Every data class with its term: as the officer set it, else the default (off)."""
    stored = selectors.stored_policies()
    out = []
    for data_class in DataClass:
        row = stored.get(data_class.value)
        months = row.months if row else DEFAULT_MONTHS[data_class]
        out.append(Policy(data_class, months, bool(row and row.active)))
    return out


@transaction.atomic
def set_policy(data_class: str, months: int, active: bool, who: services.Officer) -> Policy:
    if data_class not in DataClass.values:
        raise services.RequestRefused(
            _("one of %(classes)s"),
            field="data_class",
            kind="not_found",
            classes=", ".join(DataClass.values),
        )
    if not 1 <= months <= 1200:
        raise services.RequestRefused(_("between 1 and 1200"), field="months")
    RetentionPolicy.objects.update_or_create(
        data_class=data_class,
        defaults={"months": months, "active": active, "updated_by": who.actor.label},
    )
    return Policy(DataClass(data_class), months, active)


def _select(policy: Policy, cutoff: datetime) -> list[tuple[int, str]]:
    kind = policy.data_class
    if kind == DataClass.INTERACTION_BODIES:
        return customers_subject.interactions_with_text_before(cutoff)
    if kind == DataClass.LAPSED_PROSPECTS:
        found = customers_subject.lapsed_prospects(cutoff)
        buying = commerce_subject.customers_with_orders_since([pk for pk, _ in found], cutoff)
        open_files = {r.customer_id for r in selectors.requests(status="open")}
        return [(pk, label) for pk, label in found if pk not in buying | open_files]
    if kind == DataClass.HUB_MESSAGES:
        return [(pk, f"message #{pk}") for pk in core_erasure.delivered_messages_before(cutoff)]
    return [(pk, f"request #{pk}") for pk in selectors.closed_before(cutoff)]


def plan(now: datetime | None = None) -> list[Batch]:
    """The candidates of every switched-on policy at ``now``."""
    at = now or timezone.now()
    out = []
    for policy in policies():
        if policy.active:
            cutoff = policy.cutoff(at)
            out.append(Batch(policy, cutoff, _select(policy, cutoff)))
    return out


def _apply(batch: Batch, who: services.Officer, advance: Progress) -> int:
    ids = [pk for pk, _ in batch.items]
    kind = batch.policy.data_class
    if kind == DataClass.LAPSED_PROSPECTS:
        for pk in ids:  # one transaction each: a long pass holds no lock for minutes
            services.erase_person(pk, who)
            advance(1)
        return len(ids)
    done = 0
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        if kind == DataClass.INTERACTION_BODIES:
            done += customers_erasure.clear_interaction_texts(part, who.customers_context())
        elif kind == DataClass.HUB_MESSAGES:
            done += core_erasure.delete_messages(part)
        else:
            done += services.delete_requests(part)
        advance(len(part))
    return done


def run(
    who: services.Officer,
    *,
    dry_run: bool,
    trigger: str,
    now: datetime | None = None,
    progress: Callable[[int], Progress] | None = None,
) -> RetentionRun:
    """List (``dry_run``) or remove what the switched-on policies select, and keep a record.

    ``progress(total)`` may return a callback advanced as items are removed (the CLI's bar).
    """
    started = timezone.now()
    batches = plan(now)
    total = sum(len(b.items) for b in batches)
    advance = progress(total) if progress and not dry_run else (lambda _n: None)
    results = {}
    for batch in batches:
        removed = 0 if dry_run else _apply(batch, who, advance)
        results[batch.policy.data_class.value] = {
            "months": batch.policy.months,
            "cutoff": batch.cutoff.isoformat(),
            "count": len(batch.items),
            "removed": removed,
            "items": [label for _, label in batch.items[:KEPT_IN_REPORT]],
            "ids": [pk for pk, _ in batch.items[:KEPT_IN_REPORT]],
        }
    return RetentionRun.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        dry_run=dry_run,
        trigger=trigger,
        run_by=who.actor.label,
        results=results,
    )


# The scheduled job -----------------------------------------------------------------------------

_next_check = 0.0
_tick_lock = threading.Lock()


def tick() -> None:
    """Run by the dispatcher before each pass (``hub.before_pass``): applies the switched-on
    policies when the last scheduled run is ``LEALTAD_RETENTION_EVERY_HOURS`` old. Between
    checks it costs a clock read; the database says whether another process ran it."""
    global _next_check
    now = timezone.now()
    if now.timestamp() < _next_check or not _tick_lock.acquire(blocking=False):
        return
    try:
        every = timedelta(hours=settings.LEALTAD_RETENTION_EVERY_HOURS)
        last = selectors.last_scheduled_run()
        if last is None or last.started_at <= now - every:
            if any(p.active for p in policies()):
                from lealtad.core.audit import Actor

                run(services.Officer(Actor.system("retention")), dry_run=False, trigger="schedule")
            last = selectors.last_scheduled_run()
        due = (last.started_at if last else now) + every
        _next_check = max(due, now + timedelta(minutes=5)).timestamp()
    finally:
        _tick_lock.release()


def reset_schedule() -> None:
    """Forget when the ticker last looked (tests)."""
    global _next_check
    _next_check = 0.0
