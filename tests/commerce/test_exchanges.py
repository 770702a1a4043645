"""Exchanges as one operation: goods back on any channel, replacements taken, the difference
settled on the original payment, the return and the replacement linked in the 360."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lealtad.commerce import demo
from lealtad.commerce.events import orders_section
from lealtad.commerce.models import Exchange, Order, Payment, Return, Shipment, Stock
from lealtad.core.models import AuditEntry, OutboxMessage
from lealtad.customers.models import Interaction

pytestmark = pytest.mark.django_db

HOME, OFFICE, WAREHOUSE = demo.STORE_HOME, demo.STORE_OFFICE, demo.WAREHOUSE
SHIRT_L = "CAM-OXF-CEL-L"


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


def units(sku: str, location: str) -> tuple[int, int]:
    row = Stock.objects.filter(variant__sku=sku, location__code=location).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def snapshot() -> tuple:
    return (
        Order.objects.count(),
        Payment.objects.count(),
        sorted(Payment.objects.values_list("id", "status", "refunded")),
        Return.objects.count(),
        Exchange.objects.count(),
        Shipment.objects.count(),
        AuditEntry.objects.count(),
        OutboxMessage.objects.count(),
        Interaction.objects.count(),
        sorted(Stock.objects.values_list("id", "on_hand", "reserved")),
        sorted(Order.objects.values_list("id", "status")),
    )


def delivered(api: Any, story: demo.Story, sku: str, channel: str = "web") -> dict[str, Any]:
    """An order of one unit shipped home and delivered."""
    order = post(
        api,
        "/api/v1/orders",
        {
            "customer_id": story.customer_id,
            "channel": channel,
            "lines": [{"sku": sku, "quantity": 1}],
            "fulfilment": "ship",
            "ship_address_kind": "home",
            "payment": {"on_file": True},
        },
    ).json()
    post(api, f"/api/v1/orders/{order['number']}/ship", {})
    api.post(f"/api/v1/orders/{order['number']}/deliver")
    return order


def exchange_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "pos",
        "location": OFFICE,
        "reason": "Talla grande: cambia por M",
        "returns": [{"sku": SHIRT_L, "quantity": 1}],
        "replacements": [{"sku": demo.SHIRT_M, "quantity": 1}],
    }
    body.update(overrides)
    return body


def test_a_web_order_exchanged_at_a_store_is_one_linked_operation(api, clerk, story):
    order = delivered(api, story, SHIRT_L)
    l_office, m_office = units(SHIRT_L, OFFICE), units(demo.SHIRT_M, OFFICE)

    response = post(clerk, f"/api/v1/orders/{order['number']}/exchanges", exchange_body())

    assert response.status_code == 201, response.content
    found = response.json()
    assert (found["returned_value"], found["replacement_value"], found["difference"]) == (
        "40.14",
        "40.14",
        "0.00",
    )
    original, replacement = found["original_order"], found["replacement_order"]
    assert original["status"] == "returned"
    assert original["returns"][0]["exchange_order"] == replacement["number"]
    assert original["exchanges"][0]["replacement"] == replacement["number"]
    assert replacement["exchange_of"] == {
        "number": found["number"],
        "order": order["number"],
        "return": found["return"],
    }
    assert (replacement["channel"], replacement["status"]) == ("pos", "completed")
    # Stock: the L back on the receiving store's shelf, the M taken there.
    assert units(SHIRT_L, OFFICE) == (l_office[0] + 1, 0)
    assert units(demo.SHIRT_M, OFFICE) == (m_office[0] - 1, 0)
    # Money: nothing went back to the card nor was charged; the credit moved over.
    held, charge = Payment.objects.filter(order__number=order["number"], kind="charge")
    assert held.status == "settled"  # the card's hold, taken by the shipment's capture
    assert (charge.status, charge.refunded) == ("refunded", Decimal("40.14"))
    assert charge.authorization == held
    paid = Payment.objects.get(order__number=replacement["number"])
    assert (paid.status, paid.amount, paid.reference) == (
        "captured",
        Decimal("40.14"),
        charge.reference,
    )
    assert not Payment.objects.filter(kind="refund", reference__startswith="ref_").exists()
    # One event, one audit row and one step on the timeline name the exchange.
    event = OutboxMessage.objects.get(event_type="order.exchanged")
    assert event.payload["replacement"] == replacement["number"]
    assert event.payload["settled"] == "even"
    assert AuditEntry.objects.filter(action="exchange_order", entity_id=found["number"]).exists()
    step = Interaction.objects.get(customer_id=story.customer_id, related_type="exchange")
    assert (step.channel, step.related_id) == ("pos", found["number"])
    assert not Interaction.objects.filter(related_type="return").exists()
    # The 360: the exchange on the order it came from, and on its replacement.
    rows = {row["number"]: row for row in orders_section(story.customer_id, frozenset())}
    assert rows[order["number"]]["exchanges"][0]["number"] == found["number"]
    assert rows[replacement["number"]]["exchange_of"]["order"] == order["number"]


def test_replacements_that_cost_more_charge_only_the_difference(api, story):
    order = delivered(api, story, demo.TROUSERS_32)  # web: 10% off trousers, 46.47
    found = post(
        api,
        f"/api/v1/orders/{order['number']}/exchanges",
        exchange_body(
            returns=[{"sku": demo.TROUSERS_32, "quantity": 1}],
            replacements=[{"sku": demo.TROUSERS_34, "quantity": 1}],  # in store: 51.64
        ),
    ).json()
    assert found["difference"] == "5.17"
    payments = found["replacement_order"]["payments"]
    assert [(p["amount"], p["status"]) for p in payments] == [
        ("46.47", "captured"),  # the credit from the returned trousers
        ("5.17", "captured"),  # the difference, on the card, taken with the goods
    ]
    assert OutboxMessage.objects.get(event_type="order.exchanged").payload["settled"] == "charged"

    # Bringing the replacement back refunds it all, to the same card.
    back = post(
        api,
        f"/api/v1/orders/{found['replacement_order']['number']}/returns",
        {
            "channel": "pos",
            "location": OFFICE,
            "reason": "ya no lo quiere",
            "lines": [{"sku": demo.TROUSERS_34, "quantity": 1}],
        },
    )
    assert back.json()["refund"] == "51.64"
    refunds = Payment.objects.filter(
        order__number=found["replacement_order"]["number"], kind="refund"
    )
    assert sum(p.amount for p in refunds) == Decimal("51.64")


def test_replacements_that_cost_less_refund_the_difference_and_can_ship(api, story):
    order = post(
        api,
        "/api/v1/orders",
        {
            "customer_id": story.customer_id,
            "channel": "pos",
            "lines": [{"sku": demo.TROUSERS_34, "quantity": 1}],
            "fulfilment": "take_now",
            "pickup_location": OFFICE,
            "payment": {"on_file": True},
        },
    ).json()
    assert order["total"] == "51.64"
    found = post(
        api,
        f"/api/v1/orders/{order['number']}/exchanges",
        exchange_body(
            channel="web",
            returns=[{"sku": demo.TROUSERS_34, "quantity": 1}],
            replacements=[{"sku": demo.TROUSERS_32, "quantity": 1}],
            fulfilment="ship",
            ship_address_kind="work",
        ),
    ).json()
    assert found["difference"] == "-5.17"
    refund = Payment.objects.get(order__number=order["number"], kind="refund", amount="5.17")
    assert refund.original.order.number == order["number"]
    replacement = found["replacement_order"]
    # Shipped from the store that took the exchange, which has the size.
    assert (replacement["status"], replacement["lines"][0]["location"]) == ("placed", OFFICE)
    assert units(demo.TROUSERS_32, OFFICE)[1] == 1  # reserved for the replacement
    shipped = post(api, f"/api/v1/orders/{replacement['number']}/ship", {}).json()
    assert shipped["status"] == "shipped"


def test_cancelling_a_replacement_gives_its_credit_back_to_the_card(api, story):
    order = delivered(api, story, SHIRT_L)
    found = post(
        api,
        f"/api/v1/orders/{order['number']}/exchanges",
        exchange_body(fulfilment="ship", ship_address_kind="home"),
    ).json()
    number = found["replacement_order"]["number"]
    cancelled = api.post(f"/api/v1/orders/{number}/cancel?reason=arrepentido").json()
    assert cancelled["status"] == "cancelled"
    back = Payment.objects.get(order__number=number, kind="refund")
    assert back.amount == Decimal("40.14")


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"replacements": [{"sku": "NO-SUCH", "quantity": 1}]}, 404, "unknown SKU NO-SUCH"),
        ({"returns": [{"sku": SHIRT_L, "quantity": 2}]}, 409, "only 1 received"),
        ({"returns": [{"sku": demo.SHIRT_M, "quantity": 1}]}, 409, "is not on order"),
        ({"location": "NOWHERE"}, 404, "unknown location NOWHERE"),
        ({"replacements": [{"sku": demo.SHIRT_M, "quantity": 2}]}, 409, demo.SHIRT_M),
        (
            {
                "replacements": [{"sku": demo.TROUSERS_34, "quantity": 1}],
                "payment": {"card_number": "4000 0000 0000 0002"},
            },
            402,
            "declined",
        ),
        ({"fulfilment": "ship"}, 422, "ship_address"),
        ({"reason": "x"}, 422, "at least 3"),
        ({"channel": "telepathy"}, 422, "unknown channel"),
    ],
)
def test_bad_exchanges_are_refused_and_write_nothing(api, story, change, status, message):
    order = delivered(api, story, SHIRT_L)
    before = snapshot()
    response = post(api, f"/api/v1/orders/{order['number']}/exchanges", exchange_body(**change))
    assert response.status_code == status, response.content
    assert message in response.content.decode()
    assert snapshot() == before


def test_an_order_not_yet_received_cannot_be_exchanged(api, story):
    order = post(
        api,
        "/api/v1/orders",
        {
            "customer_id": story.customer_id,
            "channel": "web",
            "lines": [{"sku": SHIRT_L, "quantity": 1}],
            "fulfilment": "ship",
            "ship_address_kind": "home",
            "payment": {"on_file": True},
        },
    ).json()
    before = snapshot()
    response = post(api, f"/api/v1/orders/{order['number']}/exchanges", exchange_body())
    assert response.status_code == 409
    assert snapshot() == before
    assert post(api, "/api/v1/orders/PED-NOPE/exchanges", exchange_body()).status_code == 404


def test_an_idempotency_key_exchanges_once(api, story):
    order = delivered(api, story, SHIRT_L)
    body = exchange_body(idempotency_key="pos-7-exchange-1")
    first = post(api, f"/api/v1/orders/{order['number']}/exchanges", body)
    after_first = snapshot()
    again = post(api, f"/api/v1/orders/{order['number']}/exchanges", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert snapshot() == after_first
    other = delivered(api, story, SHIRT_L)
    reused = post(api, f"/api/v1/orders/{other['number']}/exchanges", body)
    assert reused.status_code == 409


def test_who_may_exchange(api, clerk, story, token_client):
    order = delivered(api, story, SHIRT_L)
    marketer = token_client("marketer", ("customers:read",))
    url = f"/api/v1/orders/{order['number']}/exchanges"
    assert post(marketer, url, exchange_body()).status_code == 403
    narrow = token_client("store_clerk", ("customers:read", "customers:write"))
    assert post(narrow, url, exchange_body()).status_code == 403  # no commerce:sell scope
    assert post(clerk, url, exchange_body()).status_code == 201
    found = clerk.get(f"/api/v1/exchanges/{Exchange.objects.get().number}")
    assert found.json()["order"] == order["number"]
