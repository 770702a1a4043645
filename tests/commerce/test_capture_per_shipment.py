"""Capture per shipment: the card pays for the goods that left, no more, and all of them.

An order's authorization is captured in parts, one per shipment (each the paid share of what
it carries); the shipment that completes the order takes what is left, to the cent; cancelling
what is left unshipped releases the rest; refunds give back only what was captured.
"""

from __future__ import annotations

import itertools
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.template.loader import render_to_string
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lealtad.commerce import demo
from lealtad.commerce import gateway as gateways
from lealtad.commerce.events import orders_section
from lealtad.commerce.models import Location, Order, OrderLine, Payment, Shipment, Stock
from lealtad.commerce.schemas import (
    LineIn,
    OrderIn,
    PaymentIn,
    ReturnIn,
    ReturnLineIn,
    ShipIn,
    ShipLineIn,
)
from lealtad.commerce.services import SaleContext, ship_order
from lealtad.commerce.services import catalog as catalog_services
from lealtad.commerce.services import orders as order_services
from lealtad.commerce.services import returns as return_services
from lealtad.core.audit import Actor
from lealtad.core.models import AuditEntry, OutboxMessage
from tests.commerce.test_shipments import place, post

pytestmark = pytest.mark.django_db

HOME, OFFICE, WAREHOUSE = demo.STORE_HOME, demo.STORE_OFFICE, demo.WAREHOUSE
CENT = Decimal("0.01")
_skus = itertools.count(1)


