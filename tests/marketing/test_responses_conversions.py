"""Conversions: orders in a campaign's window, for treated and control customers, through the
hub (real commerce orders and returns, and replayed events)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from lealtad.commerce import demo
from lealtad.core import hub
from lealtad.marketing.models import Conversion
from lealtad.marketing.services import conversions
from tests.loyalty.helpers import dispatch, place, ship_and_return
from tests.marketing.response_data import campaign, customer, message

pytestmark = pytest.mark.django_db


def _placed(order: str, customer_id: int, at, total: str = "100.00", event: str = "") -> None:
    hub.publish(
        "order.placed",
        {"order": order, "customer_id": customer_id, "placed_at": at.isoformat(), "total": total},
        event_id=event or f"{order}#order.placed",
        customer_id=customer_id,
    )


def test_orders_inside_the_window_convert_for_treated_and_control_alike():
    now = timezone.now()
    ana, bea, cai = customer("ana@x.ec"), customer("bea@x.ec"), customer("cai@x.ec")
    camp = campaign(conversion_days=7, starts_at=now - timedelta(days=3))
    message(camp, ana, "ana@x.ec", sent_at=now - timedelta(days=2))
    message(camp, bea, is_control=True)
    message(camp, cai, "cai@x.ec", sent_at=now - timedelta(days=10))  # window over
    _placed("PED-1", ana, now)
    _placed("PED-2", bea, now, "40.50")
    _placed("PED-3", cai, now)
    _placed("PED-0", ana, now - timedelta(days=2, hours=1))  # before the message
    dispatch()
    found = {c.order: (c.customer_id, c.revenue, c.is_control) for c in Conversion.objects.all()}
    assert found == {
        "PED-1": (ana, Decimal("100.00"), False),
        "PED-2": (bea, Decimal("40.50"), True),
    }


def test_a_replayed_order_converts_once_and_each_campaign_counts_it():
    now = timezone.now()
    ana = customer("ana@x.ec")
    first, second = campaign("Uno"), campaign("Dos")
    message(first, ana, "ana@x.ec")
    message(second, ana, "ana@x.ec")
    _placed("PED-9", ana, now, event="e-1")
    _placed("PED-9", ana, now, event="e-2")  # the same order announced again
    dispatch()
    conversions.attribute([conversions.PlacedOrder("PED-9", ana, now, Decimal(100))])
    assert sorted(Conversion.objects.values_list("campaign__name", flat=True)) == ["Dos", "Uno"]


def test_skipped_or_planned_messages_do_not_convert():
    now = timezone.now()
    ana = customer("ana@x.ec")
    camp = campaign()
    message(camp, ana, "ana@x.ec", status="skipped")
    assert conversions.attribute([conversions.PlacedOrder("P", ana, now, Decimal(1))]) == 0


def test_a_real_order_and_its_return_through_commerce(api):
    demo.seed_catalog()
    story = demo.seed_customer()
    camp = campaign()
    message(camp, story.customer_id, "x@x.ec", sent_at=timezone.now() - timedelta(hours=2))
    order = place(api, story, [{"sku": demo.SHIRT_M, "quantity": 2}])
    dispatch()
    conversion = Conversion.objects.get()
    assert conversion.order == order["number"]
    assert conversion.revenue == Decimal(str(order["total"]))
    ship_and_return(api, order["number"], demo.SHIRT_M, 1, "ret-1")
    dispatch()
    conversion.refresh_from_db()
    assert Decimal(0) < conversion.returned < conversion.revenue
    assert len(conversion.return_numbers) == 1
    before = conversion.returned
    # The same return delivered again (a replay): taken off once.
    [number] = conversion.return_numbers
    conversions.take_back([conversions.ReturnedOrder(number, order["number"], Decimal("5.00"))])
    conversion.refresh_from_db()
    assert conversion.returned == before
