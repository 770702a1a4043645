"""The same shipment request delivered several times at once (a warehouse system retrying,
two workers sharing a queue): every delivery gets the same shipment and the card is captured
once. Each thread works on its own connection (SQLite here, PostgreSQL with
``LEALTAD_TEST_DB=postgres``)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from lealtad.commerce import demo
from lealtad.commerce.models import OrderLine, Payment, Shipment
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn, ShipIn, ShipLineIn
from lealtad.commerce.services import SaleContext, ship_order
from lealtad.commerce.services import orders as order_services
from lealtad.core.audit import Actor
from lealtad.core.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)

DELIVERIES = 4


@pytest.mark.parametrize("units", [1, 3], ids=["some units", "all that is left"])
def test_one_shipment_sent_at_once_by_several_deliveries_is_captured_once(units):
    demo.seed_catalog()
    story = demo.seed_customer()
    ctx = SaleContext(Actor.system("bodega"), "web")
    order, _ = order_services.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=demo.TROUSERS_32, quantity=3)],
            fulfilment="ship",
            ship_address_kind="home",
            payment=PaymentIn(on_file=True),
        ),
        ctx,
    )
    lines = [ShipLineIn(sku=demo.TROUSERS_32, quantity=1)] if units == 1 else []
    request = ShipIn(lines=lines, idempotency_key="bodega-77")
    barrier = threading.Barrier(DELIVERIES)
    answers: list[object] = []
    lock = threading.Lock()

    def deliver() -> None:
        try:
            barrier.wait()
            found = ship_order(order_services.get_order(order.number), request, ctx)
            answer: object = [s.pk for s in found]
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            answer = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=deliver) for _ in range(DELIVERIES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    [shipment] = Shipment.objects.filter(order=order)
    assert answers == [[shipment.pk]] * DELIVERIES
    line = OrderLine.objects.get(order=order)
    assert line.shipped == units
    [capture] = Payment.objects.filter(order=order, authorization__isnull=False)
    assert capture.shipment == shipment
    assert capture.amount == (line.total * units / 3).quantize(Decimal("0.01"))
    captured = OutboxMessage.objects.filter(event_type="payment.captured")
    assert [m.payload["shipment"] for m in captured] == [shipment.tracking]
