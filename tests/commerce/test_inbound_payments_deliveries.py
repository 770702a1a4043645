"""Payments and deliveries other systems report against an order: ``payment.captured`` and
``payment.refunded`` from a billing system or a POS, recorded as that system's money and never
sent to the card gateway; ``shipment.delivered`` and ``order.delivered`` from a fulfilment
house. Bad reports are rejected with their field path and write nothing; repeats are harmless;
what happened is announced."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lealtad.channels.models import ExternalSystem
from lealtad.commerce import demo
from lealtad.commerce.models import Order, Payment, Shipment
from lealtad.core.models import AuditEntry
from tests.commerce.inbound import (
    POS,
    announced,
    delivered,
    errors,
    event,
    place,
    pos,
    post,
    send,
    snapshot,
    spy,
    units,
)

pytestmark = pytest.mark.django_db
FIXTURES = (pos, spy)  # the fixtures this module uses from the shared helpers

BILLING = "facturacion_legacy"
HOUSE = "logistica_express"  # the fulfilment house of examples/connectors/fulfilment.yaml
HOME, WAREHOUSE = demo.STORE_HOME, demo.WAREHOUSE
SHIRT_L = "CAM-OXF-CEL-L"


@pytest.fixture
def billing(db: Any) -> str:
    ExternalSystem.objects.create(name=BILLING, description="Facturación (AS/400)")
    return BILLING


@pytest.fixture
def house(db: Any) -> str:
    ExternalSystem.objects.create(name=HOUSE, description="Operador logístico")
    return HOUSE


def taken_unpaid(api: Any, ref: str = "MKT-900") -> Order:
    """An order a marketplace took in a store, without saying how it was paid."""
    placed = {
        "order_ref": ref,
        "lines": [{"sku": SHIRT_L, "quantity": 1}],
        "location": HOME,
    }
    assert send(api, event("order.placed", placed, channel="partner"))["created"] == 1
    return Order.objects.get(external_ref=ref)


def captured(order: str, reference: str, amount: str, **more: Any) -> dict[str, Any]:
    return {"order": order, "reference": reference, "amount": amount, **more}


# Payments ----------------------------------------------------------------------------------


def test_payments_reported_later_settle_an_order_taken_unpaid(api, story, billing, spy):
    order = taken_unpaid(api)
    unpaid = order.payments.get()
    assert (unpaid.reference, unpaid.amount) == (f"unpaid:{order.number}", Decimal("40.14"))

    first = captured("MKT-900", "FAC-001", "20.00", method="transferencia")
    assert send(api, event("payment.captured", first, channel=BILLING))["created"] == 1

    unpaid.refresh_from_db()
    assert (unpaid.status, unpaid.amount) == ("captured", Decimal("20.14"))
    paid = order.payments.get(reference="FAC-001")
    assert (paid.kind, paid.status, paid.gateway, paid.amount, paid.method_label) == (
        "charge",
        "captured",
        f"external:{BILLING}",
        Decimal("20.00"),
        "transferencia",
    )
    rest = captured(order.number, "FAC-002", "20.14", currency="USD")
    assert send(api, event("payment.captured", rest, channel=BILLING))["created"] == 1
    unpaid.refresh_from_db()
    assert (unpaid.status, unpaid.amount) == ("voided", Decimal("0.00"))
    assert sum(order.payments.filter(status="captured").values_list("amount", flat=True)) == (
        order.total
    )

    too_much = captured(order.number, "FAC-003", "0.01")
    found = errors(send(api, event("payment.captured", too_much, channel=BILLING)))
    assert found == {"payload.amount": f"at most 0.00 USD is due on order {order.number}"}

    assert spy.calls == []
    told = [
        (p["reference"], p["amount"], p["by"])
        for p in announced("payment.captured")
        if p["reference"].startswith("FAC-")
    ]
    assert told == [("FAC-001", "20.00", BILLING), ("FAC-002", "20.14", BILLING)]
    assert AuditEntry.objects.filter(action="record_payment", entity_id=order.number).count() == 2


def test_a_payment_reported_twice_is_recorded_once(api, story, billing):
    order = taken_unpaid(api)
    first = event("payment.captured", captured(order.number, "FAC-001", "40.14"), channel=BILLING)
    assert send(api, first)["created"] == 1
    before = snapshot()

    assert send(api, first)["duplicate"] == 1
    assert snapshot() == before
    again = event("payment.captured", captured(order.number, "FAC-001", "40.14"), channel=BILLING)
    assert send(api, again)["created"] == 1  # another event id: the reference is known
    assert snapshot()[:-2] == before[:-2]


def test_an_order_paid_by_card_owes_nothing_more(api, story, billing):
    order = place(api, story, SHIRT_L)
    before = snapshot()
    report = captured(order["number"], "FAC-9", "1.00")
    found = errors(send(api, event("payment.captured", report, channel=BILLING)))
    assert "at most 0.00 USD is due" in found["payload.amount"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"order": "NO-SUCH"}, "payload.order", "no order"),
        ({"amount": "0"}, "payload.amount", "greater than 0"),
        ({"amount": "-5"}, "payload.amount", "greater than 0"),
        ({"amount": "1.005"}, "payload.amount", "decimal places"),
        ({"currency": "PEN"}, "payload.currency", "is in USD"),
        ({"currency": "usd"}, "payload.currency", "pattern"),
        ({"reference": ""}, "payload.reference", "at least 1"),
    ],
)
def test_bad_payments_are_rejected_with_their_field_and_write_nothing(
    api, story, billing, change, field, message
):
    order = taken_unpaid(api)
    before = snapshot()
    report = {**captured(order.number, "FAC-001", "10.00"), **change}
    found = errors(send(api, event("payment.captured", report, channel=BILLING)))
    assert message in found[field], found
    assert snapshot() == before


def test_a_cancelled_order_takes_no_payment(api, story, billing):
    order = place(api, story, SHIRT_L)
    api.post(f"/api/v1/orders/{order['number']}/cancel?reason=arrepentido")
    report = captured(order["number"], "FAC-1", "1.00")
    found = errors(send(api, event("payment.captured", report, channel=BILLING)))
    assert "is cancelled" in found["payload.order"]


def test_money_a_pos_gave_back_is_its_refund_not_the_cards(api, story, pos, spy):
    order = delivered(api, story, SHIRT_L)  # paid by card: 40.14 captured
    spy.calls.clear()
    card = Payment.objects.get(order__number=order["number"], authorization__isnull=False)

    report = captured(order["number"], "NC-001", "10.00", method="efectivo")
    assert send(api, event("payment.refunded", report))["created"] == 1

    back = Payment.objects.get(order__number=order["number"], kind="refund")
    assert (back.gateway, back.reference, back.amount, back.method_label, back.original) == (
        f"external:{POS}",
        "NC-001",
        Decimal("10.00"),
        "efectivo",
        card,
    )
    card.refresh_from_db()
    assert (card.status, card.refunded) == ("captured", Decimal("10.00"))
    assert spy.calls == []
    (told,) = announced("payment.refunded")
    assert (told["order"], told["amount"], told["reference"]) == (
        order["number"],
        "10.00",
        "NC-001",
    )

    # What is left to give back is what the card did not get back yet, whoever gives it.
    more = captured(order["number"], "NC-002", "30.15", payment=card.reference)
    found = errors(send(api, event("payment.refunded", more)))
    assert found == {"payload.amount": "at most 30.14 USD can be given back"}
    adjusted = post(
        api,
        f"/api/v1/orders/{order['number']}/price-adjustments",
        {"amount": "30.15", "reason": "descuento olvidado", "channel": "web"},
    )
    assert adjusted.status_code == 409, adjusted.content


def test_a_refund_reported_twice_is_recorded_once(api, story, pos):
    order = delivered(api, story, SHIRT_L)
    report = captured(order["number"], "NC-001", "10.00")
    assert send(api, event("payment.refunded", report))["created"] == 1
    before = snapshot()
    assert send(api, event("payment.refunded", report))["created"] == 1
    assert snapshot()[:-2] == before[:-2]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"payment": "NO-SUCH-PAYMENT"}, "payload.payment", "no payment NO-SUCH-PAYMENT"),
        ({"amount": "40.15"}, "payload.amount", "at most 40.14 USD"),
        ({"currency": "MXN"}, "payload.currency", "is in USD"),
        ({"order": "NO-SUCH"}, "payload.order", "no order"),
    ],
)
def test_bad_refunds_are_rejected_with_their_field_and_write_nothing(
    api, story, pos, change, field, message
):
    order = delivered(api, story, SHIRT_L)
    before = snapshot()
    report = {**captured(order["number"], "NC-001", "10.00"), **change}
    found = errors(send(api, event("payment.refunded", report)))
    assert message in found[field], found
    assert snapshot() == before


# Deliveries --------------------------------------------------------------------------------


def news(type_: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What the fulfilment house reports."""
    return event(type_, payload, channel=HOUSE)


