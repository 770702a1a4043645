"""``lealtad demo`` with its purchase history, written to the database: the rows follow
commerce's rules, so the services take over from them (a new sale of a demo product, a
return of what is left of a demo order, the cross-channel story played after it)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F, Max, Min, Sum
from django.utils import timezone

from lealtad.commerce import demo, demo_assortment, selectors
from lealtad.commerce.demo_history import Purchases
from lealtad.commerce.models import (
    Order,
    OrderLine,
    Payment,
    Promotion,
    Return,
    ReturnLine,
    Stock,
    Variant,
)
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn, ReturnIn, ReturnLineIn
from lealtad.commerce.services import SaleContext
from lealtad.commerce.services import orders as order_services
from lealtad.commerce.services import returns as return_services
from lealtad.core.audit import Actor
from lealtad.customers.demo import loading

TODAY = timezone.localdate()


def _load(customers: int = 300, seed: int = 5) -> str:
    return loading.load(
        customers=customers,
        seed=seed,
        interactions_per_customer=2,
        progress=None,
        today=TODAY,
        shoppers=Purchases(seed),
    )


@pytest.mark.django_db(transaction=True)
def test_demo_loads_orders_that_follow_commerce_rules():
    report = _load()
    orders = Order.objects.count()
    assert orders > 600 and f"{orders:,} orders" in report
    assert f"{Return.objects.count():,} returns" in report
    span = Order.objects.aggregate(first=Min("placed_at"), last=Max("placed_at"))
    assert (TODAY - span["first"].date()).days > 800 and (TODAY - span["last"].date()).days < 30
    # the order's money is its lines' money
    sums = Order.objects.annotate(lines_total=Sum("lines__total"), lines_tax=Sum("lines__tax"))
    for total, tax, lines_total, lines_tax in sums.values_list(
        "total", "tax", "lines_total", "lines_tax"
    ):  # compared in Python: SQLite sums money as floating point
        assert (total, tax) == (lines_total, lines_tax)
    assert not OrderLine.objects.filter(returned__gt=F("quantity")).exists()
    # every historic order was handed over or shipped: nothing reserved, shelves stocked
    assert not Stock.objects.exclude(reserved=0).exists()
    assert not Stock.objects.filter(on_hand__lt=0).exists()
    assert Stock.objects.filter(variant__sku="FAR-VITC").count() == len(demo_assortment.LOCATIONS)
    # what came back was refunded on the charge it came from
    refunds = Payment.objects.filter(kind="refund").aggregate(n=Sum("amount"))["n"]
    assert refunds == Return.objects.aggregate(n=Sum("refund_amount"))["n"]
    assert refunds == ReturnLine.objects.aggregate(n=Sum("refund"))["n"]
    assert not Payment.objects.filter(refunded__gt=F("amount")).exists()
    # unit costs from each category's margin (25-60 %), and campaigns that price nothing now
    for variant in Variant.objects.all():
        assert variant.unit_cost is not None, variant.sku
        margin = 1 - variant.unit_cost / variant.price
        assert Decimal("0.25") <= margin <= Decimal("0.60"), variant.sku
    assert not Promotion.objects.filter(active=True, code="CYBER-20").exists()


@pytest.mark.django_db(transaction=True)
def test_the_services_take_over_from_the_history():
    _load(customers=120, seed=9)
    store = SaleContext(Actor(label="cajero", channel="pos"), "pos")
    # a demo customer buys a demo product at a demo store, the services' way
    buyer = Order.objects.values_list("customer_id", flat=True).first()
    order, _ = order_services.place_order(
        OrderIn(
            customer_id=buyer,
            channel="pos",
            lines=[LineIn(sku="FAR-VITC", quantity=2)],
            fulfilment="take_now",
            pickup_location="UIO-QUICENTRO",
            payment=PaymentIn(card_number="4111 1111 1111 1111"),
        ),
        store,
    )
    assert order.lines.get().location.code == "UIO-QUICENTRO"
    assert buyer is not None and selectors.customer_orders(buyer)[0].pk == order.pk
    # what was not brought back of a delivered demo order can still come back, once
    kept = Order.objects.filter(status="delivered", channel="web").first()
    assert kept is not None
    line = kept.lines.first()
    assert line is not None
    ret, _ = return_services.take_return(
        kept,
        ReturnIn(
            channel="pos",
            location="UIO-QUICENTRO",
            reason="No le gustó",
            lines=[ReturnLineIn(sku=line.sku, quantity=line.quantity)],
        ),
        store,
    )
    assert ret.refund_amount == line.total
    assert Payment.objects.filter(order=kept, kind="refund").count() == 1
    # and the cross-channel story's premise holds on the same catalog and stores: size M is
    # not at the store near home, but elsewhere
    demo.seed_catalog()
    demo.seed_customer()
    found = selectors.availability(demo.SHIRT_M, demo.STORE_HOME)
    assert found is not None and found["here"]["available"] == 0
    assert sum(r["available"] for r in found["locations"]) > 0
