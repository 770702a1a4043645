"""Conversions: orders that count for a campaign, treated and control alike.

An order placed by a customer the campaign wrote to (or held out in its control group)
within the campaign's conversion window (``conversion_days`` after the message went, or after
the campaign started for a customer held out) is a conversion of that campaign; the lift in
the results compares the two groups. Once per campaign and order: the hub's at-least-once
delivery, a replayed outbox or an order reported twice finds its row. A return takes its
refund off the conversion's revenue, once per return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from lealtad.core import hub
from lealtad.core.db import new_row
from lealtad.core.write_batch import WriteBatch
from lealtad.marketing.models import Conversion, Message
from lealtad.marketing.models.campaigns import MessageStatus

# Messages that reached (or were meant to reach) the customer, and the control group.
COUNTED = (
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.BOUNCED,
    MessageStatus.HELD_OUT,
)
CHUNK = 1000


@dataclass(frozen=True)
class PlacedOrder:
    number: str
    customer_id: int
    at: datetime
    revenue: Decimal


@dataclass(frozen=True)
class ReturnedOrder:
    number: str  # the return's own number
    order: str
    refund: Decimal


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Decimal(0)


def _when(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    found = parse_datetime(value) if isinstance(value, str) else None
    return found or fallback


def placed(payload: dict[str, Any], customer_id: int | None, at: datetime) -> PlacedOrder | None:
    """The order of an ``order.placed`` payload; None without a customer (a walk-in sale)."""
    customer = customer_id or payload.get("customer_id")
    if not customer or not payload.get("order"):
        return None
    revenue = payload.get("total") if payload.get("total") is not None else payload.get("subtotal")
    return PlacedOrder(
        str(payload["order"]), int(customer), _when(payload.get("placed_at"), at), _money(revenue)
    )


def returned(payload: dict[str, Any]) -> ReturnedOrder | None:
    if not payload.get("order") or not payload.get("return"):
        return None
    return ReturnedOrder(
        str(payload["return"]), str(payload["order"]), _money(payload.get("refund"))
    )


def _window_start(message: Message) -> datetime | None:
    campaign = message.campaign
    return message.sent_at or campaign.starts_at or campaign.planned_at


def attribute(orders: Sequence[PlacedOrder]) -> int:
    """Record the conversions of these orders; answers how many were new."""
    if not orders:
        return 0
    customers = {o.customer_id for o in orders}
    messages: dict[int, list[Message]] = {}
    for message in Message.objects.filter(
        customer_id__in=customers, status__in=COUNTED
    ).select_related("campaign"):
        messages.setdefault(message.customer_id, []).append(message)
    wanted: dict[tuple[int, str], Conversion] = {}
    for order in orders:
        for message in messages.get(order.customer_id, ()):
            start = _window_start(message)
            if start is None or not start <= order.at <= start + timedelta(
                days=message.campaign.conversion_days
            ):
                continue
            key = (message.campaign_id, order.number)
            wanted.setdefault(key, _row(message, order))
    return _write(wanted)


def _row(message: Message, order: PlacedOrder) -> Conversion:
    return new_row(
        Conversion,
        campaign_id=message.campaign_id,
        customer_id=order.customer_id,
        order=order.number,
        revenue=order.revenue,
        returned=Decimal(0),
        return_numbers=[],
        is_control=message.is_control,
        at=order.at,
    )


def _write(wanted: dict[tuple[int, str], Conversion]) -> int:
    if not wanted:
        return 0
    with transaction.atomic():
        query = Q()
        for campaign_id, order in wanted:
            query |= Q(campaign_id=campaign_id, order=order)
        for key in Conversion.objects.filter(query).values_list("campaign_id", "order"):
            wanted.pop(key, None)
        batch = WriteBatch()
        batch.add(*wanted.values())
        batch.flush()
    return len(wanted)


def take_back(returns: Sequence[ReturnedOrder]) -> int:
    """Take refunds off the conversions of their orders; answers how many rows changed."""
    changed = 0
    with transaction.atomic():
        rows = (
            Conversion.objects.select_for_update()
            .filter(order__in={r.order for r in returns})
            .order_by("pk")
        )
        for conversion in rows:
            for ret in returns:
                if ret.order != conversion.order or ret.number in conversion.return_numbers:
                    continue
                conversion.returned = min(conversion.revenue, conversion.returned + ret.refund)
                conversion.return_numbers = [*conversion.return_numbers, ret.number]
                conversion.save(update_fields=["returned", "return_numbers"])
                changed += 1
    return changed


@hub.subscriber_many("order.placed", name="marketing.conversions")
def on_orders_placed(messages: Sequence[hub.Message]) -> None:
    """Orders of a dispatcher pass, attributed to the campaigns whose window they fall in."""
    attribute(
        [
            found
            for m in messages
            if (found := placed(m.payload, m.customer_id, m.created_at)) is not None
        ]
    )


@hub.subscriber_many("order.returned", name="marketing.conversion_returns")
def on_orders_returned(messages: Sequence[hub.Message]) -> None:
    take_back([found for m in messages if (found := returned(m.payload)) is not None])