def shipped_in_two(api: Any, story: demo.Story) -> dict[str, Any]:
    """Two shirts shipped in two parcels (LX-1, LX-2) from the warehouse."""
    order = place(api, story, SHIRT_L, lines=[{"sku": SHIRT_L, "quantity": 2}])
    for tracking in ("LX-1", "LX-2"):
        parcel = {
            "order": order["number"],
            "tracking": tracking,
            "carrier": "Logística Express",
            "lines": [{"sku": SHIRT_L, "quantity": 1}],
        }
        assert send(api, event("order.shipped", parcel, channel=HOUSE))["created"] == 1
    return order


def test_a_fulfilment_house_delivers_parcel_by_parcel(api, story, house):
    order = shipped_in_two(api, story)
    l_warehouse = units(SHIRT_L, WAREHOUSE)
    first = news("shipment.delivered", {"order": order["number"], "tracking": "LX-1"})

    assert send(api, first)["created"] == 1

    parcels = dict(Shipment.objects.values_list("tracking", "status"))
    assert parcels == {"LX-1": "delivered", "LX-2": "shipped"}
    assert Order.objects.get(number=order["number"]).status == "shipped"
    assert [p["tracking"] for p in announced("shipment.delivered")] == ["LX-1"]
    assert announced("order.delivered") == []

    before = snapshot()
    assert send(api, first)["duplicate"] == 1  # the same report again
    resent = news("shipment.delivered", {"order": order["number"], "tracking": "LX-1"})
    assert send(api, resent)["created"] == 1  # the house's news again, under a new id
    assert snapshot()[:-2] == before[:-2]

    last = news("shipment.delivered", {"order": order["number"], "tracking": "LX-2"})
    assert send(api, last)["created"] == 1
    assert Order.objects.get(number=order["number"]).status == "delivered"
    assert [p["order"] for p in announced("order.delivered")] == [order["number"]]
    assert units(SHIRT_L, WAREHOUSE) == l_warehouse  # delivering moves no stock


