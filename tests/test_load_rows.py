"""``core.bulk_load.load_rows``: the one bulk loader (demo data, staged standings) writes every row
as given, and with ``skip_taken`` keeps the stored row where a unique key repeats, on SQLite
(INSERT … ON CONFLICT) and PostgreSQL (COPY through a temporary table) alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from lealtad.channels.models import ReceivedEvent
from lealtad.core.bulk_load import load_rows

pytestmark = pytest.mark.django_db

TABLE = ReceivedEvent._meta.db_table
COLUMNS = ["event_id", "event_type", "channel", "occurred_at", "received_at", "received_by"]
AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _row(event_id: str, channel: str = "pos") -> tuple[object, ...]:
    return (event_id, "customer.upserted", channel, AT, AT, "carga")


def test_every_row_lands_with_its_values() -> None:
    with transaction.atomic():
        load_rows(TABLE, COLUMNS, [_row(f"ev-{n}") for n in range(250)])
    assert ReceivedEvent.objects.count() == 250
    stored = ReceivedEvent.objects.get(event_id="ev-7")
    assert (stored.channel, stored.occurred_at, stored.received_by) == ("pos", AT, "carga")


def test_skip_taken_keeps_the_stored_row_and_adds_the_new_ones() -> None:
    load_rows(TABLE, COLUMNS, [_row("ev-1", "web")])
    load_rows(TABLE, COLUMNS, [_row("ev-1", "kiosk"), _row("ev-2", "kiosk")], skip_taken=True)
    channels = dict(ReceivedEvent.objects.values_list("event_id", "channel"))
    assert channels == {"ev-1": "web", "ev-2": "kiosk"}
    # twice in a row on one connection: the temporary table is emptied between loads
    load_rows(TABLE, COLUMNS, [_row("ev-3", "pos")], skip_taken=True)
    assert ReceivedEvent.objects.count() == 3


def test_without_skip_taken_a_repeated_key_refuses_the_load() -> None:
    load_rows(TABLE, COLUMNS, [_row("ev-1")])
    with pytest.raises(IntegrityError), transaction.atomic():
        load_rows(TABLE, COLUMNS, [_row("ev-2"), _row("ev-1")])
    assert list(ReceivedEvent.objects.values_list("event_id", flat=True)) == ["ev-1"]
