"""No oversell: 8 clients racing for the last units, each thread on its own connection.

Runs on whichever database the suite runs on (SQLite here, PostgreSQL with
``LEALTAD_DATABASE_URL``): the conditional ``UPDATE … WHERE on_hand - reserved >= n`` inside
the order's transaction must let exactly as many orders through as there are units.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from lealtad.commerce import demo
from lealtad.commerce.models import Order, Stock
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn
from lealtad.commerce.services import OutOfStock, SaleContext
from lealtad.commerce.services import catalog as catalog_services
from lealtad.commerce.services import orders as order_services
from lealtad.core.audit import Actor

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 8
ATTEMPTS_EACH = 4


def _race(story: demo.Story, lines: list[LineIn], fulfilment: str = "ship") -> Counter:
    barrier = threading.Barrier(CLIENTS)
    outcome: Counter = Counter()
    lock = threading.Lock()

    def client(n: int) -> None:
        try:
            barrier.wait()
            for _ in range(ATTEMPTS_EACH):
                extra = (
                    {"ship_address_kind": "home"}
                    if fulfilment == "ship"
                    else {"pickup_location": demo.STORE_OFFICE}
                )
                data = OrderIn(
                    customer_id=story.customer_id,
                    channel="web",
                    lines=lines,
                    fulfilment=fulfilment,  # type: ignore[arg-type]
                    payment=PaymentIn(on_file=True),
                    **extra,
                )
                try:
                    order_services.place_order(data, SaleContext(Actor.system(f"c{n}"), "web"))
                    result = "placed"
                except OutOfStock:
                    result = "out_of_stock"
                with lock:
                    outcome[result] += 1
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            with lock:
                outcome[f"error: {type(exc).__name__}: {exc}"] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcome


def _levels(sku: str) -> dict[str, tuple[int, int]]:
    return {
        code: (on_hand, reserved)
        for code, on_hand, reserved in Stock.objects.filter(variant__sku=sku).values_list(
            "location__code", "on_hand", "reserved"
        )
    }


def test_eight_clients_racing_for_the_last_units_never_oversell():
    demo.seed_catalog()
    story = demo.seed_customer()
    # 7 units left of the shirt in M over three locations (+2 in Guayaquil)
    sku = demo.SHIRT_M
    total = sum(on_hand for on_hand, _ in _levels(sku).values())
    outcome = _race(story, [LineIn(sku=sku, quantity=1)])
    assert set(outcome) <= {"placed", "out_of_stock"}, outcome
    assert outcome["placed"] == total == 9
    assert outcome["out_of_stock"] == CLIENTS * ATTEMPTS_EACH - total
    levels = _levels(sku)
    assert all(reserved == on_hand for on_hand, reserved in levels.values()), levels
    assert Order.objects.count() == total


def test_two_line_orders_in_one_store_race_without_deadlock_or_oversell():
    demo.seed_catalog()
    story = demo.seed_customer()
    catalog_services.receive_stock(demo.TROUSERS_34, demo.STORE_OFFICE, 5)
    catalog_services.receive_stock("CAM-OXF-CEL-S", demo.STORE_OFFICE, 3)
    lines = [LineIn(sku=demo.TROUSERS_34, quantity=1), LineIn(sku="CAM-OXF-CEL-S", quantity=1)]
    outcome = _race(story, lines, fulfilment="pickup")
    assert set(outcome) <= {"placed", "out_of_stock"}, outcome
    assert outcome["placed"] == 3  # the shirts run out first
    assert _levels(demo.TROUSERS_34)[demo.STORE_OFFICE] == (5, 3)
    assert _levels("CAM-OXF-CEL-S")[demo.STORE_OFFICE] == (3, 3)
