"""A cart checked out into an order; stock transfers between locations; who may do what."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lealtad.commerce import demo
from lealtad.commerce.models import CustomerList, Order, Payment, Stock, Transfer, Variant
from lealtad.core.models import AuditEntry, OutboxMessage
from lealtad.core.roles import ROLE_CAPABILITIES, SCOPE_CAPABILITIES, Capability, Role

pytestmark = pytest.mark.django_db

HOME, OFFICE, WAREHOUSE = demo.STORE_HOME, demo.STORE_OFFICE, demo.WAREHOUSE


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


def units(sku: str, location: str) -> tuple[int, int]:
    row = Stock.objects.filter(variant__sku=sku, location__code=location).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def snapshot() -> tuple:
    return (
        Order.objects.count(),
        Payment.objects.count(),
        Transfer.objects.count(),
        sorted(Transfer.objects.values_list("id", "status")),
        sorted(CustomerList.objects.values_list("id", "order_id")),
        AuditEntry.objects.count(),
        OutboxMessage.objects.count(),
        sorted(Stock.objects.values_list("id", "on_hand", "reserved")),
    )


# Carts -------------------------------------------------------------------------------------


def cart(api: Any, story: demo.Story, items: dict[str, int], kind: str = "cart") -> int:
    made = post(api, "/api/v1/lists", {"customer_id": story.customer_id, "kind": kind})
    list_id = made.json()["id"]
    for sku, quantity in items.items():
        api.put(
            f"/api/v1/lists/{list_id}/items",
            {"sku": sku, "quantity": quantity},
            content_type="application/json",
        )
    return list_id


CHECKOUT = {"fulfilment": "ship", "ship_address_kind": "work", "payment": {"on_file": True}}


def test_a_cart_checks_out_once_priced_at_checkout(api, story):
    list_id = cart(api, story, {demo.TROUSERS_32: 2, demo.SHIRT_M: 1})
    # The price changed after the items went into the cart: checkout quotes today's price.
    Variant.objects.filter(sku=demo.SHIRT_M).update(price=Decimal("30.00"))

    first = post(api, f"/api/v1/lists/{list_id}/checkout", CHECKOUT)

    assert first.status_code == 201, first.content
    order = first.json()
    assert {line["sku"]: line["unit_price"] for line in order["lines"]} == {
        demo.TROUSERS_32: "44.90",
        demo.SHIRT_M: "30.00",
    }
    assert order["promotions"] == ["WEB-PANTALONES-10"]  # the cart's channel is the web
    assert order["total"] == "127.44"  # 80.82 + 12.12 tax, 30.00 + 4.50 tax (per line)
    assert units(demo.TROUSERS_32, WAREHOUSE)[1] == 2
    again = post(api, f"/api/v1/lists/{list_id}/checkout", CHECKOUT)
    assert (again.status_code, again.json()["number"]) == (200, order["number"])
    assert Order.objects.count() == 1
    lists = api.get(f"/api/v1/customers/{story.customer_id}/lists").json()["lists"]
    assert lists[0]["order"] == order["number"]
    frozen = api.put(
        f"/api/v1/lists/{list_id}/items",
        {"sku": demo.SHIRT_M, "quantity": 3},
        content_type="application/json",
    )
    assert frozen.status_code == 409
    assert OutboxMessage.objects.filter(event_type="cart.checked_out").count() == 1
    assert AuditEntry.objects.filter(action="checkout_cart").count() == 1


@pytest.mark.parametrize(
    ("items", "kind", "body", "status", "message"),
    [
        ({}, "cart", CHECKOUT, 409, "the cart is empty"),
        ({demo.SHIRT_M: 1}, "shopping_list", CHECKOUT, 409, "only a cart"),
        ({demo.SHIRT_M: 50}, "cart", CHECKOUT, 409, demo.SHIRT_M),
        ({demo.SHIRT_M: 1}, "cart", {**CHECKOUT, "payment": {"method_id": 99999}}, 404, "payment"),
        ({demo.SHIRT_M: 1}, "cart", {**CHECKOUT, "ship_address_kind": None}, 422, "ship_address"),
        ({demo.SHIRT_M: 1}, "cart", {**CHECKOUT, "fulfilment": "teleport"}, 422, "fulfilment"),
    ],
)
def test_bad_checkouts_write_nothing(api, story, items, kind, body, status, message):
    list_id = cart(api, story, items, kind)
    before = snapshot()
    response = post(api, f"/api/v1/lists/{list_id}/checkout", body)
    assert response.status_code == status, response.content
    assert message in response.content.decode()
    assert snapshot() == before
    assert post(api, "/api/v1/lists/999999/checkout", CHECKOUT).status_code == 404


# Transfers ---------------------------------------------------------------------------------


def test_a_transfer_holds_ships_and_receives_without_selling_units_twice(api, story):
    warehouse_before = units(demo.SHIRT_M, WAREHOUSE)  # (6, 0)
    asked = post(
        api,
        "/api/v1/transfers",
        {
            "from_location": WAREHOUSE,
            "to_location": HOME,
            "lines": [{"sku": demo.SHIRT_M, "quantity": 4}],
            "note": "reponer talla M",
            "idempotency_key": "repo-quicentro-1",
        },
    )
    assert asked.status_code == 201, asked.content
    number = asked.json()["number"]
    assert asked.json()["status"] == "requested"
    assert units(demo.SHIRT_M, WAREHOUSE) == (6, 4)  # held for the transfer
    repeat = post(
        api,
        "/api/v1/transfers",
        {
            "from_location": WAREHOUSE,
            "to_location": HOME,
            "lines": [{"sku": demo.SHIRT_M, "quantity": 4}],
            "idempotency_key": "repo-quicentro-1",
        },
    )
    assert (repeat.status_code, repeat.json()["number"]) == (200, number)

    # An order cannot take the held units.
    order = post(
        api,
        "/api/v1/orders",
        {
            "customer_id": story.customer_id,
            "channel": "web",
            "lines": [{"sku": demo.SHIRT_M, "quantity": 3, "location": WAREHOUSE}],
            "fulfilment": "ship",
            "ship_address_kind": "home",
            "payment": {"on_file": True},
        },
    )
    assert order.status_code == 409

    shipped = post(api, f"/api/v1/transfers/{number}/ship", {"carrier": "propio"}).json()
    assert shipped["status"] == "in_transit"
    assert units(demo.SHIRT_M, WAREHOUSE) == (2, 0)
    assert units(demo.SHIRT_M, HOME) == (0, 0)  # on the road: available nowhere
    road = api.get(f"/api/v1/stock/in-transit?sku={demo.SHIRT_M}").json()
    assert road["total"] == 4 and road["transfers"][0]["to"] == HOME
    found = api.get(f"/api/v1/availability?sku={demo.SHIRT_M}").json()
    assert found["total_available"] == 9 - 4

    received = post(
        api,
        f"/api/v1/transfers/{number}/receive",
        {"lines": [{"sku": demo.SHIRT_M, "quantity": 3}]},
    ).json()
    assert received["status"] == "received"
    assert received["lines"] == [{"sku": demo.SHIRT_M, "quantity": 4, "received": 3}]
    assert units(demo.SHIRT_M, HOME) == (3, 0)
    assert warehouse_before[0] - 4 == units(demo.SHIRT_M, WAREHOUSE)[0]
    kinds = list(
        OutboxMessage.objects.filter(event_type__startswith="transfer.")
        .order_by("id")
        .values_list("event_type", flat=True)
    )
    assert kinds == ["transfer.requested", "transfer.shipped", "transfer.received"]
    assert OutboxMessage.objects.get(event_type="transfer.received").payload["short"] == {
        demo.SHIRT_M: 1
    }
    listed = api.get(f"/api/v1/transfers?location={HOME}").json()["transfers"]
    assert [t["number"] for t in listed] == [number]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"lines": [{"sku": demo.SHIRT_M, "quantity": 7}]}, 409, "6 free"),
        ({"lines": [{"sku": "NOPE", "quantity": 1}]}, 404, "unknown SKU NOPE"),
        ({"from_location": "NOWHERE"}, 404, "unknown location NOWHERE"),
        ({"to_location": WAREHOUSE}, 409, "two different locations"),
        ({"lines": [{"sku": demo.SHIRT_M, "quantity": 0}]}, 422, "greater than or equal"),
        ({"lines": []}, 422, "at least 1"),
    ],
)
def test_bad_transfers_are_refused_and_write_nothing(api, story, body, status, message):
    base = {
        "from_location": WAREHOUSE,
        "to_location": HOME,
        "lines": [{"sku": demo.SHIRT_M, "quantity": 1}],
    }
    before = snapshot()
    response = post(api, "/api/v1/transfers", {**base, **body})
    assert response.status_code == status, response.content
    assert message in response.content.decode()
    assert snapshot() == before


def test_transfer_steps_out_of_order_are_refused(api, story):
    body = {
        "from_location": WAREHOUSE,
        "to_location": OFFICE,
        "lines": [{"sku": demo.TROUSERS_34, "quantity": 2}],
    }
    first = post(api, "/api/v1/transfers", body).json()["number"]
    before = snapshot()
    assert post(api, f"/api/v1/transfers/{first}/receive", {}).status_code == 409
    assert snapshot() == before
    cancelled = api.post(f"/api/v1/transfers/{first}/cancel").json()
    assert cancelled["status"] == "cancelled"
    assert units(demo.TROUSERS_34, WAREHOUSE) == (5, 0)
    assert post(api, f"/api/v1/transfers/{first}/ship", {}).status_code == 409

    second = post(api, "/api/v1/transfers", body).json()["number"]
    post(api, f"/api/v1/transfers/{second}/ship", {})
    before = snapshot()
    assert api.post(f"/api/v1/transfers/{second}/cancel").status_code == 409
    too_many = {"lines": [{"sku": demo.TROUSERS_34, "quantity": 3}]}
    assert post(api, f"/api/v1/transfers/{second}/receive", too_many).status_code == 409
    other = {"lines": [{"sku": demo.SHIRT_M, "quantity": 1}]}
    assert post(api, f"/api/v1/transfers/{second}/receive", other).status_code == 409
    assert snapshot() == before
    assert post(api, f"/api/v1/transfers/{second}/receive", {}).json()["status"] == "received"
    assert units(demo.TROUSERS_34, OFFICE) == (4, 0)
    assert api.get("/api/v1/transfers/TRF-NOPE").status_code == 404


# Capabilities ------------------------------------------------------------------------------


def test_the_role_map_separates_selling_fulfilling_and_refunding():
    sell, fulfil, refund = Capability.SELL, Capability.FULFIL, Capability.REFUND
    has = {role: ROLE_CAPABILITIES[role] & {sell, fulfil, refund} for role in Role}
    assert has[Role.STORE_CLERK] == {sell}
    assert has[Role.AGENT] == {sell}
    assert has[Role.SALES_REP] == {sell}
    assert has[Role.TECHNICIAN] == {fulfil}
    assert has[Role.MARKETER] == set()
    for role in (Role.ADMIN, Role.MANAGER, Role.SUPERVISOR, Role.API_CLIENT):
        assert has[role] == {sell, fulfil, refund}
    assert SCOPE_CAPABILITIES["commerce:sell"] == {sell}
    assert SCOPE_CAPABILITIES["commerce:fulfil"] == {fulfil}
    assert SCOPE_CAPABILITIES["commerce:refund"] == {refund}


def test_clerks_sell_technicians_fulfil_supervisors_refund(api, clerk, story, token_client):
    order = post(
        clerk,
        "/api/v1/orders",
        {
            "customer_id": story.customer_id,
            "channel": "handheld",
            "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}],
            "fulfilment": "ship",
            "ship_address_kind": "home",
            "payment": {"on_file": True},
        },
    )
    assert order.status_code == 201
    number = order.json()["number"]
    transfer = {
        "from_location": WAREHOUSE,
        "to_location": HOME,
        "lines": [{"sku": demo.SHIRT_M, "quantity": 1}],
    }
    assert post(clerk, f"/api/v1/orders/{number}/ship", {}).status_code == 403
    assert post(clerk, "/api/v1/transfers", transfer).status_code == 403

    crew = token_client("technician", ("customers:read", "commerce:fulfil"))
    assert post(crew, "/api/v1/transfers", transfer).status_code == 201
    assert post(crew, f"/api/v1/orders/{number}/ship", {}).status_code == 200
    assert crew.post(f"/api/v1/orders/{number}/deliver").status_code == 200
    sale = {
        "customer_id": story.customer_id,
        "channel": "web",
        "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}],
        "fulfilment": "ship",
        "ship_address_kind": "home",
        "payment": {"on_file": True},
    }
    assert post(crew, "/api/v1/orders", sale).status_code == 403

    adjustment = {"amount": "2.00", "reason": "bajó de precio", "channel": "pos"}
    url = f"/api/v1/orders/{number}/price-adjustments"
    assert post(clerk, url, adjustment).status_code == 403
    scoped = token_client("supervisor", ("customers:read", "commerce:sell"))
    assert post(scoped, url, adjustment).status_code == 403  # the scope narrows the role
    boss = token_client("supervisor", ("customers:read", "commerce:refund"))
    assert post(boss, url, adjustment).status_code == 201
