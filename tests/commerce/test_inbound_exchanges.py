"""``order.exchanged`` from a channel not on Lealtad (a store's own POS): the same exchange
operation as Lealtad's own (linked return and replacement, stock moved at each location, one
step on the timeline, announced), the difference recorded as the POS settled it and never sent
to the card gateway; bad events rejected with their field path, writing nothing; repeats
harmless."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from lealtad.channels.models import ReceivedEvent
from lealtad.commerce import demo
from lealtad.commerce.events import orders_section
from lealtad.commerce.models import Exchange, Order, Payment, Return
from lealtad.customers.models import Interaction
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

HOME, OFFICE, WAREHOUSE = demo.STORE_HOME, demo.STORE_OFFICE, demo.WAREHOUSE
SHIRT_L, SHIRT_M = "CAM-OXF-CEL-L", demo.SHIRT_M


def exchanged(number: str, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "order": number,
        "exchange_ref": "CAMBIO-7781",
        "location": OFFICE,
        "reason": "Talla grande: cambia por M",
        "returns": [{"sku": SHIRT_L, "quantity": 1}],
        "replacements": [{"sku": SHIRT_M, "quantity": 1}],
    }
    payload.update(overrides)
    return payload


def test_an_exchange_at_a_pos_off_lealtad_is_one_linked_operation(api, story, pos, spy):
    order = delivered(api, story, SHIRT_L)
    l_office, m_office = units(SHIRT_L, OFFICE), units(SHIRT_M, OFFICE)
    assert [c[0] for c in spy.calls] == ["authorize", "capture"]  # the web order's card
    spy.calls.clear()

    answer = send(api, event("order.exchanged", exchanged(order["number"])))

    assert answer["created"] == 1, answer
    assert answer["results"][0]["customer_id"] == story.customer_id
    found = Exchange.objects.select_related("ret", "replacement", "original_order").get()
    replacement = found.replacement
    assert (found.original_order.number, found.channel, found.difference) == (
        order["number"],
        POS,
        Decimal("0.00"),
    )
    assert found.ret.exchange_order_id == replacement.pk
    assert found.original_order.status == "returned"
    assert (replacement.channel, replacement.status, replacement.total) == (
        POS,
        "completed",
        Decimal("40.14"),
    )
    assert replacement.placed_at == datetime.fromisoformat("2026-11-20T16:30:00-05:00")
    # Stock: the L back on the receiving store's shelf, the M taken from it.
    assert units(SHIRT_L, OFFICE) == (l_office[0] + 1, 0)
    assert units(SHIRT_M, OFFICE) == (m_office[0] - 1, 0)
    # Money: the returned shirt pays for the new one; no card was touched.
    assert spy.calls == []
    paid = Payment.objects.get(order=replacement)
    assert (paid.status, paid.amount) == ("captured", Decimal("40.14"))
    # Announced, and one step on the timeline, with the POS as its channel.
    (told,) = announced("order.exchanged")
    assert (told["replacement"], told["settled"], told["settled_by"]) == (
        replacement.number,
        "even",
        POS,
    )
    assert announced("order.returned")[0]["return"] == found.ret.number
    step = Interaction.objects.get(customer_id=story.customer_id, related_type="exchange")
    assert (step.channel, step.related_id) == (POS, found.number)
    # The 360 shows it on the order it came from and on its replacement.
    rows = {row["number"]: row for row in orders_section(story.customer_id, frozenset())}
    assert rows[order["number"]]["exchanges"][0]["number"] == found.number
    assert rows[replacement.number]["exchange_of"]["order"] == order["number"]


def test_the_difference_the_pos_charged_is_its_own_payment(api, story, pos, spy):
    order = delivered(api, story, demo.TROUSERS_32)  # web: 10% off trousers, 46.47
    spy.calls.clear()
    payload = exchanged(
        order["number"],
        returns=[{"sku": demo.TROUSERS_32, "quantity": 1}],
        replacements=[{"sku": demo.TROUSERS_34, "quantity": 1}],  # in store: 51.64
        settlement={"reference": "TKT-0042", "method": "efectivo"},
    )

    assert send(api, event("order.exchanged", payload))["created"] == 1

    found = Exchange.objects.get()
    assert found.difference == Decimal("5.17")
    payments = list(found.replacement.payments.values_list("gateway", "reference", "amount"))
    card = Payment.objects.get(order__number=order["number"], authorization__isnull=False)
    assert payments == [
        (card.gateway, card.reference, Decimal("46.47")),  # the credit of the trousers back
        (f"external:{POS}", "TKT-0042", Decimal("5.17")),  # the cash the POS took
    ]
    assert spy.calls == []
    captured = [p for p in announced("payment.captured") if p["reference"] == "TKT-0042"]
    assert [(p["order"], p["amount"]) for p in captured] == [(found.replacement.number, "5.17")]
    assert announced("order.exchanged")[0]["settlement"] == "TKT-0042"


def test_the_difference_the_pos_refunded_is_its_own_refund(api, story, pos, spy):
    order = delivered(api, story, demo.TROUSERS_32)  # 46.47
    spy.calls.clear()
    payload = exchanged(
        order["number"],
        returns=[{"sku": demo.TROUSERS_32, "quantity": 1}],
        replacements=[{"sku": SHIRT_M, "quantity": 1}],  # 40.14
        settlement={"reference": "TKT-0043", "method": "efectivo"},
    )

    assert send(api, event("order.exchanged", payload))["created"] == 1

    assert Exchange.objects.get().difference == Decimal("-6.33")
    back = Payment.objects.get(order__number=order["number"], reference="TKT-0043")
    assert (back.kind, back.gateway, back.amount, back.method_label) == (
        "refund",
        f"external:{POS}",
        Decimal("6.33"),
        "efectivo",
    )
    card = back.original
    assert (card.status, card.refunded) == ("refunded", Decimal("46.47"))
    assert spy.calls == []
    refunded = [p for p in announced("payment.refunded") if p["reference"] == "TKT-0043"]
    assert [p["amount"] for p in refunded] == ["6.33"]


def test_a_difference_without_settlement_waits_for_its_payment(api, story, pos):
    order = delivered(api, story, demo.TROUSERS_32)
    payload = exchanged(
        order["number"],
        returns=[{"sku": demo.TROUSERS_32, "quantity": 1}],
        replacements=[{"sku": demo.TROUSERS_34, "quantity": 1}],
    )
    assert send(api, event("order.exchanged", payload))["created"] == 1
    replacement = Exchange.objects.get().replacement
    owed = replacement.payments.get(reference=f"unpaid:{replacement.number}")
    assert owed.amount == Decimal("5.17")

    paid = {"order": replacement.number, "reference": "TKT-0050", "amount": "5.17"}
    assert send(api, event("payment.captured", paid))["created"] == 1

    owed.refresh_from_db()
    assert (owed.status, owed.amount) == ("voided", Decimal("0.00"))
    taken = replacement.payments.filter(status="captured").values_list("amount", flat=True)
    assert sum(taken) == replacement.total


def test_a_replacement_the_store_lacks_is_never_oversold(api, story, pos):
    order = delivered(api, story, SHIRT_L)
    l_home, m_home = units(SHIRT_L, HOME), units(SHIRT_M, HOME)
    assert m_home == (0, 0)

    answer = send(api, event("order.exchanged", exchanged(order["number"], location=HOME)))

    assert answer["created"] == 1, answer
    replacement = Exchange.objects.get().replacement
    assert replacement.lines.get().location is None  # handed over there, not counted there
    assert units(SHIRT_M, HOME) == m_home
    assert units(SHIRT_L, HOME) == (l_home[0] + 1, 0)


def test_a_replacement_shipped_home_is_reserved_where_the_units_are(api, story, pos):
    order = delivered(api, story, SHIRT_L)
    m_warehouse = units(SHIRT_M, WAREHOUSE)
    payload = exchanged(
        order["number"],
        fulfilment="ship",
        ship_to={"line1": "Av. 12 de Octubre N24-593 y Luis Cordero", "city": "Quito"},
    )

    assert send(api, event("order.exchanged", payload))["created"] == 1

    replacement = Exchange.objects.get().replacement
    assert (replacement.status, replacement.fulfilment) == ("placed", "ship")
    assert replacement.ship_to["line1"].startswith("Av. 12 de Octubre")
    assert replacement.lines.get().location.code == WAREHOUSE
    assert units(SHIRT_M, WAREHOUSE) == (m_warehouse[0], m_warehouse[1] + 1)
    shipped = event("order.shipped", {"order": replacement.number, "tracking": "LX-1"})
    assert send(api, shipped)["created"] == 1
    assert Order.objects.get(pk=replacement.pk).status == "shipped"


def test_a_repeated_exchange_changes_nothing(api, story, pos):
    order = delivered(api, story, SHIRT_L)
    first = event("order.exchanged", exchanged(order["number"]))
    assert send(api, first)["created"] == 1
    before = snapshot()

    # The same event again: a duplicate, though its goods are back already.
    assert send(api, first)["duplicate"] == 1
    assert snapshot() == before
    # The same exchange under another event id (the POS resent it): recognised by its number.
    again = event("order.exchanged", exchanged(order["number"]))
    assert send(api, again)["created"] == 1
    after = snapshot()
    assert after[:-2] == before[:-2]  # only the event's receipt is new
    assert after[-1] == before[-1]  # the stock


def test_an_exchange_without_its_own_number_repeats_by_event_id(
    api, story, pos, django_capture_on_commit_callbacks
):
    order = place(api, story, SHIRT_L, lines=[{"sku": SHIRT_L, "quantity": 2}])
    # The card is captured once the ingestion's transaction committed.
    with django_capture_on_commit_callbacks(execute=True):
        send(api, event("order.shipped", {"order": order["number"]}, channel="web"))
    send(api, event("order.delivered", {"order": order["number"]}, channel="web"))
    first = event("order.exchanged", exchanged(order["number"], exchange_ref=""))
    assert send(api, first)["created"] == 1
    before = snapshot()
    # One L is still returnable, so the repeat passes the checks: the event id stops it.
    assert send(api, first)["duplicate"] == 1
    assert snapshot() == before
    assert Exchange.objects.get().idempotency_key == f"event:{first['id']}"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"order": "NO-SUCH-ORDER"}, "payload.order", "no order"),
        ({"returns": [{"sku": SHIRT_M, "quantity": 1}]}, "payload.returns.0.sku", "not on order"),
        (
            {"returns": [{"sku": SHIRT_L, "quantity": 1}, {"sku": SHIRT_L, "quantity": 1}]},
            "payload.returns.1.quantity",
            "at most 1 can come back",
        ),
        ({"returns": [{"sku": SHIRT_L, "quantity": 0}]}, "payload.returns.0.quantity", "greater"),
        ({"location": "NOWHERE"}, "payload.location", "unknown location NOWHERE"),
        (
            {"replacements": [{"sku": "NO-SUCH", "quantity": 1}]},
            "payload.replacements.0.sku",
            "unknown SKU NO-SUCH",
        ),
        (
            {"replacements": [{"sku": SHIRT_M, "quantity": 1, "location": "NOWHERE"}]},
            "payload.replacements.0.location",
            "unknown location NOWHERE",
        ),
        ({"replacements": []}, "payload.replacements", "at least 1"),
        ({"fulfilment": "ship"}, "payload.ship_to", "needs ship_to"),
        ({"reason": "x"}, "payload.reason", "at least 3"),
        ({"settlement": {"method": "efectivo"}}, "payload.settlement.reference", "required"),
        ({"colour": "blue"}, "payload.colour", "not permitted"),
    ],
)
def test_bad_exchanges_are_rejected_with_their_field_and_write_nothing(
    api, story, pos, change, field, message
):
    order = delivered(api, story, SHIRT_L)
    before = snapshot()

    answer = send(api, event("order.exchanged", exchanged(order["number"], **change)))

    found = errors(answer)
    assert message in found[field], found
    assert snapshot() == before


def test_every_problem_of_an_exchange_is_named(api, story, pos):
    order = delivered(api, story, SHIRT_L)
    payload = exchanged(
        order["number"],
        location="NOWHERE",
        returns=[{"sku": SHIRT_L, "quantity": 1}, {"sku": SHIRT_M, "quantity": 1}],
        replacements=[{"sku": SHIRT_M, "quantity": 1}, {"sku": "NO-SUCH", "quantity": 1}],
    )
    found = errors(send(api, event("order.exchanged", payload)))
    assert set(found) == {"payload.location", "payload.returns.1.sku", "payload.replacements.1.sku"}


def test_an_order_not_yet_received_cannot_be_exchanged(api, story, pos):
    order = place(api, story, SHIRT_L)
    before = snapshot()
    found = errors(send(api, event("order.exchanged", exchanged(order["number"]))))
    assert "nothing to exchange yet" in found["payload.order"]
    assert "at most 0 can come back" in found["payload.returns.0.quantity"]
    assert snapshot() == before


def test_a_good_exchange_is_applied_beside_a_rejected_one(api, story, pos):
    order = delivered(api, story, SHIRT_L)
    bad = event("order.exchanged", exchanged(order["number"], location="NOWHERE"))
    good = event("order.exchanged", exchanged(order["number"]))
    answer = send(api, bad, good)
    assert [r["status"] for r in answer["results"]] == ["rejected", "created"]
    assert Exchange.objects.count() == 1


def test_goods_whose_money_went_back_already_cannot_pay_for_replacements(api, story, pos):
    order = delivered(api, story, demo.TROUSERS_32)  # 46.47 on the card
    adjusted = post(
        api,
        f"/api/v1/orders/{order['number']}/price-adjustments",
        {"amount": "10.00", "reason": "descuento olvidado", "channel": "web"},
    )
    assert adjusted.status_code == 201, adjusted.content
    before = snapshot()
    payload = exchanged(
        order["number"],
        returns=[{"sku": demo.TROUSERS_32, "quantity": 1}],
        replacements=[{"sku": demo.TROUSERS_34, "quantity": 1}],
    )
    found = errors(send(api, event("order.exchanged", payload)))
    assert found == {
        "payload.returns": f"these goods were paid 46.47 USD, but only 36.47 of order "
        f"{order['number']}'s payments is left to give back"
    }
    assert snapshot() == before


def test_a_plain_return_from_a_pos_off_lealtad_is_taken_too(api, story, pos):
    order = delivered(api, story, SHIRT_L)
    l_office = units(SHIRT_L, OFFICE)
    back = {
        "order": order["number"],
        "location": OFFICE,
        "reason": "no le gustó",
        "lines": [{"sku": SHIRT_L, "quantity": 1}],
    }
    assert send(api, event("order.returned", back))["created"] == 1
    assert Order.objects.get(number=order["number"]).status == "returned"
    assert units(SHIRT_L, OFFICE) == (l_office[0] + 1, 0)


def test_two_returns_of_the_same_unit_in_one_batch_take_it_back_once(api, story, pos):
    """Both are checked against the order before the batch; the second is refused while
    applying and rejected alone, with the reason, instead of failing the whole request."""
    order = delivered(api, story, SHIRT_L)
    l_office = units(SHIRT_L, OFFICE)
    back = {
        "order": order["number"],
        "location": OFFICE,
        "reason": "no le gustó",
        "lines": [{"sku": SHIRT_L, "quantity": 1}],
    }
    first, second = event("order.returned", back), event("order.returned", back)
    answer = send(api, first, second)
    statuses = [r["status"] for r in answer["results"]]
    assert statuses == ["created", "rejected"], answer
    assert answer["results"][1]["errors"][0]["field"] == "payload"
    assert Return.objects.filter(order__number=order["number"]).count() == 1
    assert units(SHIRT_L, OFFICE) == (l_office[0] + 1, 0)
    assert not ReceivedEvent.objects.filter(event_id=second["id"]).exists()