class _SpyGateway(gateways.TestGateway):
    """The test gateway, noting each call that moves money; ``refuse_capture`` makes the
    n-th capture fail, as a card network may."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.refuse_capture = 0

    def capture(
        self, reference: str, amount: Decimal, key: str = "", final: bool = False
    ) -> gateways.GatewayResult:
        self.calls.append(("capture", reference, amount, key, final))
        if self.refuse_capture and len(self.made("capture")) == self.refuse_capture:
            raise gateways.PaymentDeclined("authorization expired")
        return super().capture(reference, amount, key, final)

    def void(self, reference: str) -> None:
        self.calls.append(("void", reference))

    def refund(self, reference: str, amount: Decimal, key: str) -> gateways.GatewayResult:
        self.calls.append(("refund", reference, amount, key))
        return super().refund(reference, amount, key)

    def made(self, kind: str) -> list[tuple[Any, ...]]:
        return [c for c in self.calls if c[0] == kind]


@pytest.fixture
def card(monkeypatch: pytest.MonkeyPatch) -> _SpyGateway:
    spy = _SpyGateway()
    monkeypatch.setattr(gateways, "gateway", lambda: spy)
    return spy


def ship(api: Any, number: str, lines: list[dict[str, Any]] | None = None, **extra: Any) -> Any:
    return post(api, f"/api/v1/orders/{number}/ship", {"lines": lines or [], **extra})


def share(total: str, units: int, of: int) -> Decimal:
    return (Decimal(total) * units / of).quantize(CENT, ROUND_HALF_UP)


def captures(number: str) -> list[Payment]:
    return list(
        Payment.objects.filter(order__number=number, authorization__isnull=False).order_by("id")
    )


def authorization(number: str) -> Payment:
    return Payment.objects.get(
        order__number=number, kind="charge", authorization__isnull=True, original__isnull=True
    )


def announced(kind: str, number: str) -> list[dict[str, Any]]:
    found = OutboxMessage.objects.filter(event_type=kind, payload__order=number).order_by("id")
    return [m.payload for m in found]


def test_two_shipments_capture_two_shares_that_add_up_to_the_authorization(api, story, card):
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 3}])
    number, total = order["number"], order["total"]
    held = authorization(number)
    assert (held.status, held.amount) == ("authorized", Decimal(total))
    assert card.calls == []  # placing only holds the money

    first = ship(api, number, [{"sku": demo.TROUSERS_32, "quantity": 1}], idempotency_key="s1")
    assert first.status_code == 200, first.content
    one = share(total, 1, 3)
    [taken] = captures(number)
    tracking = first.json()["shipments"][0]["tracking"]
    assert (taken.amount, taken.status, taken.shipment.tracking) == (one, "captured", tracking)
    assert card.calls == [("capture", held.reference, one, f"s1:{held.pk}", False)]
    assert taken.reference == _ref(card.calls[0])

    rest = ship(api, number).json()
    assert rest["status"] == "shipped"
    first_cut, last_cut = captures(number)
    assert last_cut.amount == Decimal(total) - one  # what is left, to the cent
    assert first_cut.amount + last_cut.amount == held.amount
    held.refresh_from_db()
    assert held.status == "settled"
    assert (card.calls[-1][2], card.calls[-1][4]) == (last_cut.amount, True)  # the final one

    # Each capture is announced with its shipment and amount, and audited.
    events = announced("payment.captured", number)
    assert [(e["shipment"], e["amount"]) for e in events] == [
        (tracking, str(one)),
        (rest["shipments"][1]["tracking"], str(last_cut.amount)),
    ]
    assert [e["final"] for e in events] == [False, True]
    audits = AuditEntry.objects.filter(action="capture_payment", entity_id=number)
    assert sorted(a.changes["captured"][1] for a in audits) == sorted(
        [str(one), str(last_cut.amount)]
    )
    # The order API tells the same story.
    payments = api.get(f"/api/v1/orders/{number}").json()["payments"]
    assert [(p["status"], p["amount"], p.get("shipment")) for p in payments] == [
        ("settled", total, None),
        ("captured", str(one), tracking),
        ("captured", str(last_cut.amount), rest["shipments"][1]["tracking"]),
    ]
    assert (payments[0]["captured"], payments[0]["held"], payments[0]["voided"]) == (
        total,
        "0.00",
        "0.00",
    )
    assert payments[1]["authorization"] == held.reference


def test_shipping_again_with_the_same_key_captures_nothing_more(api, story, card):
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 2}])
    number = order["number"]
    lines = [{"sku": demo.TROUSERS_32, "quantity": 1}]
    first = ship(api, number, lines, idempotency_key="parcel-7").json()
    again = ship(api, number, lines, idempotency_key="parcel-7").json()
    assert again["shipments"] == first["shipments"]
    assert len(captures(number)) == 1
    assert len(card.made("capture")) == 1
    assert len(announced("payment.captured", number)) == 1
    # The gateway is asked with the shipment's key: a retried call is the same capture.
    [(_, reference, amount, key, _final)] = card.made("capture")
    same = gateways.TestGateway()
    assert same.capture(reference, amount, key).reference == captures(number)[0].reference


def test_cancelling_the_rest_after_a_partial_shipment_voids_what_is_held(api, story, card):
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 3}])
    number, total = order["number"], order["total"]
    ship(api, number, [{"sku": demo.TROUSERS_32, "quantity": 1}])
    reserved = Stock.objects.get(variant__sku=demo.TROUSERS_32, location__code=WAREHOUSE)
    assert reserved.reserved == 2

    cancelled = api.post(f"/api/v1/orders/{number}/cancel?reason=ya+no+lo+quiere")
    assert cancelled.status_code == 200, cancelled.content
    cancelled = cancelled.json()
    assert cancelled["status"] == "shipped"  # the parcel that left is still on its way
    held = authorization(number)
    kept = share(total, 1, 3)
    assert held.status == "voided"
    assert card.calls[-1] == ("void", held.reference)
    assert cancelled["payments"][0]["captured"] == str(kept)
    assert cancelled["payments"][0]["voided"] == str(Decimal(total) - kept)
    assert [p["amount"] for p in announced("payment.voided", number)] == [
        str(Decimal(total) - kept)
    ]
    [void] = AuditEntry.objects.filter(action="void_payment", entity_id=number)
    assert void.changes["voided"] == [None, str(Decimal(total) - kept)]
    [gone] = announced("order.cancelled", number)
    assert gone["lines"] == [{"sku": demo.TROUSERS_32, "quantity": 2}]
    reserved.refresh_from_db()
    assert reserved.reserved == 0
    # Nothing more ships, and the parcel on its way still arrives.
    assert ship(api, number).status_code == 409
    done = api.post(f"/api/v1/orders/{number}/deliver").json()
    assert done["status"] == "delivered"
    assert api.post(f"/api/v1/orders/{number}/cancel").status_code == 409


def test_cancelling_the_rest_once_the_parcels_arrived_leaves_the_order_delivered(api, story):
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 2}])
    number = order["number"]
    ship(api, number, [{"sku": demo.TROUSERS_32, "quantity": 1}])
    api.post(f"/api/v1/orders/{number}/deliver")
    done = api.post(f"/api/v1/orders/{number}/cancel").json()
    assert done["status"] == "delivered"
    assert announced("order.delivered", number) == [
        {"order": number, "customer_id": story.customer_id}
    ]


def test_a_placed_order_cancelled_voids_the_whole_hold(api, story, card):
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 1}])
    cancelled = api.post(f"/api/v1/orders/{order['number']}/cancel").json()
    assert cancelled["status"] == "cancelled"
    [held] = cancelled["payments"]
    assert (held["status"], held["voided"], held["captured"]) == (
        "voided",
        order["total"],
        "0.00",
    )
    assert [c[0] for c in card.calls] == ["void"]


def test_refunds_give_back_only_what_the_shipments_captured(api, story, card):
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 3}])
    number, total = order["number"], order["total"]
    ship(api, number, [{"sku": demo.TROUSERS_32, "quantity": 1}])
    one = share(total, 1, 3)
    body = {
        "channel": "pos",
        "location": HOME,
        "reason": "no le queda",
        "lines": [{"sku": demo.TROUSERS_32, "quantity": 2}],
    }
    # Goods that never left cannot come back, so no money that was never taken goes back.
    refused = post(api, f"/api/v1/orders/{number}/returns", body)
    assert refused.status_code == 409
    assert "only 1 received" in refused.json()["detail"]
    # More than was captured cannot be given back at someone's discretion either.
    too_much = post(
        api,
        f"/api/v1/orders/{number}/price-adjustments",
        {"amount": str(one + CENT), "reason": "bajó de precio", "channel": "call_center"},
    )
    assert too_much.status_code == 409
    assert not card.made("refund")
    one_back = {**body, "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}]}
    back = post(api, f"/api/v1/orders/{number}/returns", one_back)
    assert back.json()["refund"] == str(one)
    [taken] = captures(number)
    assert (taken.refunded, taken.status) == (one, "refunded")
    [(_, reference, amount, _key)] = card.made("refund")
    assert (reference, amount) == (taken.reference, one)  # back from the capture itself
    assert order_services.refundable(Order.objects.get(number=number)) == Decimal("0.00")


def test_a_capture_refused_after_the_parcel_left_is_failed_told_and_held_again(api, story, card):
    """The gateway is called once the shipment committed, so goods may have left when the
    card refuses: the shipment stands, the refused capture is ``failed`` (audited and
    announced for someone to collect), the others are taken and the rest stays held."""
    order = place(
        api,
        story,
        [
            {"sku": demo.TROUSERS_32, "quantity": 1, "location": WAREHOUSE},
            {"sku": demo.SHIRT_M, "quantity": 1, "location": OFFICE},
        ],
    )
    card.refuse_capture = 2  # the second parcel's capture fails
    response = ship(api, order["number"])
    assert response.status_code == 200, response.content
    assert Shipment.objects.filter(order__number=order["number"]).count() == 2
    taken, refused = captures(order["number"])
    assert (taken.status, refused.status) == ("captured", "failed")
    assert refused.reference == ""
    held = authorization(order["number"])
    assert held.status == "authorized"  # what the refused capture asked is held again
    assert card.made("refund") == []
    [told] = announced("payment.capture_failed", order["number"])
    assert (told["amount"], told["reason"]) == (str(refused.amount), "authorization expired")
    [audit] = AuditEntry.objects.filter(action="capture_failed", entity_id=order["number"])
    assert audit.changes["refused"] == [None, str(refused.amount)]
    assert [e["amount"] for e in announced("payment.captured", order["number"])] == [
        str(taken.amount)
    ]
    payments = api.get(f"/api/v1/orders/{order['number']}").json()["payments"]
    assert payments[0]["held"] == str(held.amount - taken.amount)


def _ref(call: tuple[Any, ...]) -> str:
    _, reference, amount, key, _final = call
    return gateways.TestGateway().capture(reference, amount, key).reference


def test_collecting_a_pickup_order_captures_it_all(api, story, card):
    order = place(
        api,
        story,
        [{"sku": demo.TROUSERS_32, "quantity": 2}],
        fulfilment="pickup",
        pickup_location=OFFICE,
        ship_address_kind=None,
    )
    api.post(f"/api/v1/orders/{order['number']}/collect")
    [taken] = captures(order["number"])
    assert (taken.amount, taken.shipment_id) == (Decimal(order["total"]), None)
    assert authorization(order["number"]).status == "settled"
    [event] = announced("payment.captured", order["number"])
    assert (event["amount"], event["shipment"], event["final"]) == (order["total"], None, True)


def test_the_360_order_view_shows_each_capture_with_its_shipment(api, story):
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 2}])
    parcel = ship(api, order["number"], [{"sku": demo.TROUSERS_32, "quantity": 1}]).json()
    [row] = [
        o for o in orders_section(story.customer_id, frozenset()) if o["number"] == order["number"]
    ]
    held, taken = row["payments"]
    assert (held["status"], held["held"]) == (
        "authorized",
        str(Decimal(order["total"]) - share(order["total"], 1, 2)),
    )
    assert (taken["shipment"], taken["amount"]) == (
        parcel["shipments"][0]["tracking"],
        str(share(order["total"], 1, 2)),
    )
    listed = api.get(f"/api/v1/customers/{story.customer_id}/orders").json()["orders"]
    assert listed[0]["payments"] == row["payments"]
    card = render_to_string("commerce/_customer_orders.html", {"orders": [row]})
    assert card.count('class="meta payment"') == 2
    assert parcel["shipments"][0]["tracking"] in card


def test_a_shipped_replacement_is_paid_by_its_credit_first_then_by_the_card(api, story, card):
    order = place(api, story, [{"sku": demo.TROUSERS_32, "quantity": 1}])
    ship(api, order["number"])
    found = post(
        api,
        f"/api/v1/orders/{order['number']}/exchanges",
        {
            "channel": "pos",
            "location": OFFICE,
            "reason": "Talla pequeña: cambia por 34",
            "returns": [{"sku": demo.TROUSERS_32, "quantity": 1}],
            "replacements": [{"sku": demo.TROUSERS_34, "quantity": 2}],
            "fulfilment": "ship",
            "ship_address_kind": "home",
        },
    )
    assert found.status_code == 201, found.content
    replacement = found.json()["replacement_order"]
    number, total = replacement["number"], Decimal(replacement["total"])
    credit = Decimal(order["total"])
    held = authorization(number)
    assert held.amount == total - credit  # only the difference is held on the card
    # The first pair is paid by the returned trousers' credit first, the card the rest of it.
    ship(api, number, [{"sku": demo.TROUSERS_34, "quantity": 1}])
    [first] = captures(number)
    assert first.amount == share(replacement["total"], 1, 2) - credit
    # Part of it gone: the rest cannot be cancelled while the credit would go back whole.
    assert api.post(f"/api/v1/orders/{number}/cancel").status_code == 409
    ship(api, number)
    first, last = captures(number)
    assert first.amount + last.amount == held.amount
    held.refresh_from_db()
    assert held.status == "settled"


# Any basket, any discount, any split ------------------------------------------------------


def _paid_for_shipped(order: Order) -> Decimal:
    """What the units shipped so far were paid: each line's total in proportion, to the cent."""
    return sum(
        (
            (line.total * line.shipped / line.quantity).quantize(CENT, ROUND_HALF_UP)
            for line in OrderLine.objects.filter(order=order)
        ),
        Decimal("0.00"),
    )


