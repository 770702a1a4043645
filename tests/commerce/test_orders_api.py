"""Orders API: refusals write nothing, idempotent placement, payments, roles, lists, events."""

from __future__ import annotations

from typing import Any

import pytest

from lealtad.commerce import demo
from lealtad.commerce.models import Order, Payment, Return, Stock
from lealtad.core.models import AuditEntry, OutboxMessage
from tests.api_fixtures import post_events

pytestmark = pytest.mark.django_db


def order_body(story: demo.Story, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_id": story.customer_id,
        "channel": "web",
        "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}],
        "fulfilment": "ship",
        "ship_address_kind": "home",
        "payment": {"on_file": True},
    }
    body.update(overrides)
    return body


def post(client, url: str, body: Any, **headers: str):
    return client.post(url, body, content_type="application/json", **headers)


def snapshot() -> tuple:
    return (
        Order.objects.count(),
        Payment.objects.count(),
        Return.objects.count(),
        AuditEntry.objects.count(),
        OutboxMessage.objects.count(),
        sorted(Stock.objects.values_list("id", "on_hand", "reserved")),
    )


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"lines": [{"sku": "NO-SUCH", "quantity": 1}]}, 404, "unknown SKU NO-SUCH"),
        ({"lines": [{"sku": demo.TROUSERS_32, "quantity": -1}]}, 422, "greater than or equal"),
        ({"lines": [{"sku": demo.TROUSERS_32, "quantity": 0}]}, 422, "greater than or equal"),
        ({"lines": []}, 422, "at least 1"),
        ({"lines": [{"sku": demo.TROUSERS_32, "quantity": 50}]}, 409, demo.TROUSERS_32),
        ({"channel": "telepathy"}, 422, "unknown channel"),
        ({"fulfilment": "pickup"}, 422, "needs pickup_location"),
        ({"fulfilment": "pickup", "pickup_location": "NOWHERE"}, 404, "unknown location"),
        ({"ship_address_id": 999999, "ship_address_kind": None}, 404, "no such current address"),
        ({"payment": {"method_id": 999999}}, 404, "no such payment method"),
        ({"payment": {}}, 422, "exactly one"),
        ({"payment": {"card_number": "4000 0000 0000 0002"}}, 402, "declined"),
        ({"customer_id": 999999}, 404, "no customer"),
    ],
)
def test_bad_orders_are_refused_and_write_nothing(api, story, change, status, message):
    before = snapshot()
    response = post(api, "/api/v1/orders", order_body(story, **change))
    assert response.status_code == status, response.content
    assert message in response.content.decode()
    assert snapshot() == before


