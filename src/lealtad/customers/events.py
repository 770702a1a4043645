"""Event types this context owns and the hub subscribers it runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from lealtad.core import envelope, hub
from lealtad.customers import realtime, services
from lealtad.customers.models import ChannelActivity
from lealtad.customers.schemas import CustomerProfile, InteractionRecorded
from lealtad.customers.services.merge_clusters import MERGED_BATCH

envelope.register(
    "customer.upserted",
    CustomerProfile,
    services.apply_events,
    "Profile fields, contact points, addresses and consents a channel knows of a customer.",
    prepare=realtime.ready,
)
envelope.register(
    "interaction.recorded",
    InteractionRecorded,
    services.apply_events,
    "A contact with the customer on the event's channel: direction, subject, summary.",
    prepare=realtime.ready,
)


@hub.subscriber_many("interaction.recorded", name="customers.channel_activity")
def count_channel_activity(messages: Sequence[hub.Message]) -> None:
    """Keep contacts per customer and channel, and the last one, for the 360 view.

    The dispatcher hands over a pass's messages together: counted in memory, then added to
    their rows (or making them) in one upsert per 500 rows, which also leaves no gap for
    another writer's count to be lost between a read and a write.
    """
    tally = sorted(_tally(messages).items())  # in key order: rows locked in one order
    for start in range(0, len(tally), 500):
        _add_activity(tally[start : start + 500])


def _add_activity(rows: Sequence[tuple[tuple[int, str], tuple[int, datetime]]]) -> None:
    meta = ChannelActivity._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    at = meta.get_field("last_contact_at")
    sql = (
        f"INSERT INTO {table} (customer_id, channel, contacts, last_contact_at) "
        f"VALUES {', '.join(['(%s, %s, %s, %s)'] * len(rows))} "
        "ON CONFLICT (customer_id, channel) DO UPDATE SET "
        f"contacts = {table}.contacts + excluded.contacts, "
        f"last_contact_at = CASE WHEN {table}.last_contact_at IS NULL "
        f"OR {table}.last_contact_at < excluded.last_contact_at "
        f"THEN excluded.last_contact_at ELSE {table}.last_contact_at END"
    )
    params: list[Any] = []
    for (customer, channel), (contacts, last) in rows:
        params += [customer, channel, contacts, at.get_db_prep_save(last, connection)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _tally(messages: Sequence[hub.Message]) -> dict[tuple[int, str], tuple[int, datetime]]:
    """Contacts and the latest contact per (customer, channel) among ``messages``."""
    seen: dict[tuple[int, str], tuple[int, datetime]] = {}
    for message in messages:
        if message.customer_id is None:
            continue
        key = (message.customer_id, message.channel)
        occurred = _occurred_at(message)
        contacts, last = seen.get(key, (0, occurred))
        seen[key] = (contacts + 1, max(last, occurred))
    return seen


def _occurred_at(message: hub.Message) -> datetime:
    """When the contact happened: the event's own time, else when it was announced."""
    stated = message.payload.get("occurred_at")
    if not stated:
        return message.created_at
    at = parse_datetime(stated)
    if at is None:
        raise ValueError(f"occurred_at is not a date and time: {stated!r}")
    return at if timezone.is_aware(at) else timezone.make_aware(at, timezone.get_default_timezone())


@hub.subscriber("customer.merged", MERGED_BATCH, name="customers.merge_activity")
def fold_activity_on_merge(message: hub.Message) -> None:
    """After a merge the absorbed customer's channel counts belong to the survivor (a
    dedupe's ``customer.merged_batch`` lists many merges: folded together)."""
    payload = message.payload
    merges = payload["merges"] if message.event_type == MERGED_BATCH else [payload]
    fold_activity([(int(m["survivor_id"]), int(m["absorbed_id"])) for m in merges])


def fold_activity(merges: Sequence[tuple[int, int]]) -> None:
    """Fold each (survivor, absorbed)'s channel counts, in order, in a few queries."""
    held: dict[int, dict[str, ChannelActivity]] = defaultdict(dict)
    absorbed = sorted({a for _s, a in merges})
    for part in _batches(absorbed):
        for row in ChannelActivity.objects.filter(customer_id__in=part):
            held[row.customer_id][row.channel] = row
    if not held:
        return  # nothing to fold (the usual case in a dedupe of imported customers)
    survivors = sorted({s for s, _a in merges} - set(absorbed))
    for part in _batches(survivors):
        for row in ChannelActivity.objects.filter(customer_id__in=part):
            held[row.customer_id][row.channel] = row
    gone: list[int] = []
    touched: dict[tuple[int, str], ChannelActivity] = {}
    for survivor, absorbed_id in merges:
        mine = held[survivor]
        for channel, row in held.pop(absorbed_id, {}).items():
            if row.pk:
                gone.append(row.pk)
            touched.pop((absorbed_id, channel), None)
            current = mine.setdefault(
                channel, ChannelActivity(customer_id=survivor, channel=channel, contacts=0)
            )
            current.contacts += row.contacts
            if row.last_contact_at and (
                current.last_contact_at is None or row.last_contact_at > current.last_contact_at
            ):
                current.last_contact_at = row.last_contact_at
            touched[(survivor, channel)] = current
    for part in _batches(gone):
        ChannelActivity.objects.filter(pk__in=part).delete()
    rows = list(touched.values())
    ChannelActivity.objects.bulk_update(
        [r for r in rows if r.pk], ["contacts", "last_contact_at"], batch_size=500
    )
    ChannelActivity.objects.bulk_create([r for r in rows if not r.pk], batch_size=500)


def _batches(ids: Sequence[int], size: int = 500) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
