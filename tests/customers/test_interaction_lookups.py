"""Interactions are found by the event that made them through an index, on both databases.

The analytics cube's feed asks for the interactions of each group of ingested events by
event id; at ten million interactions a scan per group held the hub's dispatcher to about
40 deliveries a second (measured on the 1,000,000-customer benchmark base)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from lealtad.customers.models import Customer, Interaction
from lealtad.customers.selectors.facts import contact_ids_for_events

pytestmark = pytest.mark.django_db


def _plan() -> str:
    query = Interaction.objects.filter(event_id__in=["e-1", "e-2"]).values_list("id")
    with transaction.atomic():
        if connection.vendor == "postgresql":  # a tiny table: make the planner say what it can
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        return query.explain()


def test_the_lookup_by_event_id_uses_an_index():
    assert "interaction_event_idx" in _plan()


def test_contact_ids_for_events_finds_only_the_events_interactions():
    customer = Customer.objects.create(display_name="Rosa Chalén", search_name="rosa chalen")
    made = {
        event: Interaction.objects.create(
            customer=customer,
            occurred_at="2026-11-02T10:00:00-05:00",
            channel="web",
            event_id=event,
        ).pk
        for event in ("e-1", "e-2", "")
    }
    assert sorted(contact_ids_for_events(["e-1", "e-2", "e-1", "", "e-9"])) == sorted(
        [made["e-1"], made["e-2"]]
    )
    assert contact_ids_for_events(["", ""]) == []
