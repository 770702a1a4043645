"""Loyalty points as a tender of an order (issue 15, decision 0015): part of a sale paid with
points and the rest by card or cash, spent once, refused whole when the points are not there,
given back in proportion by returns, shown on the receipts, and earning nothing again."""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.commerce.models import Order, Payment
from lealtad.loyalty.models import LedgerEntry, Member, Redemption
from lealtad.loyalty.services import members, movements
from tests.commerce.store_fixtures import HOME, SHIRT_S, client_for, units
from tests.loyalty.helpers import ACTOR, dispatch, program

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def member(story) -> Member:
    """The story's customer, a member of a club whose point is worth 0.01, with 1,200 points."""
    club = program()
    found = members.enrol(club, [story.customer_id])[story.customer_id]
    movements.adjust([movements.Adjust(found.pk, 1200, "bienvenida", "w1")], ACTOR)
    found.refresh_from_db()
    return found


def order_body(story, payment: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "customer_id": story.customer_id,
        "channel": "handheld",
        "lines": [{"sku": SHIRT_S, "quantity": extra.pop("quantity", 2)}],
        "fulfilment": "take_now",
        "pickup_location": HOME,
        "origin_location": HOME,
        "payment": payment,
        **extra,
    }


def place(clerk, story, payment: dict[str, Any], **extra: Any):
    return clerk.post("/api/v1/orders", order_body(story, payment, **extra), content_type=JSON)


def balance(found: Member) -> int:
    found.refresh_from_db()
    return found.balance


def test_points_pay_part_and_cash_the_rest_once(clerk, story, member) -> None:
    made = place(clerk, story, {"in_store": "cash", "points": 500}, idempotency_key="T-1")
    assert made.status_code == 201, made.content
    body = made.json()
    total = Decimal(body["total"])
    paid = {p["method"]: p for p in body["payments"]}
    assert Decimal(paid["points"]["amount"]) == Decimal("5.00") and paid["points"]["points"] == 500
    assert Decimal(paid["cash"]["amount"]) == total - Decimal("5.00")
    assert balance(member) == 700
    again = place(clerk, story, {"in_store": "cash", "points": 500}, idempotency_key="T-1")
    assert again.status_code == 200 and again.json()["number"] == body["number"]
    assert balance(member) == 700  # the repeat spent nothing more
    [spent] = Redemption.objects.all()
    assert (spent.points, spent.order_reference) == (500, body["number"])
    assert units(SHIRT_S, HOME) == (1, 0)


def test_points_with_a_card_authorize_only_the_rest(clerk, story, member) -> None:
    made = place(clerk, story, {"on_file": True, "points": 300})
    assert made.status_code == 201, made.content
    order = Order.objects.get(number=made.json()["number"])
    card = order.payments.exclude(gateway=Payment.POINTS_GATEWAY).get()
    assert card.amount == order.total - Decimal("3.00") and card.status == "captured"
    assert balance(member) == 900


def test_more_points_than_the_balance_writes_nothing(clerk, story, member) -> None:
    refused = place(clerk, story, {"on_file": True, "points": 1201})
    assert refused.status_code == 409, refused.content
    assert refused.json()["code"] == "insufficient_points"
    assert refused.json()["field"] == "payment.points"
    assert not Order.objects.exists() and not Payment.objects.exists()
    assert not Redemption.objects.exists() and balance(member) == 1200
    assert units(SHIRT_S, HOME) == (3, 0)


@pytest.mark.parametrize(
    ("payment", "extra", "status", "says"),
    [
        ({"points": 100}, {}, 422, "exactly one"),
        ({"in_store": "cash", "points": 0}, {}, 422, "points"),
    ],
)
def test_points_stay_within_their_limits(clerk, story, member, payment, extra, status, says):
    refused = place(clerk, story, payment, **extra)
    assert refused.status_code == status, refused.content
    assert says in refused.content.decode()
    assert not Order.objects.exists() and balance(member) == 1200


def test_points_pay_only_part_of_the_total(clerk, story, member) -> None:
    movements.adjust([movements.Adjust(member.pk, 20_000, "regalo", "w2")], ACTOR)
    refused = place(clerk, story, {"in_store": "cash", "points": 20_000})
    assert refused.status_code == 422, refused.content
    assert "must be below" in refused.json()["detail"]
    assert not Order.objects.exists() and not Redemption.objects.exists()


