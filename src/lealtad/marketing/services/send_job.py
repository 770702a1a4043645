"""The send job: a running campaign's messages handed over chunk by chunk, by one or several
worker processes at once, resumable after a crash with no customer messaged twice and none
skipped.

Each sender holds a lease (a :class:`Sender` row, refreshed every chunk) and *claims* chunks:
their messages set to ``sending`` under its name and committed before anything is handed over
(PostgreSQL's ``FOR UPDATE SKIP LOCKED`` lets concurrent senders take disjoint chunks without
waiting; SQLite's immediate transactions take them one at a time). It gates and hands the chunk
over (the channel adapters write the sender's own hand-off journal as each message leaves),
writes the outcomes and clears its journal. A sender that died leaves messages in ``sending``
under its name; another sender settles them from the dead one's journal: those it names as
handed over are ``sent`` (or ``failed`` when the server refused them), the others go back to
``planned`` and are sent. A dead sender of this machine is recognised at once by its pid, one
elsewhere once its lease is :data:`LEASE_SECONDS` old.

``lealtad marketing campaigns send ID --workers N`` runs N senders with a progress bar;
``lealtad serve`` sends in the background through the dispatcher's ``before_pass`` hook
(:func:`tick`), beside any other sender.
"""

from __future__ import annotations

import os
import socket
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from lealtad.core import hub, processes
from lealtad.marketing.channels import journal as journals
from lealtad.marketing.channels import rendering
from lealtad.marketing.channels.base import Adapter, Handover
from lealtad.marketing.models import Campaign, Message, Sender
from lealtad.marketing.models.campaigns import CampaignStatus, MessageStatus, SkipReason
from lealtad.marketing.selectors import campaigns as read
from lealtad.marketing.services import campaigns, sending

CHUNK = 500
LEASE_SECONDS = 120
EVERY_SECONDS = 30.0
_last_run = [float("-inf")]


@dataclass
class SendReport:
    campaign_id: int
    chunks: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    recovered: dict[str, int] = field(default_factory=dict)
    finished: bool = False
    stopped: str = ""
    cpu_seconds: float = 0.0

    def add(self, counts: dict[str, int], into: str = "counts") -> None:
        target = getattr(self, into)
        for key, value in counts.items():
            target[key] = target.get(key, 0) + value

    def merge(self, other: SendReport) -> None:
        """Another sender's report of the same campaign added to this one."""
        self.add(other.counts)
        self.add(other.recovered, "recovered")
        self.chunks += other.chunks
        self.cpu_seconds += other.cpu_seconds
        self.stopped = self.stopped or other.stopped


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead(worker: str) -> bool:
    """A worker of this machine whose process is gone."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire(campaign_id: int, me: str, now: datetime) -> Campaign:
    """This worker's lease on the campaign (beside any other sender's)."""
    campaign = campaigns.access(campaign_id)
    Sender.objects.update_or_create(campaign_id=campaign_id, worker=me, defaults={"seen_at": now})
    return campaign


def release(campaign_id: int, me: str) -> None:
    """Give the lease back: anything this worker left in ``sending`` (an error mid-chunk) is
    then settled from its journal by the next sender, as a dead one's is."""
    Sender.objects.filter(campaign_id=campaign_id, worker=me).delete()


def recover(campaign_id: int, me: str = "") -> dict[str, int]:
    """Settle the messages that dead senders left in ``sending``, from their journals: one
    recovery at a time (the campaign's row locked), so no chunk is settled twice."""
    totals: dict[str, int] = {}
    stale = timezone.now() - timedelta(seconds=LEASE_SECONDS)
    with transaction.atomic():
        campaigns.access(campaign_id, lock=True)
        holders = set(
            Message.objects.filter(campaign_id=campaign_id, status=MessageStatus.SENDING)
            .values_list("worker", flat=True)
            .distinct()
        )
        leases = dict(
            Sender.objects.filter(campaign_id=campaign_id).values_list("worker", "seen_at")
        )
        gone = [
            worker
            for worker in holders | set(leases)
            if worker != me and (worker not in leases or leases[worker] < stale or _dead(worker))
        ]
        for worker in gone:
            for key, value in _settle(campaign_id, worker).items():
                totals[key] = totals.get(key, 0) + value
        Sender.objects.filter(campaign_id=campaign_id, worker__in=gone).delete()
    return {key: value for key, value in totals.items() if value}


