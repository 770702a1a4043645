"""Points earned through the hub from real orders, never twice, and taken back by returns."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lealtad.commerce import demo
from lealtad.core.models import OutboxMessage
from lealtad.loyalty import selectors
from lealtad.loyalty.models import LedgerEntry, Member
from lealtad.loyalty.services import earning
from tests.loyalty.helpers import dispatch, place, program, ship_and_return

pytestmark = pytest.mark.django_db


def net_of(order: dict) -> Decimal:
    return sum(
        (Decimal(line["unit_price"]) * line["quantity"] - Decimal(line["discount"]))
        for line in order["lines"]
    )


def test_an_order_earns_on_its_net_amount_and_enrols_the_customer(api, story):
    program()
    order = place(api, story, [{"sku": demo.SHIRT_M, "quantity": 2}])
    dispatch()
    member = Member.objects.get(customer_id=story.customer_id)
    [entry] = LedgerEntry.objects.filter(member=member)
    assert entry.kind == "earn" and entry.source_id == order["number"]
    assert entry.points == int(net_of(order) * 10)  # tax is not counted
    assert member.balance == entry.points == entry.remaining
    assert selectors.mismatches() == []


def test_replayed_events_never_earn_twice(api, story):
    """The outbox offered again (a replay, an offline batch synced twice): same balance."""
    program()
    place(api, story, [{"sku": demo.SHIRT_M, "quantity": 1}])
    dispatch()
    balance = Member.objects.get().balance
    OutboxMessage.objects.filter(event_type="order.placed").update(dispatched_at=None)
    from lealtad.core.models import Delivery

    Delivery.objects.all().update(status="pending")
    dispatch()
    messages = OutboxMessage.objects.filter(event_type="order.placed")
    orders = [earning.placed(m.payload, m.customer_id, m.created_at) for m in messages]
    earning.earn_orders([o for o in orders if o] * 2)  # the same batch twice, at once
    assert Member.objects.get().balance == balance
    assert LedgerEntry.objects.count() == 1


def test_a_full_return_takes_back_every_point(api, story):
    program()
    order = place(api, story, [{"sku": demo.SHIRT_M, "quantity": 3}])
    dispatch()
    earned = Member.objects.get().balance
    ship_and_return(api, order["number"], demo.SHIRT_M, 1, "r1")
    dispatch()
    after_one = Member.objects.get().balance
    assert 0 < earned - after_one < earned
    ship_and_return_rest(api, order["number"])
    dispatch()
    assert Member.objects.get().balance == 0
    kinds = list(LedgerEntry.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["earn", "reverse", "reverse"]
    assert selectors.mismatches() == [] and selectors.lots_mismatches() == []


def ship_and_return_rest(api, number):
    back = api.post(
        f"/api/v1/orders/{number}/returns",
        {
            "channel": "pos",
            "location": demo.STORE_HOME,
            "reason": "no le quedó",
            "lines": [{"sku": demo.SHIRT_M, "quantity": 2}],
            "idempotency_key": "r2",
        },
        content_type="application/json",
    )
    assert back.status_code in (200, 201), back.content


def test_a_batch_reads_its_members_as_the_orm_does(api, story):
    """Earning reads members by the statement alone: the values must be the model's, a
    grace period's moment included, whatever the database."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    club = program()
    place(api, story, [{"sku": "CAM-OXF-CEL-L", "quantity": 1}])
    dispatch()
    grace = timezone.now().replace(microsecond=123456) + timedelta(days=3)
    Member.objects.update(grace_until=grace)
    member = Member.objects.get()
    with transaction.atomic():
        got = earning._members(club, {member.customer_id})[member.customer_id]
    assert (got.pk, got.tier_id, got.grace_until, got.balance) == (
        member.pk,
        member.tier_id,
        member.grace_until,
        member.balance,
    )
    assert got.grace_until == grace and got.balance > 0