def test_a_customer_who_is_no_member_has_no_points(clerk, story) -> None:
    program()
    refused = place(clerk, story, {"in_store": "cash", "points": 10})
    assert refused.status_code == 422 and refused.json()["code"] == "not_a_member"
    assert not Order.objects.exists()


def give_back(clerk, number: str, quantity: int, key: str, refund_method: str = "original"):
    back = clerk.post(
        f"/api/v1/orders/{number}/returns",
        {
            "channel": "handheld",
            "location": HOME,
            "reason": "no le quedó",
            "lines": [{"sku": SHIRT_S, "quantity": quantity}],
            "refund_method": refund_method,
            "idempotency_key": key,
        },
        content_type=JSON,
    )
    assert back.status_code in (200, 201), back.content
    return back.json()


def test_returns_give_points_back_in_proportion(clerk, story, member) -> None:
    made = place(clerk, story, {"in_store": "cash", "points": 501}).json()
    number = made["number"]
    first = give_back(clerk, number, 1, "R-1")
    assert first["refund_points"] == {"method": "points", "points": 251, "value": "2.51"}
    give_back(clerk, number, 1, "R-1")  # a repeat gives nothing more
    order = Order.objects.get(number=number)
    refunds = order.payments.filter(kind="refund")
    points_back = refunds.get(gateway=Payment.POINTS_GATEWAY)
    assert points_back.method_label == "points" and points_back.amount == Decimal("2.51")
    assert points_back.points == 251  # half of 501, rounded half up
    cash_back = refunds.exclude(gateway=Payment.POINTS_GATEWAY).get()
    assert cash_back.amount + points_back.amount == Decimal(first["refund"])
    assert balance(member) == 1200 - 501 + 251
    give_back(clerk, number, 1, "R-2")
    assert balance(member) == 1200  # every point paid came back with the last unit
    back = order.payments.filter(kind="refund", gateway=Payment.POINTS_GATEWAY)
    assert sum(p.amount for p in back) == Decimal("5.01")
    assert sum(p.points for p in back) == 501
    money = order.payments.filter(kind="refund").exclude(gateway=Payment.POINTS_GATEWAY)
    assert sum(p.amount for p in money) == order.total - Decimal("5.01")


def test_a_cash_refund_of_a_card_sale_still_gives_points_back(token_client, story, member):
    refunder = token_client("supervisor", ("commerce:sell", "commerce:refund"))
    number = place(refunder, story, {"on_file": True, "points": 400}).json()["number"]
    back = give_back(refunder, number, 1, "R-cash", refund_method="cash")
    assert back["refund_method"] == "cash"
    assert back["refund_points"] == {"method": "points", "points": 200, "value": "2.00"}
    assert balance(member) == 1200 - 400 + 200
    order = Order.objects.get(number=number)
    cash = order.payments.get(kind="refund", method_label="cash")
    assert cash.amount == Decimal(back["refund"]) - Decimal("2.00")


def test_what_points_paid_earns_no_points(clerk, story, member) -> None:
    plain = place(clerk, story, {"in_store": "cash"}, quantity=1).json()
    with_points = place(clerk, story, {"in_store": "cash", "points": 1000}, quantity=1).json()
    dispatch()
    earned = {
        e.source_id: e.points
        for e in LedgerEntry.objects.filter(member=member, kind="earn", source_kind="order")
    }
    net = sum(Decimal(line["unit_price"]) * line["quantity"] for line in plain["lines"])
    assert earned[plain["number"]] == int(net * 10)
    total = Decimal(with_points["total"])
    share = net * (total - Decimal("10.00")) / total * 10
    assert earned[with_points["number"]] == int(share.to_integral_value(rounding=ROUND_FLOOR))
    assert earned[with_points["number"]] < earned[plain["number"]]


