"""Seed 000's cross-channel story, end to end through the HTTP API.

A clerk on a handheld finds no size M in the store near the customer's home, sees units
elsewhere and orders one shipped home with the address and card on file; the customer buys
matching trousers on the web for delivery to the office; they go back at a store near the
office (and the next size is taken there). Afterwards: one customer, one history with every
order and the return, stock right at every location, the refund recorded, every step in the
timeline with its channel, and the sale the home store would have lost counted as captured.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lealtad.commerce import demo
from lealtad.commerce.models import Payment
from lealtad.core.dispatcher import default_dispatcher
from lealtad.core.models import AuditEntry, OutboxMessage

pytestmark = pytest.mark.django_db

HOME, OFFICE, WAREHOUSE = demo.STORE_HOME, demo.STORE_OFFICE, demo.WAREHOUSE


def available(api, sku: str) -> dict[str, int]:
    found = api.get(f"/api/v1/availability?sku={sku}").json()
    return {row["location"]: row["available"] for row in found["locations"]}


def test_the_cross_channel_story(api, clerk, story):
    before_m = available(api, demo.SHIRT_M)
    before_32 = available(api, demo.TROUSERS_32)
    before_34 = available(api, demo.TROUSERS_34)

    # 1. In the store near home: no size M here, but elsewhere.
    found = clerk.get(f"/api/v1/availability?sku={demo.SHIRT_M}&location={HOME}").json()
    assert found["here"] == {"location": HOME, "available": 0}
    assert found["total_available"] == 9
    assert {r["location"] for r in found["locations"]} == {WAREHOUSE, OFFICE, "GYE-MALLDELSOL"}
    cards = clerk.get(f"/api/v1/customers/{story.customer_id}/payment-methods").json()
    assert cards["methods"][0]["last4"] == "1111"

    # 2. The clerk orders it shipped home, with the address and card on file.
    first = clerk.post(
        "/api/v1/orders",
        {
            "customer_id": story.customer_id,
            "channel": "handheld",
            "lines": [{"sku": demo.SHIRT_M, "quantity": 1}],
            "fulfilment": "ship",
            "ship_address_kind": "home",
            "origin_location": HOME,
            "payment": {"on_file": True},
        },
        content_type="application/json",
    )
    assert first.status_code == 201, first.content
    first = first.json()
    assert first["lines"][0]["location"] == WAREHOUSE
    assert first["ship_to"]["line1"].startswith("Av. 12 de Octubre")
    assert first["captured_elsewhere"] is True
    assert first["total"] == "40.14"  # 34.90 + IVA 15% (5.235 → 5.24)
    assert first["payments"][0]["status"] == "authorized"
    assert (
        api.post(
            f"/api/v1/orders/{first['number']}/ship",
            {"carrier": "Servientrega"},
            content_type="application/json",
        ).json()["status"]
        == "shipped"
    )
    assert api.post(f"/api/v1/orders/{first['number']}/deliver").json()["status"] == "delivered"

    # 3. At home, on the web: the purchase is there; matching trousers to the office.
    history = api.get(f"/api/v1/customers/{story.customer_id}/orders").json()["orders"]
    assert [o["number"] for o in history] == [first["number"]]
    second = api.post(
        "/api/v1/orders",
        {
            "customer_id": story.customer_id,
            "channel": "web",
            "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}],
            "fulfilment": "ship",
            "ship_address_id": story.work_address_id,
            "payment": {"on_file": True},
        },
        content_type="application/json",
    ).json()
    assert second["ship_to"]["kind"] == "work"
    assert second["promotions"] == ["WEB-PANTALONES-10"]  # web only: the same rule everywhere
    assert (second["subtotal"], second["discount"], second["tax"], second["total"]) == (
        "44.90",
        "4.49",
        "6.06",
        "46.47",  # tax on the discounted base: 40.41 x 15% = 6.0615
    )
    api.post(f"/api/v1/orders/{second['number']}/ship", {}, content_type="application/json")
    api.post(f"/api/v1/orders/{second['number']}/deliver")

    # 4. They do not fit: back at the store near the office, and the next size taken there.
    returned = clerk.post(
        f"/api/v1/orders/{second['number']}/returns",
        {
            "channel": "pos",
            "location": OFFICE,
            "reason": "No le queda: talla pequeña",
            "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}],
        },
        content_type="application/json",
    )
    assert returned.status_code == 201, returned.content
    returned = returned.json()
    assert returned["refund"] == "46.47"
    assert returned["order"]["status"] == "returned"
    third = clerk.post(
        "/api/v1/orders",
        {
            "customer_id": story.customer_id,
            "channel": "pos",
            "lines": [{"sku": demo.TROUSERS_34, "quantity": 1}],
            "fulfilment": "take_now",
            "pickup_location": OFFICE,
            "payment": {"on_file": True},
        },
        content_type="application/json",
    ).json()
    assert third["status"] == "completed"
    assert third["total"] == "51.64"  # no web promotion in the store

    # Afterwards: one customer, one history.
    default_dispatcher().run_once()
    view = api.get(f"/api/v1/customers/{story.customer_id}/360").json()
    orders = {o["number"]: o for o in view["orders"]}
    assert set(orders) == {first["number"], second["number"], third["number"]}
    assert {o["channel"] for o in orders.values()} == {"handheld", "web", "pos"}
    assert orders[second["number"]]["returns"][0]["location"] == OFFICE
    assert orders[second["number"]]["returns"][0]["refund"] == "46.47"
    assert orders[first["number"]]["shipments"][0]["status"] == "delivered"
    assert orders[first["number"]]["lines"] == 1

    # Stock right at every location.
    assert available(api, demo.SHIRT_M) == {**before_m, WAREHOUSE: before_m[WAREHOUSE] - 1}
    assert available(api, demo.TROUSERS_32) == {
        **before_32,
        WAREHOUSE: before_32[WAREHOUSE] - 1,
        OFFICE: before_32[OFFICE] + 1,  # restocked where it came back, not where it left
    }
    assert available(api, demo.TROUSERS_34) == {**before_34, OFFICE: before_34[OFFICE] - 1}

    # The refund went to the original payment.
    refund = Payment.objects.get(kind="refund")
    assert refund.amount == Decimal("46.47")
    assert refund.original.order.number == second["number"]
    assert refund.original.status == "refunded"

    # Every step in the timeline, with its channel.
    steps = [
        (i["channel"], i["related"]["id"]) for i in view["interactions"] if i["kind"] == "order"
    ]
    assert ("handheld", first["number"]) in steps
    assert ("web", second["number"]) in steps
    assert ("pos", returned["return"]) in steps
    assert ("pos", third["number"]) in steps

    # The lost sale captured through another location.
    captured = api.get("/api/v1/commerce/captured-sales").json()
    assert captured["orders"] == 1
    assert captured["by_store"] == [{"location": HOME, "orders": 1, "value": "40.14"}]

    # Each business write: an audit row and an outbox event.
    kinds = set(OutboxMessage.objects.values_list("event_type", flat=True))
    assert {"order.placed", "order.shipped", "order.delivered", "order.returned"} <= kinds
    assert {"payment.authorized", "payment.captured", "payment.refunded"} <= kinds
    actions = set(
        AuditEntry.objects.filter(customer_id=story.customer_id).values_list("action", flat=True)
    )
    assert {"place_order", "ship_order", "take_return"} <= actions


def test_the_demo_scenario_tells_the_story(db):
    text = demo.cross_channel()
    assert "captured elsewhere: True" in text
    assert "3 orders, 1 return" in text
    assert f"{demo.TROUSERS_32}@{OFFICE}=3" in text