def _settle(campaign_id: int, worker: str) -> dict[str, int]:
    """One dead sender's chunk: what its journal says was handed over is sent (or refused),
    the rest planned again; then its journal goes."""
    stuck = Message.objects.filter(
        campaign_id=campaign_id, status=MessageStatus.SENDING, worker=worker
    ).values_list("pk", flat=True)
    said = journals.read(campaign_id, worker)
    handover = Handover()
    for pk in stuck:
        kind, detail = said.get(pk, ("", ""))
        if kind == "H":
            handover.handed[pk] = detail
        elif kind == "R":
            handover.refused[pk] = detail
        else:
            handover.untried.append(pk)
    sending.record(handover, timezone.now())
    journals.path(campaign_id, worker).unlink(missing_ok=True)
    return {
        "sent": len(handover.handed),
        "failed": len(handover.refused),
        "planned_again": len(handover.untried),
    }


def claim(campaign_id: int, me: str, size: int, now: datetime) -> list[tuple[int, int, str]]:
    """The next chunk no other sender holds, set to ``sending`` under this worker's name and
    committed before anything is handed over."""
    due = Q(status=MessageStatus.PLANNED) | Q(status=MessageStatus.DEFERRED, not_before__lte=now)
    with transaction.atomic():
        queue = Message.objects.filter(due, campaign_id=campaign_id).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            queue = queue.select_for_update(skip_locked=True)
        rows = list(queue.values_list("pk", "customer_id", "channel")[:size])
        if rows:
            claimed = dict.fromkeys((row[0] for row in rows), ())
            sending.update_each(claimed, (), {"status": MessageStatus.SENDING, "worker": me})
    return rows


def run(
    campaign_id: int,
    *,
    chunk: int = CHUNK,
    on_chunk: Callable[[int, int], None] | None = None,
    max_chunks: int | None = None,
    channel_adapters: dict[str, Adapter] | None = None,
    clock: Callable[[], datetime] = timezone.now,
) -> SendReport:
    """Send what is due of a running campaign, as one sender among any others, until nothing
    is, it is paused or cancelled, or ``max_chunks`` were sent. ``on_chunk(done, total)``
    reports progress; ``clock`` is the customers' "now" for quiet hours (a test's moment)."""
    me, report, cpu = worker_name(), SendReport(campaign_id), _time.process_time()
    campaign = acquire(campaign_id, me, timezone.now())
    journal = None
    try:
        report.recovered = recover(campaign_id, me)
        templates = campaigns.compiled(campaign)
        journal = journals.Journal(campaign_id, me)
        while max_chunks is None or report.chunks < max_chunks:
            now = clock()
            campaign, stop = _heartbeat(campaign_id, me, now)
            if stop:
                report.stopped = "" if stop == "ended" else stop
                break
            rows = claim(campaign_id, me, chunk, now)
            if not rows:
                # Nothing left to claim: a dead sender's chunk may still wait to be settled.
                settled = recover(campaign_id, me)
                report.add(settled, "recovered")
                if settled.get("planned_again"):
                    continue
                break
            report.add(
                sending.send_chunk(campaign, templates, journal, rows, now, channel_adapters)
            )
            report.chunks += 1
            if on_chunk is not None:
                state = read.progress(campaign_id)
                on_chunk(state["done"], state["total"])
        report.finished = _finish_if_done(campaign_id)
        journal.path.unlink(missing_ok=True)  # empty: every chunk's outcome is written
    finally:
        if journal is not None:
            journal.close()
        release(campaign_id, me)
    report.cpu_seconds = _time.process_time() - cpu
    return report


