"""Record what customers use of their plans (``usage.recorded`` events), a batch at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lealtad.analytics.models import UsageReading
from lealtad.analytics.schemas import UsageRecorded
from lealtad.core.db import insert_new, new_row
from lealtad.core.envelope import ValidEvent
from lealtad.customers import services as customer_services


def apply_usage_events(events: Sequence[ValidEvent], actor: Any) -> list[int]:
    """Each reading replaces the customer's earlier one of that period and unit (a billing
    system re-sends a corrected month); one customer id per event, in order."""
    ids: list[int] = []
    readings: dict[tuple[int, str, str], UsageReading] = {}
    now = timezone.now()
    for event in events:
        env, payload = event.envelope, event.payload
        assert isinstance(payload, UsageRecorded)
        ctx = customer_services.ChangeContext(actor, env.id, env.channel)
        customer_id = customer_services.customer_for(env.customer, ctx)
        ids.append(customer_id)
        readings[(customer_id, payload.unit, payload.period)] = new_row(
            UsageReading,
            customer_id=customer_id,
            period=payload.period,
            unit=payload.unit,
            plan=payload.plan,
            allowance=payload.allowance,
            used=payload.used,
            channel=env.channel,
            event_id=env.id,
            recorded_at=now,
        )
    with transaction.atomic():
        replaced = Q()
        for customer_id, unit, period in readings:
            replaced |= Q(customer_id=customer_id, unit=unit, period=period)
        UsageReading.objects.filter(replaced).delete()
        insert_new(list(readings.values()))
    return ids
