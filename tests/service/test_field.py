"""Field service through its services: contracts and support levels, work orders dispatched,
parts from stock raising purchase orders, closing resolving the case, defects alerting."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.core.audit import Actor
from lealtad.core.models import OutboxMessage
from lealtad.service.models import (
    Case,
    DefectAlert,
    PartStock,
    PurchaseOrder,
    SupportGroup,
    WorkOrder,
    WorkOrderPart,
)
from lealtad.service.selectors import field as selectors
from lealtad.service.services import cases, contracts, defects, parts, technicians, workorders
from lealtad.service.services.field_common import FieldNotFound, FieldRefused, FieldState

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("despacho")
DAY = date(2026, 12, 7)  # a Monday


@pytest.fixture(autouse=True)
def _desk(db: None) -> None:
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)


def open_case(customer_id: int = 41) -> Case:
    return cases.open_case(
        cases.NewCase(
            subject="La caldera no enciende",
            category="post_sale",
            subtype="service_problem",
            customer_id=customer_id,
        ),
        ACTOR,
    )


def tech(name: str, skills=("caldera",), zones=("norte",), rate="20", location="VAN-1"):
    return technicians.add_technician(
        technicians.NewTechnician(
            name=name,
            skills=list(skills),
            zones=list(zones),
            hourly_rate=Decimal(rate),
            location=location,
        )
    )


def at(hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(DAY, time(hour, minute)))


def work_order(case: Case | None = None, minutes: int = 90, zone: str = "norte") -> WorkOrder:
    case = case or open_case()
    return workorders.open_work_order(
        workorders.NewWorkOrder(case.pk, "caldera", zone, minutes, "Av. Amazonas N35"), ACTOR
    )


def stocked(sku: str = "VAL-GAS", on_hand: int = 3, minimum: int = 2, location: str = "VAN-1"):
    parts.save_part(parts.NewPart(sku, "Válvula de gas", "Repuestos Andinos", Decimal("12.50"), 10))
    return parts.set_stock(sku, location, on_hand, minimum)


# Contracts ----------------------------------------------------------------------------------


def contract(number: str, level: str, start: date, end: date, customer_id: int = 41):
    return contracts.create_contract(
        contracts.NewContract(number, customer_id, level, start, end), ACTOR
    )


def test_the_support_level_is_the_best_contract_in_force_at_the_moment():
    contract("CT-1", "basic", date(2026, 1, 1), date(2026, 12, 31))
    contract("CT-2", "premium", date(2026, 6, 1), date(2026, 6, 30))
    assert selectors.support_level_of(41, date(2026, 3, 1)) == "basic"
    assert selectors.support_level_of(41, date(2026, 6, 15)) == "premium"
    assert selectors.support_level_of(41, date(2027, 1, 1)) is None
    assert selectors.support_level_of(99, date(2026, 3, 1)) is None
    contracts.cancel_contract("CT-1", ACTOR)
    assert selectors.support_level_of(41, date(2026, 3, 1)) is None


def test_support_of_names_the_contract_and_its_coverage_and_serials_find_it():
    contracts.create_contract(
        contracts.NewContract(
            "CT-7",
            41,
            "plus",
            date(2026, 1, 1),
            date(2026, 12, 31),
            coverage="24x7",
            serials=["SN-1", "SN-2"],
        ),
        ACTOR,
    )
    contract("CT-8", "plus", date(2026, 1, 1), date(2026, 6, 30))
    support = selectors.support_of(41, date(2026, 3, 1))
    assert support == selectors.Support("plus", "24x7", "CT-7")
    assert selectors.support_of(None) is None
    assert selectors.contract_for_serial("SN-2", date(2026, 3, 1)).number == "CT-7"
    assert selectors.contract_for_serial("SN-2", date(2027, 3, 1)) is None
    assert selectors.contract_for_serial("SN-9", date(2026, 3, 1)) is None


def test_bad_contracts_are_refused():
    with pytest.raises(FieldRefused) as refused:
        contract("CT-9", "gold", date(2026, 1, 1), date(2026, 2, 1))
    assert refused.value.field == "support_level"
    with pytest.raises(FieldRefused) as refused:
        contract("CT-9", "plus", date(2026, 2, 1), date(2026, 1, 1))
    assert refused.value.field == "ends_on"
    contract("CT-9", "plus", date(2026, 1, 1), date(2026, 2, 1))
    with pytest.raises(FieldState):
        contract("CT-9", "plus", date(2026, 1, 1), date(2026, 2, 1))
    with pytest.raises(FieldState):
        contracts.cancel_contract("CT-9", ACTOR) and contracts.cancel_contract("CT-9", ACTOR)


# Work orders ----------------------------------------------------------------------------------


def test_dispatch_picks_the_technician_with_the_skill_in_the_zone():
    tech("Ana", skills=("aire",))
    tech("Bruno", zones=("sur",))
    carla = tech("Carla")
    first = workorders.dispatch_order(work_order().number, DAY, ACTOR)
    assert (first.technician_id, first.starts_at) == (carla.pk, at(8))
    second = workorders.dispatch_order(work_order().number, DAY, ACTOR)
    assert (second.technician_id, second.starts_at) == (carla.pk, at(9, 30))
    assert [o.number for o in selectors.technician_day(carla.pk, DAY)] == [
        first.number,
        second.number,
    ]


def test_nobody_free_is_a_clear_refusal():
    tech("Carla")
    order = work_order(minutes=10 * 60)
    with pytest.raises(FieldState, match="No technician") as refused:
        workorders.dispatch_order(order.number, DAY, ACTOR)
    assert refused.value.field == "day"
    assert WorkOrder.objects.get(pk=order.pk).status == "open"


def test_a_manual_schedule_refuses_a_busy_technician_or_a_missing_skill():
    carla = tech("Carla")
    ana = tech("Ana", skills=("aire",))
    workorders.schedule(work_order().number, carla.pk, at(10), ACTOR)
    other = work_order()
    with pytest.raises(FieldState, match="already has a visit"):
        workorders.schedule(other.number, carla.pk, at(11), ACTOR)
    with pytest.raises(FieldRefused, match="skill"):
        workorders.schedule(other.number, ana.pk, at(11), ACTOR)
    assert WorkOrder.objects.get(pk=other.pk).technician_id is None


def test_closing_adds_labour_and_parts_to_the_case_and_resolves_it():
    tech("Carla", rate="20")
    stocked(on_hand=5, minimum=1)
    order = workorders.dispatch_order(work_order().number, DAY, ACTOR)
    workorders.use_part(order.number, "VAL-GAS", 2, ACTOR)
    done = workorders.close(order.number, 90, "Válvula cambiada", ACTOR)
    assert done.labour_cost == Decimal("30.00") and done.parts_cost == Decimal("25.00")
    case = Case.objects.get(pk=order.case_id)
    assert case.status == "resolved" and case.cost == Decimal("55.00")
    assert PartStock.objects.get(part__sku="VAL-GAS").on_hand == 3
    with pytest.raises(FieldState, match="already closed"):
        workorders.close(order.number, 10, "otra vez", ACTOR)
    assert Case.objects.get(pk=order.case_id).cost == Decimal("55.00")


def test_the_case_stays_open_while_another_work_order_on_it_is_open():
    tech("Carla")
    case = open_case()
    first = workorders.dispatch_order(work_order(case).number, DAY, ACTOR)
    second = work_order(case)
    workorders.close(first.number, 30, "Diagnóstico", ACTOR)
    assert Case.objects.get(pk=case.pk).status != "resolved"
    workorders.dispatch_order(second.number, DAY, ACTOR)
    workorders.close(second.number, 30, "Reparado", ACTOR)
    assert Case.objects.get(pk=case.pk).status == "resolved"


def test_a_part_not_in_stock_is_refused_and_nothing_is_written():
    tech("Carla")
    stocked(on_hand=1, minimum=0)
    order = workorders.dispatch_order(work_order().number, DAY, ACTOR)
    with pytest.raises(FieldState, match="Only 1") as refused:
        workorders.use_part(order.number, "VAL-GAS", 2, ACTOR)
    assert refused.value.field == "quantity"
    with pytest.raises(FieldNotFound):
        workorders.use_part(order.number, "NO-EXISTE", 1, ACTOR)
    assert not WorkOrderPart.objects.exists()
    assert PartStock.objects.get().on_hand == 1
    assert WorkOrder.objects.get(pk=order.pk).parts_cost == 0


def test_a_work_order_needs_an_open_case_and_sane_input():
    case = open_case()
    for bad, where in (
        ({"skill": " "}, "skill"),
        ({"zone": ""}, "zone"),
        ({"minutes": 0}, "minutes"),
    ):
        fields = {"case_id": case.pk, "skill": "caldera", "zone": "norte", "minutes": 60, **bad}
        with pytest.raises(FieldRefused) as refused:
            workorders.open_work_order(workorders.NewWorkOrder(**fields), ACTOR)
        assert refused.value.field == where
    cases.resolve(case.pk, ACTOR)
    with pytest.raises(FieldState):
        work_order(case)
    assert not WorkOrder.objects.exists()


# Spare parts and purchase orders ---------------------------------------------------------------


def test_falling_below_the_minimum_drafts_one_purchase_order_and_receiving_restocks():
    tech("Carla")
    stocked(on_hand=3, minimum=2)
    order = workorders.dispatch_order(work_order().number, DAY, ACTOR)
    workorders.use_part(order.number, "VAL-GAS", 1, ACTOR)  # 2 left: not below
    assert not PurchaseOrder.objects.exists()
    workorders.use_part(order.number, "VAL-GAS", 1, ACTOR)  # 1 left: below 2
    workorders.use_part(order.number, "VAL-GAS", 1, ACTOR)  # 0 left: already ordered
    po = PurchaseOrder.objects.get()
    assert (po.supplier, po.location, po.status) == ("Repuestos Andinos", "VAN-1", "draft")
    assert [(line.part.sku, line.quantity) for line in po.lines.all()] == [("VAL-GAS", 10)]
    assert OutboxMessage.objects.filter(event_type="purchase_order.drafted").count() == 1
    parts.send_purchase_order(po.number, ACTOR)
    parts.receive_purchase_order(po.number, ACTOR)
    assert PartStock.objects.get().on_hand == 10
    with pytest.raises(FieldState, match="already received"):
        parts.receive_purchase_order(po.number, ACTOR)
    assert PartStock.objects.get().on_hand == 10
    with pytest.raises(FieldState, match="not a draft"):
        parts.send_purchase_order(po.number, ACTOR)


def test_bad_stock_counts_are_refused():
    with pytest.raises(FieldNotFound):
        parts.set_stock("NADA", "VAN-1", 1, 1)
    stocked()
    with pytest.raises(FieldRefused) as refused:
        parts.set_stock("VAL-GAS", "VAN-1", -1, 1)
    assert refused.value.field == "on_hand"
    assert PartStock.objects.get().on_hand == 3


# Quality defects -------------------------------------------------------------------------------


def test_engineering_hears_once_when_a_product_passes_the_threshold_in_the_window():
    start = timezone.now() - timedelta(days=20)
    raised = []
    for i in range(7):
        _defect, alert = defects.record_defect(
            defects.NewDefect("CALD-X200", "No enciende"),
            ACTOR,
            at=start + timedelta(days=i),
            threshold=5,
            window_days=30,
        )
        raised.append(alert is not None)
    assert raised == [False, False, False, False, True, False, False]
    alert = DefectAlert.objects.get()
    assert (alert.product_sku, alert.count) == ("CALD-X200", 5)
    told = OutboxMessage.objects.get(event_type="defect.threshold_reached")
    assert told.payload["product_sku"] == "CALD-X200"
    assert selectors.defect_alerts() == [alert]


def test_defects_spread_beyond_the_window_raise_nothing():
    start = timezone.now() - timedelta(days=200)
    for i in range(6):
        defects.record_defect(
            defects.NewDefect("CALD-X200", "Fuga"), ACTOR, at=start + timedelta(days=40 * i)
        )
    assert not DefectAlert.objects.exists()


def test_a_defect_needs_a_product_a_description_and_a_real_case():
    with pytest.raises(FieldRefused):
        defects.record_defect(defects.NewDefect(" ", "Fuga"), ACTOR)
    with pytest.raises(FieldRefused):
        defects.record_defect(defects.NewDefect("CALD-X200", ""), ACTOR)
    with pytest.raises(FieldNotFound):
        defects.record_defect(defects.NewDefect("CALD-X200", "Fuga", case_id=999_999), ACTOR)


# Stock under any sequence of takes and deliveries -------------------------------------------

steps = st.lists(
    st.one_of(
        st.tuples(st.just("take"), st.integers(1, 4)),
        st.tuples(st.just("send"), st.just(0)),
        st.tuples(st.just("receive"), st.just(0)),
    ),
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps)
def test_stock_never_goes_negative_and_one_order_is_open_at_a_time(moves):
    PurchaseOrder.objects.all().delete()
    stocked(on_hand=6, minimum=3)
    expected = 6
    for kind, n in moves:
        open_pos = list(PurchaseOrder.objects.exclude(status="received"))
        if kind == "take":
            try:
                with transaction.atomic():
                    parts.take("VAL-GAS", "VAN-1", n)
                expected -= n
            except FieldState:
                assert n > expected  # refused only when too few
        elif kind == "send" and open_pos and open_pos[0].status == "draft":
            parts.send_purchase_order(open_pos[0].number, ACTOR)
        elif kind == "receive" and open_pos:
            parts.receive_purchase_order(open_pos[0].number, ACTOR)
            expected += sum(line.quantity for line in open_pos[0].lines.all())
        row = PartStock.objects.get()
        assert row.on_hand == expected >= 0
        still_open = PurchaseOrder.objects.exclude(status="received")
        assert still_open.count() <= 1
        if row.on_hand < row.minimum and kind == "take":
            assert still_open.exists()  # falling below the minimum always leaves one on order
