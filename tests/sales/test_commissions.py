"""Commissions accrued from real orders (commerce's API and the hub's dispatcher), previewed,
settled once, and clawed back by returns into the next open period."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.utils import timezone

from lealtad.commerce import demo
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.core.models import Delivery, OutboxMessage
from lealtad.sales.models import CommissionLine, CommissionSale
from lealtad.sales.services import commission_rules, commissions
from tests.loyalty.helpers import dispatch, place, ship_and_return

pytestmark = pytest.mark.django_db
MANAGER = Actor.system("manager")


@pytest.fixture
def story(db: object) -> demo.Story:
    demo.seed_catalog()
    return demo.seed_customer()


def rule(**values: Any):
    row = {
        "name": "Camisas 5%",
        "basis": "invoice",
        "rate": "0.05",
        "valid_from": (timezone.localdate() - timedelta(days=30)).isoformat(),
        **values,
    }
    return commission_rules.save_rule(row, MANAGER)


def net(order: dict[str, Any]) -> Decimal:
    return sum(
        (Decimal(line["total"]) - Decimal(line["tax"]) for line in order["lines"]), Decimal(0)
    )


def period(rep: int, days: int = 0) -> commissions.Period:
    today = timezone.localdate() + timedelta(days=days)
    return commissions.check_period(rep, today.replace(day=1), today)


def test_an_order_pays_its_seller_the_rule_rate_of_the_net_invoiced(api, story):
    rule()
    order = place(api, story, [{"sku": demo.SHIRT_M, "quantity": 2}])
    dispatch()
    [line] = CommissionLine.objects.all()
    sale = CommissionSale.objects.get()
    assert sale.attributed_by == "seller" and sale.order_number == order["number"]
    assert line.amount == (net(order) * Decimal("0.05")).quantize(Decimal("0.01"))
    assert line.kind == "earned" and line.rep_id == sale.rep_id


def test_a_rule_overlapping_another_is_refused_naming_both(db):
    first = rule(name="Todo 5%")
    with pytest.raises(DomainError) as refused:
        rule(name="Camisas 3%", rate="0.03", product_line="camisas")
    assert refused.value.kind == "conflict"
    assert "Camisas 3%" in str(refused.value) and "Todo 5%" in str(refused.value)
    assert str(first.pk) in str(refused.value)
    rule(name="Margen 2%", basis="margin", rate="0.02")  # another basis is a plan, not a clash


def test_rules_on_disjoint_product_lines_or_periods_both_stand(db):
    rule(name="Camisas", product_line="camisas")
    rule(name="Pantalones", product_line="pantalones")
    start = timezone.localdate() - timedelta(days=30)
    rule(
        name="Antes",
        product_line="zapatos",
        valid_from="2020-01-01",
        valid_to=str(start - timedelta(days=1)),
    )
    rule(name="Ahora", product_line="zapatos", valid_from=str(start))


def test_a_bad_rate_is_refused_naming_the_field(db):
    with pytest.raises(DomainError) as refused:
        rule(rate="5")
    assert refused.value.field == "rate"


def test_a_replayed_event_pays_nothing_more(api, story):
    rule()
    place(api, story, [{"sku": demo.SHIRT_M, "quantity": 1}])
    dispatch()
    before = list(CommissionLine.objects.values_list("amount", flat=True))
    OutboxMessage.objects.update(dispatched_at=None)
    Delivery.objects.all().update(status="pending")
    dispatch()
    messages = [
        commissions_message(m) for m in OutboxMessage.objects.filter(event_type="order.placed")
    ]
    commissions.apply_messages(messages * 2)
    assert list(CommissionLine.objects.values_list("amount", flat=True)) == before


def commissions_message(row: OutboxMessage):
    from lealtad.core import hub

    return hub.to_message(row)


def test_preview_then_settle_once(api, story):
    rule()
    place(api, story, [{"sku": demo.SHIRT_M, "quantity": 2}])
    dispatch()
    rep = CommissionSale.objects.get().rep_id
    shown = commissions.preview(period(rep))
    assert not shown["settled"] and shown["net"] == CommissionLine.objects.get().amount
    settled = commissions.settle(period(rep), MANAGER)
    assert settled["settled"] and settled["net"] == shown["net"]
    assert commissions.preview(period(rep))["lines"] == []  # nothing left to settle
    with pytest.raises(DomainError) as refused:
        commissions.settle(period(rep), MANAGER)
    assert refused.value.kind == "conflict"


def test_a_return_after_settlement_claws_back_in_the_next_open_period(api, story):
    rule()
    order = place(api, story, [{"sku": demo.SHIRT_M, "quantity": 2}])
    dispatch()
    rep = CommissionSale.objects.get().rep_id
    paid = commissions.settle(period(rep), MANAGER)
    ship_and_return(api, order["number"], demo.SHIRT_M, 1, "ret-1")
    dispatch()
    back = CommissionLine.objects.get(kind="clawback")
    earned = CommissionLine.objects.get(kind="earned")
    assert back.original_id == earned.pk and back.statement_id is None
    assert back.on > timezone.localdate()  # the settled period is closed
    assert back.amount == -(earned.amount / 2).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert commissions.settled(period(rep))["net"] == paid["net"]  # the statement is unchanged
    next_period = commissions.check_period(rep, back.on, back.on + timedelta(days=30))
    assert commissions.preview(next_period)["net"] == back.amount


def test_clawback_never_takes_more_than_was_paid(api, story):
    rule()
    order = place(api, story, [{"sku": demo.SHIRT_M, "quantity": 2}])
    dispatch()
    ship_and_return(api, order["number"], demo.SHIRT_M, 2, "ret-all")
    dispatch()
    total = sum(CommissionLine.objects.values_list("amount", flat=True), Decimal(0))
    assert total == 0
    assert CommissionLine.objects.filter(kind="clawback").count() == 1


def test_payment_basis_pays_when_the_money_is_captured(api, story):
    rule(name="Cobrado 4%", basis="payment", rate="0.04")
    order = place(api, story, [{"sku": demo.SHIRT_M, "quantity": 2}])
    dispatch()
    assert CommissionLine.objects.count() == 0  # only authorized: nothing paid yet
    shipped = api.post(
        f"/api/v1/orders/{order['number']}/ship", {"lines": []}, content_type="application/json"
    )
    assert shipped.status_code == 200, shipped.content
    dispatch()
    [line] = CommissionLine.objects.all()
    assert line.basis == "payment"
    assert line.amount == (net(order) * Decimal("0.04")).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_an_rma_claws_back_once_whichever_message_tells_it_first(api, story):
    from lealtad.core import hub

    rule()
    order = place(api, story, [{"sku": demo.SHIRT_M, "quantity": 2}])
    dispatch()
    ship_and_return(api, order["number"], demo.SHIRT_M, 2, "ret-rma")
    rma = hub.Message(
        0,
        "RMA-000001#rma.received",
        "rma.received",
        "service",
        story.customer_id,
        {"rma": "RMA-000001", "orders": [order["number"]]},
        timezone.now(),
    )
    commissions.apply_messages([rma])
    dispatch()  # commerce's own order.returned comes after: nothing more to take back
    [back] = CommissionLine.objects.filter(kind="clawback")
    assert back.reference == "RMA-000001"
    assert sum(CommissionLine.objects.values_list("amount", flat=True), Decimal(0)) == 0