def _sale_items(prices: list[Decimal], units: list[int]) -> list[str]:
    skus = []
    for price, quantity in zip(prices, units, strict=True):
        sku = f"HYP-{next(_skus)}"
        catalog_services.upsert_product(
            sku, f"Artículo {sku}", variants=[{"sku": sku, "price": price}]
        )
        catalog_services.receive_stock(sku, WAREHOUSE, quantity)
        skus.append(sku)
    return skus


basket = st.lists(
    st.tuples(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2),
        st.integers(min_value=1, max_value=6),
    ),
    min_size=1,
    max_size=3,
)
discounts = st.one_of(
    st.none(),
    st.tuples(st.just("percent"), st.integers(min_value=1, max_value=100).map(Decimal)),
    st.tuples(
        st.just("amount"),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2),
    ),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=basket, discount=discounts, data=st.data())
def test_captures_add_up_to_the_authorization_whatever_the_split(story, lines, discount, data):
    """However the basket is priced and split into parcels (and whatever comes back between
    them), each capture is positive, together they never pass what was held, the completing
    one takes exactly the rest, and refunds never pass what was captured."""
    prices, units = [p for p, _ in lines], [q for _, q in lines]
    skus = _sale_items(prices, units)
    if discount is not None:
        catalog_services.upsert_promotion(
            f"HYP-{next(_skus)}", name="prueba", kind=discount[0], value=discount[1], skus=skus
        )
    ctx = SaleContext(Actor.system("test"), "web")
    order, _ = order_services.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=s, quantity=q) for s, q in zip(skus, units, strict=True)],
            fulfilment="ship",
            ship_address_kind="home",
            payment=PaymentIn(on_file=True),
        ),
        ctx,
    )
    held = order.payments.get()
    assert held.amount == order.total
    left = dict(zip(skus, units, strict=True))
    refunded = Decimal("0.00")
    while any(left.values()):
        parcel = {
            sku: data.draw(st.integers(min_value=0, max_value=n), label=sku)
            for sku, n in left.items()
            if n
        }
        if not any(parcel.values()):
            parcel = {next(sku for sku, n in left.items() if n): 1}
        ship_order(
            order,
            ShipIn(lines=[ShipLineIn(sku=s, quantity=q) for s, q in parcel.items() if q]),
            ctx,
        )
        for sku, q in parcel.items():
            left[sku] -= q
        taken = captures(order.number)
        assert all(p.amount > 0 for p in taken)
        assert sum(p.amount for p in taken) == _paid_for_shipped(order) <= held.amount
        if data.draw(st.booleans(), label="return one"):
            sku = next(s for s, q in parcel.items() if q)
            back = return_services.take_back(
                order,
                ReturnIn(
                    channel="pos",
                    location=HOME,
                    reason="no le queda",
                    lines=[ReturnLineIn(sku=sku, quantity=1)],
                ),
                Location.objects.get(code=HOME),
                ctx,
            )
            refunded += back.refund_amount
            assert refunded <= sum(p.amount for p in captures(order.number))
    taken = captures(order.number)
    event(f"{len(taken)} capture(s), {'a' if discount else 'no'} discount")
    assert sum(p.amount for p in taken) == held.amount == order.total
    held.refresh_from_db()
    assert held.status == "settled"
    assert all(p.refunded <= p.amount for p in taken)
