"""Event types this context owns and the hub subscribers it runs."""

from __future__ import annotations

from django.db.models import F

from lealtad.core import envelope, hub
from lealtad.customers import services
from lealtad.customers.models import ChannelActivity
from lealtad.customers.schemas import CustomerProfile, InteractionRecorded

envelope.register(
    "customer.upserted",
    CustomerProfile,
    services.apply_events,
    "Profile fields, contact points, addresses and consents a channel knows of a customer.",
)
envelope.register(
    "interaction.recorded",
    InteractionRecorded,
    services.apply_events,
    "A contact with the customer on the event's channel: direction, subject, summary.",
)


@hub.subscriber("interaction.recorded", name="customers.channel_activity")
def count_channel_activity(message: hub.Message) -> None:
    """Keep contacts per channel for the 360 view; runs once per message (see dispatcher)."""
    if message.customer_id is None:
        return
    occurred = message.payload.get("occurred_at") or message.created_at.isoformat()
    row, created = ChannelActivity.objects.get_or_create(
        customer_id=message.customer_id,
        channel=message.channel,
        defaults={"contacts": 1, "last_contact_at": occurred},
    )
    if not created:
        ChannelActivity.objects.filter(pk=row.pk).update(contacts=F("contacts") + 1)
        if row.last_contact_at is None or row.last_contact_at.isoformat() < occurred:
            ChannelActivity.objects.filter(pk=row.pk).update(last_contact_at=occurred)


@hub.subscriber("customer.merged", name="customers.merge_activity")
def fold_activity_on_merge(message: hub.Message) -> None:
    """After a merge the absorbed customer's channel counts belong to the survivor."""
    survivor = message.payload["survivor_id"]
    absorbed = message.payload["absorbed_id"]
    for row in ChannelActivity.objects.filter(customer_id=absorbed):
        mine, _ = ChannelActivity.objects.get_or_create(
            customer_id=survivor, channel=row.channel, defaults={"contacts": 0}
        )
        mine.contacts += row.contacts
        if row.last_contact_at and (
            mine.last_contact_at is None or row.last_contact_at > mine.last_contact_at
        ):
            mine.last_contact_at = row.last_contact_at
        mine.save()
        row.delete()
