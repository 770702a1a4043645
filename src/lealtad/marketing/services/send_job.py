"""The send job: a running campaign's messages handed over chunk by chunk, resumable after a
crash with no customer messaged twice and none skipped.

Each chunk is *claimed* (its messages set to ``sending`` and committed), gated and handed over
(the channel adapters write the hand-off journal as each message leaves), then its outcomes
are written and the journal cleared. After a crash, the next run first settles the messages
left in ``sending``: those the journal names as handed over are ``sent`` (or ``failed`` when
the server refused them), the others go back to ``planned`` and are sent. One worker sends a
campaign at a time (``Campaign.worker``, refreshed every chunk); a worker that died on this
machine is recognised at once by its pid, one elsewhere after :data:`LEASE_SECONDS`.

``lealtad marketing campaigns send ID`` runs it with a progress bar; ``lealtad serve`` runs it
in the background through the dispatcher's ``before_pass`` hook (:func:`tick`).
"""

from __future__ import annotations

import os
import socket
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lealtad.core import hub
from lealtad.marketing.channels import journal as journals
from lealtad.marketing.channels.base import Adapter, Handover
from lealtad.marketing.models import Campaign, Message
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

    def add(self, counts: dict[str, int]) -> None:
        for key, value in counts.items():
            self.counts[key] = self.counts.get(key, 0) + value


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


class CampaignBusy(campaigns.CampaignState):
    code = "campaign_busy"


def acquire(campaign_id: int, me: str, now: datetime) -> Campaign:
    """Take the campaign for this worker, or refuse while another live worker holds it."""
    with transaction.atomic():
        campaign = campaigns.access(campaign_id, lock=True)
        held = campaign.worker and campaign.worker != me
        fresh = campaign.worker_seen_at and campaign.worker_seen_at > now - timedelta(
            seconds=LEASE_SECONDS
        )
        if held and fresh and not _dead(campaign.worker):
            raise CampaignBusy(
                "Campaign %(c)s is being sent by %(w)s.",
                field="campaign",
                c=campaign_id,
                w=campaign.worker,
            )
        campaign.worker, campaign.worker_seen_at = me, now
        campaign.save(update_fields=["worker", "worker_seen_at"])
    return campaign


def release(campaign_id: int, me: str) -> None:
    Campaign.objects.filter(pk=campaign_id, worker=me).update(worker="", worker_seen_at=None)


def recover(campaign_id: int) -> dict[str, int]:
    """Settle the messages a crashed worker left in ``sending`` from its journal."""
    stuck = list(
        Message.objects.filter(campaign_id=campaign_id, status=MessageStatus.SENDING).values_list(
            "pk", flat=True
        )
    )
    if not stuck:
        journals.path(campaign_id).unlink(missing_ok=True)
        return {}
    said = journals.read(campaign_id)
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
    journals.path(campaign_id).unlink(missing_ok=True)
    return {
        "sent": len(handover.handed),
        "failed": len(handover.refused),
        "planned_again": len(handover.untried),
    }


def claim(campaign_id: int, size: int, now: datetime) -> list[tuple[int, int, str]]:
    """The next chunk, set to ``sending`` and committed before anything is handed over."""
    due = Q(status=MessageStatus.PLANNED) | Q(status=MessageStatus.DEFERRED, not_before__lte=now)
    with transaction.atomic():
        rows = list(
            Message.objects.filter(due, campaign_id=campaign_id)
            .order_by("id")
            .values_list("pk", "customer_id", "channel")[:size]
        )
        if rows:
            Message.objects.filter(pk__in=[r[0] for r in rows]).update(status=MessageStatus.SENDING)
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
    """Send what is due of a running campaign until nothing is, it is paused or cancelled,
    or ``max_chunks`` were sent. ``on_chunk(done, total)`` reports progress; ``clock`` is
    the customers' "now" for quiet hours (a test's fixed moment)."""
    me, report = worker_name(), SendReport(campaign_id)
    campaign = acquire(campaign_id, me, timezone.now())
    journal = None
    try:
        report.recovered = recover(campaign_id)
        templates = campaigns.compiled(campaign)
        journal = journals.Journal(campaign_id)
        while max_chunks is None or report.chunks < max_chunks:
            now = clock()
            campaign = _heartbeat(campaign_id, me, now)
            if campaign.status != CampaignStatus.RUNNING:
                report.stopped = campaign.status
                break
            if _ended(campaign, now):
                break
            rows = claim(campaign_id, chunk, now)
            if not rows:
                break
            report.add(
                sending.send_chunk(campaign, templates, journal, rows, now, channel_adapters)
            )
            report.chunks += 1
            if on_chunk is not None:
                state = read.progress(campaign_id)
                on_chunk(state["done"], state["total"])
        report.finished = _finish_if_done(campaign_id)
    finally:
        if journal is not None:
            journal.close()
        release(campaign_id, me)
    return report


def _heartbeat(campaign_id: int, me: str, now: datetime) -> Campaign:
    Campaign.objects.filter(pk=campaign_id, worker=me).update(worker_seen_at=now)
    return campaigns.access(campaign_id)


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
        try:
            run(campaign_id, max_chunks=20)
        except CampaignBusy:
            continue
