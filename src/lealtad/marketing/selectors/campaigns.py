"""Reading campaigns and their messages: for the pages and the API, and for the other areas
of marketing (responses attribute clicks, unsubscribes and orders to a message; the offer
slots show a running campaign's offer)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from lealtad.marketing.models import Campaign, Message, MessageTemplate, Suppression
from lealtad.marketing.models.campaigns import CampaignChannel, MessageStatus

SENDING_CHANNELS = ("email", "sms", "call_list", "direct_mail")
CONSENT_CHANNEL = {"email": "email", "sms": "sms", "call_list": "phone", "direct_mail": "mail"}
OPEN = (MessageStatus.PLANNED, MessageStatus.DEFERRED, MessageStatus.SENDING)


@dataclass(frozen=True)
class MessageFacts:
    message_id: int
    campaign_id: int
    customer_id: int
    channel: str
    purpose: str
    topic: str
    address: str
    is_control: bool
    status: str
    sent_at: datetime | None


def get(campaign_id: int) -> Campaign | None:
    return Campaign.objects.select_related("segment", "offer").filter(pk=campaign_id).first()


def listing(status: str = "", limit: int = 200) -> list[Campaign]:
    rows = Campaign.objects.select_related("segment")
    if status:
        rows = rows.filter(status=status)
    return list(rows[:limit])


def templates(campaign_id: int) -> list[MessageTemplate]:
    return list(MessageTemplate.objects.filter(campaign_id=campaign_id))


def message(message_id: int) -> MessageFacts | None:
    """A message with what a response needs: its campaign, customer, channel, purpose."""
    row = (
        Message.objects.filter(pk=message_id)
        .values_list(
            "pk",
            "campaign_id",
            "customer_id",
            "channel",
            "campaign__purpose",
            "campaign__topic",
            "address",
            "is_control",
            "status",
            "sent_at",
        )
        .first()
    )
    return MessageFacts(*row) if row is not None else None


def recent_messages(customer_ids: Iterable[int], since: datetime) -> list[MessageFacts]:
    """Messages handed over to these customers since ``since``, newest first."""
    rows = (
        Message.objects.filter(
            customer_id__in=list(customer_ids),
            sent_at__gte=since,
            status__in=(MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.BOUNCED),
        )
        .order_by("-sent_at", "-id")
        .values_list(
            "pk",
            "campaign_id",
            "customer_id",
            "channel",
            "campaign__purpose",
            "campaign__topic",
            "address",
            "is_control",
            "status",
            "sent_at",
        )
    )
    return [MessageFacts(*row) for row in rows]


def progress(campaign_id: int) -> dict[str, Any]:
    """Messages per status and the share done (every message no longer waiting to go)."""
    counts = dict(
        Message.objects.filter(campaign_id=campaign_id)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    total = sum(counts.values())
    waiting = sum(counts.get(status, 0) for status in OPEN)
    done = total - waiting
    return {
        "total": total,
        "done": done,
        "waiting": waiting,
        "percent": round(100 * done / total, 1) if total else 0.0,
        "by_status": {status: counts.get(status, 0) for status in MessageStatus.values},
    }


def skip_reasons(campaign_id: int) -> dict[str, int]:
    return dict(
        Message.objects.filter(~Q(reason=""), campaign_id=campaign_id)
        .values_list("reason")
        .annotate(n=Count("id"))
        .values_list("reason", "n")
    )


def running_with_offer(channel: str) -> list[Campaign]:
    """Running campaigns that show their offer on an offer slot channel (web, POS…)."""
    return [
        c
        for c in Campaign.objects.filter(status="running", offer__isnull=False)
        if channel in c.channels
    ]


def campaigns_to_send() -> list[int]:
    """Campaigns the background job should work on: running, with messages due."""
    return list(
        Campaign.objects.filter(status="running", messages__status__in=OPEN)
        .distinct()
        .values_list("pk", flat=True)
    )


def direct_mail_rows(campaign_id: int) -> Iterator[tuple[int, int, str, str]]:
    """(message, customer, language, postal address) of the direct-mail batch handed over."""
    yield from (
        Message.objects.filter(
            campaign_id=campaign_id,
            channel=CampaignChannel.DIRECT_MAIL,
            status=MessageStatus.SENT,
        )
        .order_by("id")
        .values_list("pk", "customer_id", "language", "address")
        .iterator(chunk_size=5000)
    )


def suppressions(channel: str = "", query: str = "", limit: int = 200) -> list[Suppression]:
    rows = Suppression.objects.all()
    if channel:
        rows = rows.filter(channel=channel)
    if query:
        rows = rows.filter(address__icontains=query.strip().lower())
    return list(rows[:limit])


def suppressed(
    channel: str, addresses: Iterable[str], customer_ids: Iterable[int]
) -> tuple[set[str], set[int]]:
    """Which of these addresses, and which customers as a whole, are suppressed on a channel."""
    addresses, customers = [a for a in addresses if a], list(customer_ids)
    found_addresses = set(
        Suppression.objects.filter(channel=channel, address__in=addresses).values_list(
            "address", flat=True
        )
    )
    found_customers = {
        cid
        for cid in Suppression.objects.filter(
            channel=channel, address="", customer_id__in=customers
        ).values_list("customer_id", flat=True)
        if cid is not None
    }
    return found_addresses, found_customers