def run_many(
    campaign_id: int,
    workers: int,
    *,
    chunk: int = CHUNK,
    on_chunk: Callable[[int, int], None] | None = None,
) -> SendReport:
    """``workers`` processes sending one campaign at once (one core each: a sender is bound
    by its own CPU, render and sockets). Progress is read while they run; when they are done,
    one more pass here settles what a sender killed on the way left behind."""
    if workers <= 1:
        return run(campaign_id, chunk=chunk, on_chunk=on_chunk)
    rendering.warm_up()  # the URL configuration's imports once, not in every sender
    context = processes.context()
    results: Any = context.Queue()
    senders = [
        processes.start(_sender, (campaign_id, chunk, results), context) for _ in range(workers)
    ]
    report = SendReport(campaign_id)
    while any(sender.is_alive() for sender in senders):
        _time.sleep(0.5)
        if on_chunk is not None:
            state = read.progress(campaign_id)
            on_chunk(state["done"], state["total"])
    while not results.empty():
        report.merge(results.get())
    report.merge(run(campaign_id, chunk=chunk))
    report.finished = campaigns.access(campaign_id).status == CampaignStatus.DONE
    report.stopped = "" if report.finished else report.stopped
    return report


def _sender(campaign_id: int, chunk: int, results: Any) -> None:
    """One sender process of :func:`run_many`."""
    try:
        results.put(run(campaign_id, chunk=chunk))
    except Exception as error:  # told to the parent, whose last pass resumes the rest
        results.put(SendReport(campaign_id, stopped=f"error: {error}"))
    finally:
        connections.close_all()


def _heartbeat(campaign_id: int, me: str, now: datetime) -> tuple[Campaign, str]:
    """Refresh the lease and read the campaign; why to stop, if anything says so."""
    held = Sender.objects.filter(campaign_id=campaign_id, worker=me).update(seen_at=timezone.now())
    campaign = campaigns.access(campaign_id)
    if not held:
        return campaign, "lease lost"  # silent too long: another sender settled our chunk
    if campaign.status != CampaignStatus.RUNNING:
        return campaign, campaign.status
    if _ended(campaign, now):
        return campaign, "ended"
    return campaign, ""


def _ended(campaign: Campaign, now: datetime) -> bool:
    """Past its end, what was not sent is skipped (reason ``ended``)."""
    if campaign.ends_at is None or campaign.ends_at > now:
        return False
    Message.objects.filter(
        campaign=campaign, status__in=(MessageStatus.PLANNED, MessageStatus.DEFERRED)
    ).update(status=MessageStatus.SKIPPED, reason=SkipReason.ENDED)
    return True


def _finish_if_done(campaign_id: int) -> bool:
    """A running campaign with nothing left to send is done."""
    with transaction.atomic():
        campaign = campaigns.access(campaign_id, lock=True)
        if campaign.status != CampaignStatus.RUNNING:
            return False
        if Message.objects.filter(campaign=campaign, status__in=read.OPEN).exists():
            return False
        campaign.status, campaign.updated_at = CampaignStatus.DONE, timezone.now()
        campaign.save(update_fields=["status", "updated_at"])
    return True


def start_scheduled(now: datetime) -> list[int]:
    """Scheduled campaigns whose start has come: running, and planned."""
    due = list(
        Campaign.objects.filter(status=CampaignStatus.SCHEDULED, starts_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in due:
        Campaign.objects.filter(pk=pk, status=CampaignStatus.SCHEDULED).update(
            status=CampaignStatus.RUNNING
        )
        sending.plan(pk)
    return due


@hub.before_pass
def tick() -> None:
    """The dispatcher's before-pass hook (``lealtad serve``): at most every 30 s, start what
    is scheduled and send a few chunks of each running campaign with messages due."""
    if _time.monotonic() - _last_run[0] < EVERY_SECONDS:
        return
    _last_run[0] = _time.monotonic()
    now = timezone.now()
    start_scheduled(now)
    for campaign_id in read.campaigns_to_send():
        run(campaign_id, max_chunks=20)
