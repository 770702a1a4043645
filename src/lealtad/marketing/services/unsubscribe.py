"""Unsubscribing through a message's link (RFC 8058 one-click, or the confirmation page).

The signed link names one message; the message says who, on which channel and for which
purpose. Unsubscribing withdraws that consent through the customers context (with the
message as the proof reference), suppresses the address on the channel, and records the
unsubscribe once per message: a mail client that POSTs twice, or a customer who clicks again,
changes nothing more. The sender asks consent and suppressions right before each chunk, so
the rest of a send that is under way skips this customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from lealtad.marketing.models import Message, Unsubscribe
from lealtad.marketing.models.campaigns import SuppressionReason
from lealtad.marketing.services.preferences import CONSENT_CHANNEL_OF, record_choice
from lealtad.marketing.services.suppressions import NewSuppression, suppress

ONE_CLICK = "one-click unsubscribe"
PAGE = "unsubscribe page"


@dataclass(frozen=True)
class Unsubscribed:
    message_id: int
    customer_id: int
    channel: str  # the consent channel withdrawn ('' for a channel with none of its own)
    purpose: str
    new: bool  # False when this message's link had been used already


def proof_reference(message_id: int) -> str:
    return f"marketing-message-{message_id}"


def unsubscribe(
    message_ids: Sequence[int], method: str = ONE_CLICK, at: datetime | None = None
) -> list[Unsubscribed]:
    """Unsubscribe the customer of each message; unknown message ids are left out (a link
    to a message erased since)."""
    when = at or timezone.now()
    messages = list(
        Message.objects.filter(pk__in=set(message_ids)).select_related("campaign").order_by("pk")
    )
    done = set(
        Unsubscribe.objects.filter(message_id__in=[m.pk for m in messages]).values_list(
            "message_id", flat=True
        )
    )
    out = []
    for message in messages:
        channel = CONSENT_CHANNEL_OF.get(message.channel, "")
        purpose = message.campaign.purpose
        new = message.pk not in done and _apply(message, channel, purpose, method, when)
        out.append(Unsubscribed(message.pk, message.customer_id, channel, purpose, new))
    return out


def _apply(message: Message, channel: str, purpose: str, method: str, when: datetime) -> bool:
    try:
        with transaction.atomic():
            Unsubscribe.objects.create(
                message=message,
                campaign_id=message.campaign_id,
                customer_id=message.customer_id,
                channel=message.channel,
                method=method[:40],
                at=when,
            )
            if channel:
                reference = proof_reference(message.pk)
                record_choice(message.customer_id, channel, purpose, False, method, reference, when)
                suppress([_suppression(message, channel, when)])
    except IntegrityError:
        return False  # the same link, posted at the same moment by another request
    return True


def _suppression(message: Message, channel: str, when: datetime) -> NewSuppression:
    """The address the message went to (so a second record sharing it is not written to
    either), or the customer when the message had no address of its own (a call list)."""
    source = f"unsubscribe, message {message.pk}"
    if message.address:
        return NewSuppression(
            channel, SuppressionReason.UNSUBSCRIBED, address=message.address, source=source, at=when
        )
    return NewSuppression(
        channel,
        SuppressionReason.UNSUBSCRIBED,
        customer_id=message.customer_id,
        source=source,
        at=when,
    )
