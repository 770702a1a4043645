"""Cancelled units: what is called off of an order never ships, is never due, and does not keep
the order from being returned once everything that left came back."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from lealtad.channels.models import ExternalSystem
from lealtad.commerce import demo
from lealtad.commerce.events import orders_section
from lealtad.commerce.models import Order, OrderLine, Stock
from lealtad.commerce.selectors import inbound as selectors_inbound
from lealtad.core.models import OutboxMessage
from tests.commerce.inbound import errors, event, send

pytestmark = pytest.mark.django_db

WAREHOUSE = demo.WAREHOUSE
BILLING = "facturacion_legacy"


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


def place(api: Any, story: demo.Story, lines: list[dict[str, Any]]) -> dict[str, Any]:
    body = {
        "customer_id": story.customer_id,
        "channel": "web",
        "lines": lines,
        "fulfilment": "ship",
        "ship_address_kind": "home",
        "payment": {"on_file": True},
    }
    response = post(api, "/api/v1/orders", body)
    assert response.status_code == 201, response.content
    return dict(response.json())


def ship(api: Any, number: str, lines: list[dict[str, Any]] | None = None) -> Any:
    return post(api, f"/api/v1/orders/{number}/ship", {"lines": lines or []})


def by_sku(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["sku"]: line for line in order["lines"]}


def one_of_three_shipped_rest_cancelled(api: Any, story: demo.Story) -> dict[str, Any]:
    """Three pairs of trousers and a shirt; one pair leaves, the rest is called off."""
    order = place(
        api,
        story,
        [{"sku": demo.TROUSERS_32, "quantity": 3}, {"sku": demo.SHIRT_M, "quantity": 1}],
    )
    shipped = ship(api, order["number"], [{"sku": demo.TROUSERS_32, "quantity": 1}])
    assert shipped.status_code == 200, shipped.content
    cancelled = api.post(f"/api/v1/orders/{order['number']}/cancel?reason=ya+no")
    assert cancelled.status_code == 200, cancelled.content
    return dict(cancelled.json())


def test_the_rest_cancelled_shows_per_line_and_nothing_is_left_to_ship(api, story):
    order = one_of_three_shipped_rest_cancelled(api, story)
    number = order["number"]
    assert order["status"] == "shipped"
    lines = by_sku(order)
    assert [
        (lines[sku]["shipped"], lines[sku]["cancelled"], lines[sku]["to_ship"])
        for sku in (demo.TROUSERS_32, demo.SHIRT_M)
    ] == [(1, 2, 0), (0, 1, 0)]
    [gone] = OutboxMessage.objects.filter(event_type="order.cancelled", payload__order=number)
    assert gone.payload["lines"] == [
        {"sku": demo.TROUSERS_32, "quantity": 2},
        {"sku": demo.SHIRT_M, "quantity": 1},
    ]
    # Shipping again is refused and says why, whether everything or a line is asked for.
    before = sorted(Stock.objects.values_list("id", "on_hand", "reserved"))
    for asked in (None, [{"sku": demo.TROUSERS_32, "quantity": 1}]):
        refused = ship(api, number, asked)
        assert refused.status_code == 409, refused.content
        assert "nothing left to ship" in refused.json()["detail"]
        assert "3 unshipped unit(s) were cancelled" in refused.json()["detail"]
    assert sorted(Stock.objects.values_list("id", "on_hand", "reserved")) == before
    shipped = OrderLine.objects.filter(order__number=number).values_list("shipped", flat=True)
    assert sum(shipped) == 1

    # The 360 row counts the cancelled units; the card and the order page show them.
    [row] = [o for o in orders_section(story.customer_id, frozenset()) if o["number"] == number]
    assert row["cancelled_units"] == 3
    card = render_to_string("commerce/_customer_orders.html", {"orders": [row]})
    assert "3 unidades anuladas" in card  # the default language: Spanish
    with translation.override("en"):
        card = render_to_string("commerce/_customer_orders.html", {"orders": [row]})
    assert "3 units cancelled" in card
    user = User.objects.create_user("clerk-cancelled")
    user.groups.add(Group.objects.get_or_create(name="store_clerk")[0])
    clerk = Client()
    clerk.force_login(user)
    page = clerk.get(f"/store/orders/{number}/").content.decode()
    assert "anuladas: 2" in page and "anuladas: 1" in page


def test_returning_all_that_shipped_returns_the_order(api, story):
    order = one_of_three_shipped_rest_cancelled(api, story)
    number = order["number"]
    assert api.post(f"/api/v1/orders/{number}/deliver").json()["status"] == "delivered"
    body = {
        "channel": "pos",
        "location": demo.STORE_OFFICE,
        "reason": "no le queda",
        "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}],
    }
    back = post(api, f"/api/v1/orders/{number}/returns", body)
    assert back.status_code in (200, 201), back.content
    assert Order.objects.get(number=number).status == "returned"
    # A cancelled unit never left, so it cannot come back either.
    again = post(api, f"/api/v1/orders/{number}/returns", body)
    assert again.status_code in (409, 422)


def test_the_cancelled_part_is_never_due(api, story):
    order = one_of_three_shipped_rest_cancelled(api, story)
    number = order["number"]
    trousers = by_sku(order)[demo.TROUSERS_32]
    kept = (Decimal(trousers["total"]) / 3).quantize(Decimal("0.01"), ROUND_HALF_UP)
    found = Order.objects.get(number=number)
    assert selectors_inbound.cancelled_value(found) == Decimal(order["total"]) - kept
    assert selectors_inbound.amount_due(found) == Decimal("0.00")  # the card paid what left
    # A billing system reporting the cancelled part as paid is refused, field named.
    ExternalSystem.objects.create(name=BILLING, description="Facturación")
    report = {"order": number, "reference": "FAC-9", "amount": "1.00"}
    refused = errors(send(api, event("payment.captured", report, channel=BILLING)))
    assert [(field, "at most 0.00" in message) for field, message in refused.items()] == [
        ("payload.amount", True)
    ]


def test_an_order_cancelled_whole_cancels_every_unit(api, story):
    order = place(
        api,
        story,
        [{"sku": demo.TROUSERS_32, "quantity": 2}, {"sku": demo.SHIRT_M, "quantity": 1}],
    )
    cancelled = api.post(f"/api/v1/orders/{order['number']}/cancel").json()
    assert cancelled["status"] == "cancelled"
    assert {
        sku: (line["quantity"], line["cancelled"], line["to_ship"])
        for sku, line in by_sku(cancelled).items()
    } == {demo.TROUSERS_32: (2, 2, 0), demo.SHIRT_M: (1, 1, 0)}
    refused = ship(api, order["number"])
    assert refused.status_code == 409
    assert "nothing left to ship" in refused.json()["detail"]