def test_the_receipts_show_the_points_in_spanish_and_english(clerk, story, member) -> None:
    made = place(clerk, story, {"in_store": "cash", "points": 500}).json()
    number, total = made["number"], Decimal(made["total"])
    spanish = client_for("store_clerk", HOME, language="es")
    sale_es = spanish.get(f"/store/orders/{number}/receipt/").content.decode()
    assert "500 puntos (5,00 USD)" in sale_es  # as Ecuador writes money
    rest = str(total - Decimal("5.00")).replace(".", ",")
    assert f"Efectivo: {rest} USD" in sale_es
    order_es = spanish.get(f"/store/orders/{number}/").content.decode()
    assert "500 puntos de fidelización" in order_es  # the order page names the tender
    english = client_for("store_clerk", HOME, language="en")
    assert (
        "500 points (5.00 USD)" in english.get(f"/store/orders/{number}/receipt/").content.decode()
    )
    back = give_back(clerk, number, 2, "R-all")
    receipt = english.get(f"/store/returns/{back['return']}/receipt/").content.decode()
    assert "500 points (5.00 USD)" in receipt and "Cash" in receipt


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(points=st.integers(min_value=1, max_value=1199), split=st.booleans())
def test_every_point_comes_back_whatever_the_returns(clerk, story, member, points, split):
    """However many points paid and however the goods come back, the returns give back
    exactly the points spent and the money paid, no more."""
    before = balance(member)
    made = place(clerk, story, {"in_store": "cash", "points": points})
    if made.status_code != 201:  # the shelf ran out of shirts in earlier examples
        assert made.json()["code"] == "out_of_stock"
        return
    number = made.json()["number"]
    for n, quantity in enumerate((1, 1) if split else (2,)):
        give_back(clerk, number, quantity, f"{number}-{n}")
    assert balance(member) == before
    order = Order.objects.get(number=number)
    back = order.payments.filter(kind="refund")
    assert sum(p.amount for p in back) == order.total


def test_the_handheld_offers_points_and_confirms_them(story, member) -> None:
    clerk = client_for("store_clerk", HOME)
    card = clerk.get(
        reverse("commerce:customer_card"), {"pick": story.customer_id, "sku": SHIRT_S}
    ).content.decode()
    assert "Balance: 1200 points, worth 12.00 USD" in card and 'id="pay-points"' in card
    assert card.index('id="order-form"') > card.index("loyalty-panel")  # no form in a form
    form = {
        "customer_id": story.customer_id,
        "sku": SHIRT_S,
        "quantity": "1",
        "fulfilment": "take_now",
        "pay": "cash",
    }
    review = clerk.get(reverse("commerce:review_order"), {**form, "points": "300"})
    page = review.content.decode()
    assert "300 points, worth 3.00 USD" in page and 'name="points" value="300"' in page
    refused = clerk.get(reverse("commerce:review_order"), {**form, "points": "5000"}, follow=True)
    assert "5000 points asked but the balance is 1200" in refused.content.decode()
    total = re.search(r'name="confirmed_total" value="([0-9.]+)"', page).group(1)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    confirm = {**form, "points": "300", "confirmed_total": total, "idempotency_key": key}
    clerk.post(reverse("commerce:place_order"), confirm)
    clerk.post(reverse("commerce:place_order"), confirm)  # a second tap
    assert Order.objects.count() == 1 and balance(member) == 900


def test_no_points_offered_to_a_customer_outside_the_program(story) -> None:
    program()
    clerk = client_for("store_clerk", HOME)
    card = clerk.get(
        reverse("commerce:customer_card"), {"pick": story.customer_id, "sku": SHIRT_S}
    ).content.decode()
    assert 'id="order-form"' in card and 'id="pay-points"' not in card


def test_an_exchange_of_an_order_paid_with_points_is_refused_whole(clerk, story, member) -> None:
    number = place(clerk, story, {"in_store": "cash", "points": 300}, quantity=1).json()["number"]
    refused = clerk.post(
        f"/api/v1/orders/{number}/exchanges",
        {
            "channel": "handheld",
            "location": HOME,
            "reason": "otra talla",
            "returns": [{"sku": SHIRT_S, "quantity": 1}],
            "replacements": [{"sku": "CAM-OXF-CEL-L", "quantity": 1}],
        },
        content_type=JSON,
    )
    assert refused.status_code == 409, refused.content
    assert "paid partly with loyalty points" in refused.json()["detail"]
    order = Order.objects.get(number=number)
    assert order.status == "completed" and not order.returns.exists()
    assert balance(member) == 900 and units("CAM-OXF-CEL-L", HOME) == (2, 0)
