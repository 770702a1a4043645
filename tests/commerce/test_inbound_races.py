"""The same report from another system delivered several times at once (a connector retrying,
two workers sharing a queue), each under its own event id: every delivery is answered, none
fails, and the exchange, payment or delivery is recorded once. Each thread ingests on its own
connection (SQLite here, PostgreSQL with ``LEALTAD_TEST_DB=postgres``)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from lealtad.channels.services import ingest, register_system
from lealtad.commerce import demo
from lealtad.commerce.models import Exchange, Payment, Shipment
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn, ShipIn
from lealtad.commerce.services import SaleContext, shipments
from lealtad.commerce.services import orders as order_services
from lealtad.core.audit import Actor
from tests.commerce.inbound import POS, announced, event, units

pytestmark = pytest.mark.django_db(transaction=True)

DELIVERIES = 4
SHIRT_L = "CAM-OXF-CEL-L"


def _at_once(events: list[dict[str, Any]]) -> Counter:
    """Ingest each event in its own thread, all released together; their answers counted."""
    barrier = threading.Barrier(len(events))
    outcome: Counter = Counter()
    lock = threading.Lock()

    def deliver(raw: dict[str, Any]) -> None:
        try:
            barrier.wait()
            (result,) = ingest([raw], Actor.system("conector"))
            answer = result.status if not result.errors else f"{result.status}: {result.errors}"
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            answer = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcome[answer] += 1

    threads = [threading.Thread(target=deliver, args=(raw,)) for raw in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcome


def _shipped_order() -> tuple[demo.Story, str]:
    demo.seed_catalog()
    story = demo.seed_customer()
    register_system(POS)
    ctx = SaleContext(Actor.system("web"), "web")
    order, _ = order_services.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=SHIRT_L, quantity=1)],
            fulfilment="ship",
            ship_address_kind="home",
            payment=PaymentIn(on_file=True),
        ),
        ctx,
    )
    shipments.ship_order(order, ShipIn(tracking="LX-1"), ctx)
    return story, order.number


def test_one_exchange_reported_at_once_by_several_deliveries_is_made_once():
    _, number = _shipped_order()
    shipments.deliver_order(
        order_services.get_order(number), SaleContext(Actor.system("web"), "web")
    )
    before = units(SHIRT_L, demo.STORE_OFFICE)
    payload = {
        "order": number,
        "exchange_ref": "CAMBIO-1",
        "location": demo.STORE_OFFICE,
        "reason": "Talla grande",
        "returns": [{"sku": SHIRT_L, "quantity": 1}],
        "replacements": [{"sku": demo.SHIRT_M, "quantity": 1}],
    }

    outcome = _at_once([event("order.exchanged", payload) for _ in range(DELIVERIES)])

    assert outcome == Counter({"created": DELIVERIES}), outcome
    assert Exchange.objects.count() == 1
    assert units(SHIRT_L, demo.STORE_OFFICE) == (before[0] + 1, 0)
    assert len(announced("order.exchanged")) == 1


def test_one_delivery_reported_at_once_by_several_deliveries_is_recorded_once():
    _, number = _shipped_order()
    payload = {"order": number, "tracking": "LX-1"}

    outcome = _at_once([event("shipment.delivered", payload) for _ in range(DELIVERIES)])

    assert outcome == Counter({"created": DELIVERIES}), outcome
    assert Shipment.objects.get().status == "delivered"
    assert len(announced("shipment.delivered")) == 1
    assert len(announced("order.delivered")) == 1


def test_one_payment_reported_at_once_by_several_deliveries_is_recorded_once():
    _, number = _shipped_order()
    shipments.deliver_order(
        order_services.get_order(number), SaleContext(Actor.system("web"), "web")
    )
    payload = {"order": number, "reference": "NC-1", "amount": "5.00"}

    outcome = _at_once([event("payment.refunded", payload) for _ in range(DELIVERIES)])

    assert outcome == Counter({"created": DELIVERIES}), outcome
    assert Payment.objects.filter(kind="refund", reference="NC-1").count() == 1
