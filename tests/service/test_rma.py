"""RMAs against commerce's orders: a web order returned in a store, refunds with and without
the goods, several orders at once, replacements, and every refusal writing nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from lealtad.commerce import demo
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn, ShipIn
from lealtad.commerce.services import SaleContext, shipments
from lealtad.commerce.services import orders as order_services
from lealtad.commerce.services.placement import place_order
from lealtad.core.audit import Actor
from lealtad.core.models import OutboxMessage
from lealtad.service.models import Rma, RmaLine
from lealtad.service.services import contracts, rma
from lealtad.service.services.field_common import FieldNotFound, FieldRefused, FieldState
from lealtad.service.services.rma import NewRma, RmaLineIn

pytestmark = pytest.mark.django_db
AGENT = Actor.system("agente")
SHIRT_L = "CAM-OXF-CEL-L"


@pytest.fixture
def story(db: None) -> demo.Story:
    demo.seed_catalog()
    return demo.seed_customer()


def shipped(story: demo.Story, sku: str = SHIRT_L, quantity: int = 1) -> str:
    """A web order, paid by card, shipped: its units can come back."""
    ctx = SaleContext(Actor.system("web"), "web")
    order, _ = place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=sku, quantity=quantity)],
            fulfilment="ship",
            ship_address_kind="home",
            payment=PaymentIn(on_file=True),
        ),
        ctx,
    )
    shipments.ship_order(order, ShipIn(tracking=f"LX-{order.pk}"), ctx)
    return order.number


def order(number: str):
    return order_services.get_order(number)


def authorized(story, numbers, **more) -> Rma:
    lines = [RmaLineIn(order_number=n, sku=SHIRT_L, quantity=1) for n in numbers]
    return rma.authorize(
        NewRma(customer_id=story.customer_id, reason="Costura rota", lines=lines, **more), AGENT
    )


def test_a_web_order_comes_back_in_a_store_and_is_refunded_to_the_card(story):
    number = shipped(story)
    paid = order(number).lines.get().total
    made = authorized(story, [number])
    assert made.number.startswith("RMA-") and made.return_required
    rma.receive(made.number, demo.STORE_HOME, AGENT, channel="pos")
    rma.inspect(made.number, True, "Costura abierta en la manga", AGENT)
    done = rma.resolve(made.number, "refund", AGENT)
    assert done.status == "resolved" and done.refund_amount == paid
    line = RmaLine.objects.get(rma=done)
    assert line.commerce_reference.startswith("DEV")
    the_order = order(number)
    assert the_order.returns.get().location.code == demo.STORE_HOME
    assert the_order.lines.get().returned == 1
    events = OutboxMessage.objects.filter(
        event_type__startswith="rma.", customer_id=story.customer_id
    )
    assert sorted(events.values_list("event_type", flat=True)) == [
        "rma.authorized",
        "rma.received",
        "rma.resolved",
    ]
    resolved = events.get(event_type="rma.resolved").payload
    assert resolved["orders"] == [number] and Decimal(resolved["refund"]) == paid


def test_an_rma_from_a_case_writes_its_steps_on_the_case(story):
    from lealtad.service.models import CaseEntry, SupportGroup
    from lealtad.service.services import cases

    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    case = cases.open_case(
        cases.NewCase(subject="Camisa rota", category="complaint", customer_id=story.customer_id),
        AGENT,
    )
    made = authorized(story, [shipped(story)], case_id=case.pk)
    rma.receive(made.number, demo.STORE_HOME, AGENT)
    notes = CaseEntry.objects.filter(case=case, kind="note").values_list("data", flat=True)
    assert [n["rma"] for n in notes] == [made.number, made.number]


def test_one_rma_covers_several_orders_of_the_customer(story):
    first, second = shipped(story), shipped(story)
    made = authorized(story, [first, second])
    rma.receive(made.number, demo.WAREHOUSE, AGENT)
    rma.inspect(made.number, False, "Sin uso", AGENT)
    done = rma.resolve(made.number, "refund", AGENT)
    paid = order(first).lines.get().total + order(second).lines.get().total
    assert done.refund_amount == paid
    assert order(first).lines.get().returned == 1 and order(second).lines.get().returned == 1


def test_without_a_physical_return_the_refund_is_a_price_adjustment(story):
    number = shipped(story)
    made = authorized(story, [number], return_required=False)
    with pytest.raises(FieldState, match="needs no goods back"):
        rma.receive(made.number, demo.STORE_HOME, AGENT)
    rma.inspect(made.number, True, "Foto del daño", AGENT)
    done = rma.resolve(made.number, "refund", AGENT, refund_amount=Decimal("5.00"))
    assert done.refund_amount == Decimal("5.00")
    assert order(number).lines.get().returned == 0  # the goods stayed with the customer
    assert order(number).adjustments.get().amount == Decimal("5.00")


def test_a_contract_can_waive_the_return(story):
    contracts.create_contract(
        contracts.NewContract(
            number="CT-1",
            customer_id=story.customer_id,
            support_level="premium",
            starts_on=date.today() - timedelta(days=1),
            ends_on=date.today() + timedelta(days=300),
            return_required=False,
        ),
        AGENT,
    )
    assert not authorized(story, [shipped(story)]).return_required


def test_a_refund_beyond_what_was_paid_is_refused_and_writes_nothing(story):
    number = shipped(story)
    paid = order(number).lines.get().total
    made = authorized(story, [number], return_required=False)
    rma.inspect(made.number, True, "", AGENT)
    with pytest.raises(FieldRefused, match="at most") as refused:
        rma.resolve(made.number, "refund", AGENT, refund_amount=paid + Decimal("0.01"))
    assert refused.value.field == "refund_amount"
    assert Rma.objects.get(pk=made.pk).status == "inspected"
    assert not order(number).adjustments.exists()
    assert not OutboxMessage.objects.filter(event_type="rma.resolved").exists()


def test_receiving_twice_is_refused(story):
    made = authorized(story, [shipped(story)])
    rma.receive(made.number, demo.STORE_HOME, AGENT)
    with pytest.raises(FieldState, match="already received") as refused:
        rma.receive(made.number, demo.STORE_OFFICE, AGENT)
    assert refused.value.kind == "conflict"
    assert Rma.objects.get(pk=made.pk).received_location == demo.STORE_HOME
    assert OutboxMessage.objects.filter(event_type="rma.received").count() == 1


def test_a_replacement_is_a_commerce_exchange(story):
    number = shipped(story)
    made = authorized(story, [number])
    rma.receive(made.number, demo.WAREHOUSE, AGENT)
    rma.inspect(made.number, True, "Defecto de tela", AGENT)
    done = rma.resolve(made.number, "replace", AGENT)
    reference = RmaLine.objects.get(rma=done).commerce_reference
    exchange = order(number).exchanges.get()
    assert reference == exchange.number
    assert exchange.replacement.lines.get().sku == SHIRT_L


def test_bad_requests_are_refused_naming_the_field(story):
    number = shipped(story)
    cases = [
        (NewRma(story.customer_id, "x", [RmaLineIn(number, SHIRT_L)]), FieldRefused, "reason"),
        (NewRma(story.customer_id, "Rota", []), FieldRefused, "lines"),
        (
            NewRma(story.customer_id, "Rota", [RmaLineIn(number, SHIRT_L)], channel="pigeon"),
            FieldRefused,
            "channel",
        ),
        (
            NewRma(story.customer_id, "Rota", [RmaLineIn("PED-NADA", SHIRT_L)]),
            FieldNotFound,
            "lines.0.order_number",
        ),
        (
            NewRma(story.customer_id + 1, "Rota", [RmaLineIn(number, SHIRT_L)]),
            FieldNotFound,
            "lines.0.order_number",
        ),
        (
            NewRma(story.customer_id, "Rota", [RmaLineIn(number, "PAN-CHI-AZM-32")]),
            FieldRefused,
            "lines.0.sku",
        ),
        (
            NewRma(story.customer_id, "Rota", [RmaLineIn(number, SHIRT_L, 2)]),
            FieldRefused,
            "lines.0.quantity",
        ),
    ]
    for new, error, where in cases:
        with pytest.raises(error) as refused:
            rma.authorize(new, AGENT)
        assert refused.value.field == where, new
    assert not Rma.objects.exists()


def test_units_already_under_an_open_rma_cannot_be_authorized_again(story):
    number = shipped(story)
    authorized(story, [number])
    with pytest.raises(FieldRefused, match="can still come back"):
        authorized(story, [number])


def test_resolving_before_inspection_or_twice_is_refused(story):
    made = authorized(story, [shipped(story)])
    with pytest.raises(FieldState, match="inspected first"):
        rma.resolve(made.number, "repair", AGENT)
    rma.receive(made.number, demo.STORE_HOME, AGENT)
    rma.inspect(made.number, False, "", AGENT)
    assert rma.resolve(made.number, "repair", AGENT).resolution == "repair"
    with pytest.raises(FieldState):
        rma.resolve(made.number, "refund", AGENT)
