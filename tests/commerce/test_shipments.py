"""Partial shipments: an order ships in several parcels, from one location or several."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.commerce import demo
from lealtad.commerce.models import Order, Shipment, Stock
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn, ShipIn, ShipLineIn
from lealtad.commerce.services import SaleContext, ship_order
from lealtad.commerce.services import catalog as catalog_services
from lealtad.commerce.services import orders as order_services
from lealtad.core.audit import Actor
from lealtad.core.models import AuditEntry, OutboxMessage
from tests.api_fixtures import post_events

pytestmark = pytest.mark.django_db

HOME, OFFICE, WAREHOUSE = demo.STORE_HOME, demo.STORE_OFFICE, demo.WAREHOUSE
TROUSERS_30 = "PAN-CHI-AZM-30"  # no stock anywhere in the demo


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


def units(sku: str, location: str) -> tuple[int, int]:
    row = Stock.objects.filter(variant__sku=sku, location__code=location).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def snapshot() -> tuple:
    return (
        Shipment.objects.count(),
        AuditEntry.objects.count(),
        OutboxMessage.objects.count(),
        sorted(Stock.objects.values_list("id", "on_hand", "reserved")),
        sorted(Order.objects.values_list("id", "status")),
        sorted(Order.objects.values_list("lines__id", "lines__shipped")),
    )


def place(api: Any, story: demo.Story, lines: list[dict[str, Any]], **extra: Any) -> dict:
    body = {
        "customer_id": story.customer_id,
        "channel": "web",
        "lines": lines,
        "fulfilment": "ship",
        "ship_address_kind": "home",
        "payment": {"on_file": True},
        **extra,
    }
    response = post(api, "/api/v1/orders", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_an_order_ships_in_parts_from_several_locations(api, story):
    order = place(
        api,
        story,
        [{"sku": demo.TROUSERS_32, "quantity": 3}, {"sku": demo.SHIRT_M, "quantity": 1}],
    )
    number = order["number"]
    assert {line["location"] for line in order["lines"]} == {WAREHOUSE}
    shirt_warehouse = units(demo.SHIRT_M, WAREHOUSE)

    # Two pairs of trousers now: partly shipped, the payment captured, one order.shipped.
    first = post(
        api,
        f"/api/v1/orders/{number}/ship",
        {
            "lines": [{"sku": demo.TROUSERS_32, "quantity": 2}],
            "carrier": "Servientrega",
            "idempotency_key": "wh-ship-1",
        },
    )
    assert first.status_code == 200, first.content
    first = first.json()
    assert first["status"] == "partly_shipped"
    assert {line["sku"]: line["to_ship"] for line in first["lines"]} == {
        demo.TROUSERS_32: 1,
        demo.SHIRT_M: 1,
    }
    # The card pays for the two pairs that left, no more: the rest stays held.
    trousers = next(line for line in first["lines"] if line["sku"] == demo.TROUSERS_32)
    share = (Decimal(trousers["total"]) * 2 / 3).quantize(Decimal("0.01"), ROUND_HALF_UP)
    held, taken = first["payments"]
    assert (held["status"], held["captured"]) == ("authorized", str(share))
    assert Decimal(held["held"]) == Decimal(order["total"]) - share
    assert (taken["status"], taken["amount"]) == ("captured", str(share))
    assert taken["shipment"] == first["shipments"][0]["tracking"]
    assert units(demo.TROUSERS_32, WAREHOUSE) == (2, 1)  # 4 on hand, 3 held: 2 left, 1 held
    repeat = post(
        api,
        f"/api/v1/orders/{number}/ship",
        {"lines": [{"sku": demo.TROUSERS_32, "quantity": 2}], "idempotency_key": "wh-ship-1"},
    )
    assert len(repeat.json()["shipments"]) == 1  # the same shipment, not a second one

    # The rest later: the last pair from the warehouse, the shirt from the office store.
    rest = post(
        api,
        f"/api/v1/orders/{number}/ship",
        {
            "lines": [
                {"sku": demo.TROUSERS_32, "quantity": 1},
                {"sku": demo.SHIRT_M, "quantity": 1, "location": OFFICE},
            ]
        },
    ).json()
    assert rest["status"] == "shipped"
    # The rest of the money with the rest of the goods: one capture per parcel, all of it.
    held, *taken = rest["payments"]
    assert (held["status"], held["held"], len(taken)) == ("settled", "0.00", 3)
    assert sum(Decimal(p["amount"]) for p in taken) == Decimal(order["total"])
    assert sorted((s["from"], s["lines"][0]["sku"]) for s in rest["shipments"]) == sorted(
        [
            (WAREHOUSE, demo.TROUSERS_32),
            (WAREHOUSE, demo.TROUSERS_32),
            (OFFICE, demo.SHIRT_M),
        ]
    )
    assert units(demo.SHIRT_M, OFFICE) == (0, 0)
    assert units(demo.SHIRT_M, WAREHOUSE) == (shirt_warehouse[0], 0)  # its hold released
    shipped = OutboxMessage.objects.filter(event_type="order.shipped")
    assert shipped.count() == 3
    assert len({m.event_id for m in shipped}) == 3
    assert {m.payload["complete"] for m in shipped} == {False, True}

    # Delivered parcel by parcel; the order is delivered with the last one.
    trackings = [s["tracking"] for s in rest["shipments"]]
    one = api.post(f"/api/v1/orders/{number}/deliver?tracking={trackings[0]}").json()
    assert one["status"] == "shipped"
    assert [s["status"] for s in one["shipments"]].count("delivered") == 1
    done = api.post(f"/api/v1/orders/{number}/deliver").json()
    assert done["status"] == "delivered"
    assert api.post(f"/api/v1/orders/{number}/deliver").status_code == 409


def test_returns_from_a_partly_shipped_order_keep_what_is_to_ship(api, story):
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 3}])
    number = order["number"]
    post(
        api, f"/api/v1/orders/{number}/ship", {"lines": [{"sku": demo.TROUSERS_32, "quantity": 2}]}
    )
    body = {
        "channel": "pos",
        "location": HOME,
        "reason": "no le queda",
        "lines": [{"sku": demo.TROUSERS_32, "quantity": 3}],
    }
    assert post(api, f"/api/v1/orders/{number}/returns", body).status_code == 409
    body["lines"] = [{"sku": demo.TROUSERS_32, "quantity": 1}]
    back = post(api, f"/api/v1/orders/{number}/returns", body).json()
    assert back["order"]["status"] == "partly_shipped"
    last = post(api, f"/api/v1/orders/{number}/ship", {}).json()
    assert last["status"] == "shipped"
    assert last["lines"][0]["to_ship"] == 0


@pytest.mark.parametrize(
    ("lines", "status", "message"),
    [
        ([{"sku": demo.TROUSERS_32, "quantity": 4}], 409, "only 3 left to ship"),
        ([{"sku": demo.SHIRT_M, "quantity": 1}], 409, "is not on order"),
        (
            [{"sku": demo.TROUSERS_32, "quantity": 1, "location": "NOWHERE"}],
            404,
            "unknown location",
        ),
        ([{"sku": demo.TROUSERS_32, "quantity": 3, "location": HOME}], 409, "not enough"),
        ([{"sku": demo.TROUSERS_32, "quantity": 0}], 422, "greater than or equal"),
    ],
)
def test_bad_shipments_are_refused_and_write_nothing(api, story, lines, status, message):
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 3}])
    before = snapshot()
    response = post(api, f"/api/v1/orders/{order['number']}/ship", {"lines": lines})
    assert response.status_code == status, response.content
    assert message in response.content.decode()
    assert snapshot() == before


def test_a_pickup_order_is_not_shipped_and_a_shipped_one_not_again(api, story):
    pickup = place(
        api,
        story,
        [{"sku": demo.TROUSERS_32, "quantity": 1}],
        fulfilment="pickup",
        pickup_location=OFFICE,
        ship_address_kind=None,
    )
    assert post(api, f"/api/v1/orders/{pickup['number']}/ship", {}).status_code == 409
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 1}])
    post(api, f"/api/v1/orders/{order['number']}/ship", {})
    before = snapshot()
    assert post(api, f"/api/v1/orders/{order['number']}/ship", {}).status_code == 409
    assert snapshot() == before


def test_a_fulfilment_house_reports_a_partial_shipment_as_an_event(api, story):
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 2}])
    event = {
        "id": "fh-1",
        "type": "order.shipped",
        "channel": "partner",
        "occurred_at": "2025-06-01T12:00:00-05:00",
        "customer": {"email": "rodrigo.juarez@example.ec"},
        "payload": {
            "order": order["number"],
            "tracking": "FH-1",
            "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}],
        },
    }
    assert post_events(api, [event]).json()["created"] == 1
    assert Order.objects.get(number=order["number"]).status == "partly_shipped"
    too_many = {
        **event,
        "id": "fh-2",
        "payload": {**event["payload"], "lines": [{"sku": demo.TROUSERS_32, "quantity": 2}]},
    }
    result = post_events(api, [too_many]).json()
    assert result["rejected"] == 1
    assert "at most 1 left to ship" in result["results"][0]["errors"][0]["message"]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parts=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=5))
def test_shipping_in_any_parts_moves_each_unit_once(story, parts):
    """However an order is split into parcels, every unit leaves the shelf exactly once."""
    quantity = sum(parts)
    catalog_services.receive_stock(TROUSERS_30, WAREHOUSE, quantity)
    ctx = SaleContext(Actor.system("test"), "web")
    order, _ = order_services.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=TROUSERS_30, quantity=quantity, location=WAREHOUSE)],
            fulfilment="ship",
            ship_address_kind="home",
            payment=PaymentIn(on_file=True),
        ),
        ctx,
    )
    for n, part in enumerate(parts):
        ship_order(order, ShipIn(lines=[ShipLineIn(sku=TROUSERS_30, quantity=part)]), ctx)
        order.refresh_from_db()
        assert order.status == ("shipped" if n == len(parts) - 1 else "partly_shipped")
    assert units(TROUSERS_30, WAREHOUSE) == (0, 0)
    assert sum(s.lines[0]["quantity"] for s in order.shipments.all()) == quantity