def test_an_idempotency_key_places_the_order_once(api, story):
    body = order_body(story, idempotency_key="web-cart-77")
    first = post(api, "/api/v1/orders", body)
    again = post(api, "/api/v1/orders", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert Order.objects.count() == 1
    assert (
        Stock.objects.get(variant__sku=demo.TROUSERS_32, location__code=demo.WAREHOUSE).reserved
        == 1
    )
    header = post(api, "/api/v1/orders", order_body(story), HTTP_IDEMPOTENCY_KEY="web-cart-77")
    assert header.json()["number"] == first.json()["number"]


def _delivered(api, story, quantity: int = 2) -> dict:
    order = post(
        api,
        "/api/v1/orders",
        order_body(story, lines=[{"sku": demo.TROUSERS_32, "quantity": quantity}]),
    ).json()
    post(api, f"/api/v1/orders/{order['number']}/ship", {})
    return order


def test_returning_more_than_bought_is_refused(api, story):
    order = _delivered(api, story)
    before = snapshot()
    body = {
        "channel": "pos",
        "location": demo.STORE_OFFICE,
        "reason": "no le queda",
        "lines": [{"sku": demo.TROUSERS_32, "quantity": 3}],
    }
    response = post(api, f"/api/v1/orders/{order['number']}/returns", body)
    assert response.status_code == 409
    assert "only 2 received" in response.json()["detail"]
    other = {**body, "lines": [{"sku": demo.SHIRT_M, "quantity": 1}]}
    assert post(api, f"/api/v1/orders/{order['number']}/returns", other).status_code == 409
    assert snapshot() == before


def test_partial_returns_refund_exactly_what_was_paid(api, story):
    order = _delivered(api, story, quantity=3)
    body = {
        "channel": "pos",
        "location": demo.STORE_HOME,
        "reason": "cambio de opinión",
        "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}],
    }
    refunds = []
    for n in range(3):
        response = post(
            api, f"/api/v1/orders/{order['number']}/returns", {**body, "idempotency_key": f"r{n}"}
        )
        refunds.append(response.json()["refund"])
    assert sum(float(r) for r in refunds) == pytest.approx(float(order["total"]))
    assert (
        post(
            api, f"/api/v1/orders/{order['number']}/returns", {**body, "idempotency_key": "r2"}
        ).status_code
        == 200
    )
    final = api.get(f"/api/v1/orders/{order['number']}").json()
    assert final["status"] == "returned"
    held, taken = final["payments"][:2]  # the card's hold, taken whole by the one shipment
    assert (held["status"], held["captured"]) == ("settled", order["total"])
    assert (taken["status"], taken["refunded"]) == ("refunded", order["total"])


def test_a_placed_order_cannot_be_returned_and_cancel_releases_stock(api, story):
    order = post(api, "/api/v1/orders", order_body(story)).json()
    row = Stock.objects.get(variant__sku=demo.TROUSERS_32, location__code=demo.WAREHOUSE)
    assert row.reserved == 1
    body = {
        "channel": "pos",
        "location": demo.STORE_HOME,
        "reason": "x" * 5,
        "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}],
    }
    assert post(api, f"/api/v1/orders/{order['number']}/returns", body).status_code == 409
    cancelled = api.post(f"/api/v1/orders/{order['number']}/cancel?reason=duplicado").json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["payments"][0]["status"] == "voided"
    row.refresh_from_db()
    assert row.reserved == 0
    assert api.post(f"/api/v1/orders/{order['number']}/cancel").status_code == 409


def test_price_adjustment_refunds_to_the_card(api, story):
    order = _delivered(api, story, quantity=1)
    response = post(
        api,
        f"/api/v1/orders/{order['number']}/price-adjustments",
        {"amount": "5.00", "reason": "bajó de precio", "channel": "call_center"},
    )
    assert response.status_code == 201
    assert response.json()["adjustments"] == [
        {"amount": "5.00", "reason": "bajó de precio", "channel": "call_center"}
    ]
    too_much = post(
        api,
        f"/api/v1/orders/{order['number']}/price-adjustments",
        {"amount": "500.00", "reason": "demasiado", "channel": "call_center"},
    )
    assert too_much.status_code == 409


def test_pickup_in_store_then_collected(api, story):
    order = post(
        api,
        "/api/v1/orders",
        order_body(
            story, fulfilment="pickup", pickup_location=demo.STORE_OFFICE, ship_address_kind=None
        ),
    ).json()
    assert order["lines"][0]["location"] == demo.STORE_OFFICE
    done = api.post(f"/api/v1/orders/{order['number']}/collect").json()
    assert done["status"] == "completed"
    held, taken = done["payments"]  # handed over: the hold captured, all of it
    assert (held["status"], held["held"]) == ("settled", "0.00")
    assert (taken["status"], taken["amount"], taken["shipment"]) == (
        "captured",
        order["total"],
        None,
    )
    row = Stock.objects.get(variant__sku=demo.TROUSERS_32, location__code=demo.STORE_OFFICE)
    assert (row.on_hand, row.reserved) == (1, 0)


def test_a_clerk_may_order_but_not_ship_and_a_marketer_may_not_order(
    api, clerk, story, token_client
):
    order = post(clerk, "/api/v1/orders", order_body(story, channel="handheld"))
    assert order.status_code == 201
    assert post(clerk, f"/api/v1/orders/{order.json()['number']}/ship", {}).status_code == 403
    marketer = token_client("marketer", ("customers:read",))
    assert marketer.get(f"/api/v1/availability?sku={demo.SHIRT_M}").status_code == 200
    assert post(marketer, "/api/v1/orders", order_body(story)).status_code == 403


def test_quote_applies_the_same_rules_as_orders(api, story):
    body = {"channel": "web", "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}]}
    web = post(api, "/api/v1/quotes", body).json()
    store = post(api, "/api/v1/quotes", {**body, "channel": "pos"}).json()
    peru = post(api, "/api/v1/quotes", {**body, "channel": "pos", "country": "PE"}).json()
    assert (web["total"], store["total"]) == ("46.47", "51.64")
    assert peru["tax"] == {"name": "IGV", "rate": "0.1800", "amount": "8.08"}
    assert (
        post(api, "/api/v1/quotes", {**body, "lines": [{"sku": "X", "quantity": 1}]}).status_code
        == 404
    )


def test_catalog_in_spanish_and_english(api, story):
    es = api.get("/api/v1/catalog/products?q=camisa").json()["products"]
    assert es[0]["name"] == "Camisa Oxford celeste"
    en = api.get("/api/v1/catalog/products/CAM-OXF?lang=en").json()
    assert en["name"] == "Light-blue Oxford shirt"
    assert {v["sku"]: v["everywhere"] for v in en["availability"]}[demo.SHIRT_M] == 9
    assert api.get("/api/v1/availability?sku=NOPE").status_code == 404


def test_gift_registry_and_shopping_list(api, story):
    registry = post(
        api,
        "/api/v1/lists",
        {"customer_id": story.customer_id, "kind": "gift_registry", "name": "Boda"},
    )
    assert registry.status_code == 201
    list_id = registry.json()["id"]
    put = api.put(
        f"/api/v1/lists/{list_id}/items",
        {"sku": demo.SHIRT_M, "quantity": 2},
        content_type="application/json",
    )
    assert put.json()["items"] == [{"sku": demo.SHIRT_M, "quantity": 2, "purchased": 0}]
    bad = api.put(
        f"/api/v1/lists/{list_id}/items",
        {"sku": "NOPE", "quantity": 1},
        content_type="application/json",
    )
    assert bad.status_code == 404
    lists = api.get(f"/api/v1/customers/{story.customer_id}/lists").json()["lists"]
    assert [entry["kind"] for entry in lists] == ["gift_registry"]


def _event(event_id: str, type_: str, payload: dict, channel: str = "partner") -> dict:
    return {
        "id": event_id,
        "type": type_,
        "channel": channel,
        "occurred_at": "2025-06-01T12:00:00-05:00",
        "customer": {"email": "ana.cevallos@example.ec", "name": "Ana Lucía Cevallos"},
        "payload": payload,
    }


def test_external_channels_send_orders_shipments_and_returns_as_events(api, story):
    placed = _event(
        "partner-1",
        "order.placed",
        {
            "order_ref": "MKT-555",
            "lines": [{"sku": demo.SHIRT_M, "quantity": 1}],
            "fulfilment": "ship",
            "ship_to": {"line1": "Calle Larga 1-23", "city": "Cuenca"},
            "payment": {"reference": "mp-abc", "method": "marketplace"},
        },
    )
    result = post_events(api, [placed]).json()
    assert result["created"] == 1, result
    order = Order.objects.get(external_ref="MKT-555")
    assert order.channel == "partner"
    assert order.lines.get().location.code == demo.WAREHOUSE  # reserved, not oversold
    assert post_events(api, [placed]).json()["duplicate"] == 1
    shipped = post_events(
        api, [_event("partner-2", "order.shipped", {"order": "MKT-555", "tracking": "T1"})]
    )
    assert shipped.json()["created"] == 1
    back = _event(
        "partner-3",
        "order.returned",
        {
            "order": "MKT-555",
            "location": demo.STORE_HOME,
            "reason": "defecto",
            "lines": [{"sku": demo.SHIRT_M, "quantity": 1}],
        },
    )
    assert post_events(api, [back]).json()["created"] == 1
    order.refresh_from_db()
    assert order.status == "returned"
    assert Stock.objects.get(variant__sku=demo.SHIRT_M, location__code=demo.STORE_HOME).on_hand == 1


def test_bad_commerce_events_are_rejected_with_their_field(api, story):
    bad = [
        _event(
            "x-1",
            "order.placed",
            {
                "order_ref": "A",
                "lines": [{"sku": "NOPE", "quantity": 1}],
                "location": demo.STORE_HOME,
            },
        ),
        _event("x-2", "order.shipped", {"order": "NO-SUCH-ORDER"}),
        _event(
            "x-3",
            "order.placed",
            {
                "order_ref": "B",
                "lines": [{"sku": demo.SHIRT_M, "quantity": -2}],
                "location": demo.STORE_HOME,
            },
        ),
    ]
    before = snapshot()
    result = post_events(api, bad).json()
    assert result["rejected"] == 3
    assert "unknown SKU NOPE" in result["results"][0]["errors"][0]["message"]
    assert result["results"][1]["errors"][0]["field"] == "payload.order"
    assert result["results"][2]["errors"][0]["field"].startswith("payload.lines.0.quantity")
    assert snapshot() == before