def test_order_delivered_delivers_every_parcel_on_its_way(api, story, house):
    order = shipped_in_two(api, story)
    report = news("order.delivered", {"order": order["number"]})

    assert send(api, report)["created"] == 1

    assert set(Shipment.objects.values_list("status", flat=True)) == {"delivered"}
    assert Order.objects.get(number=order["number"]).status == "delivered"
    assert sorted(p["tracking"] for p in announced("shipment.delivered")) == ["LX-1", "LX-2"]
    before = snapshot()
    again = news("order.delivered", {"order": order["number"]})
    assert send(api, again)["created"] == 1
    assert snapshot()[:-2] == before[:-2]


def test_bad_deliveries_are_rejected_with_their_field_and_write_nothing(api, story, house):
    placed = place(api, story, SHIRT_L, lines=[{"sku": SHIRT_L, "quantity": 2}])
    partly = place(api, story, SHIRT_L, lines=[{"sku": SHIRT_L, "quantity": 2}])
    parcel = {"order": partly["number"], "lines": [{"sku": SHIRT_L, "quantity": 1}]}
    send(api, event("order.shipped", {**parcel, "tracking": "LX-9"}, channel=HOUSE))
    taken = place(
        api,
        story,
        SHIRT_L,
        channel="pos",
        fulfilment="take_now",
        pickup_location=HOME,
        ship_address_kind=None,
    )
    before = snapshot()
    answer = send(
        api,
        news("shipment.delivered", {"order": partly["number"], "tracking": "NOPE"}),
        news("shipment.delivered", {"order": "NO-SUCH", "tracking": "LX-9"}),
        news("shipment.delivered", {"order": partly["number"]}),
        news("order.delivered", {"order": placed["number"]}),
        news("order.delivered", {"order": partly["number"]}),
        news("order.delivered", {"order": taken["number"]}),
    )
    found = [errors(answer, i) for i in range(6)]
    assert "no shipment NOPE" in found[0]["payload.tracking"]
    assert "no order" in found[1]["payload.order"]
    assert "Field required" in found[2]["payload.tracking"]
    assert "nothing was shipped" in found[3]["payload.order"]
    assert "report each shipment" in found[4]["payload.order"]
    assert "is not shipped: it is take_now" in found[5]["payload.order"]
    assert snapshot() == before
