"""The field-service API: capabilities per route, refusals as 404/409/422 with the field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lealtad.commerce import demo
from lealtad.core.audit import Actor
from lealtad.service.models import Case, SupportGroup, Technician
from lealtad.service.services import cases, parts
from lealtad.service.services.parts import NewPart

pytestmark = pytest.mark.django_db
BASE = "/api/v1/service"


@pytest.fixture
def technician_api(token_client):
    return token_client("technician", ("service:handle",))


@pytest.fixture
def supervisor_api(token_client):
    return token_client("supervisor", ("service:supervise",))


@pytest.fixture
def customer_id(db: None) -> int:
    return demo.seed_customer().customer_id


@pytest.fixture
def case(customer_id: int) -> Case:
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    return cases.open_case(
        cases.NewCase(subject="Caldera", category="post_sale", customer_id=customer_id),
        Actor.system("t"),
    )


def test_a_visit_from_case_to_close_over_the_api(technician_api, supervisor_api, case):
    Technician.objects.create(
        name="Carla", skills=["caldera"], zones=["norte"], hourly_rate=40, location="VAN-1"
    )
    parts.save_part(NewPart("VAL-GAS", "Válvula", "Repuestos Andinos", Decimal("12.50")))
    answer = supervisor_api.put(
        f"{BASE}/parts/VAL-GAS/stock/VAN-1",
        {"on_hand": 2, "minimum": 2},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    made = technician_api.post(
        f"{BASE}/work-orders",
        {"case_id": case.pk, "skill": "caldera", "zone": "norte", "minutes": 60},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    number = made.json()["number"]
    # a technician may not dispatch
    refused = technician_api.post(
        f"{BASE}/work-orders/{number}/dispatch",
        {"day": "2026-12-07"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    planned = supervisor_api.post(
        f"{BASE}/work-orders/{number}/dispatch",
        {"day": "2026-12-07"},
        content_type="application/json",
    )
    assert planned.status_code == 200 and planned.json()["technician"] == "Carla"
    short = technician_api.post(
        f"{BASE}/work-orders/{number}/parts",
        {"sku": "VAL-GAS", "quantity": 3},
        content_type="application/json",
    )
    assert short.status_code == 409 and short.json()["field"] == "quantity"
    used = technician_api.post(
        f"{BASE}/work-orders/{number}/parts",
        {"sku": "VAL-GAS", "quantity": 1},
        content_type="application/json",
    )
    assert used.status_code == 200 and used.json()["parts_cost"] == "12.50"
    pos = supervisor_api.get(f"{BASE}/purchase-orders?status=draft").json()
    assert [(po["supplier"], po["lines"][0]["sku"]) for po in pos] == [
        ("Repuestos Andinos", "VAL-GAS")
    ]
    closed = technician_api.post(
        f"{BASE}/work-orders/{number}/close",
        {"minutes_worked": 45, "report": "OK"},
        content_type="application/json",
    )
    assert closed.status_code == 200 and closed.json()["labour_cost"] == "30.00"
    again = technician_api.post(
        f"{BASE}/work-orders/{number}/close",
        {"minutes_worked": 45},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "field_state"
    assert Case.objects.get(pk=case.pk).status == "resolved"


def test_contracts_need_a_supervisor_and_refuse_bad_levels(
    technician_api, supervisor_api, customer_id
):
    body = {
        "number": "CT-1",
        "customer_id": customer_id,
        "support_level": "gold",
        "starts_on": "2020-01-01",
        "ends_on": "2099-12-31",
    }
    assert (
        technician_api.post(
            f"{BASE}/contracts", {**body, "support_level": "plus"}, content_type="application/json"
        ).status_code
        == 403
    )
    bad = supervisor_api.post(f"{BASE}/contracts", body, content_type="application/json")
    assert bad.status_code == 422  # the schema lists the levels
    backwards = supervisor_api.post(
        f"{BASE}/contracts",
        {**body, "support_level": "plus", "starts_on": "2026-02-01", "ends_on": "2026-01-01"},
        content_type="application/json",
    )
    assert backwards.status_code == 409 and backwards.json()["field"] == "ends_on"
    good = supervisor_api.post(
        f"{BASE}/contracts", {**body, "support_level": "plus"}, content_type="application/json"
    )
    assert good.status_code == 201
    level = technician_api.get(f"{BASE}/customers/{customer_id}/support-level").json()
    assert level == {"customer_id": customer_id, "support_level": "plus"}
    assert technician_api.get(f"{BASE}/customers/999999/support-level").status_code == 404
    assert technician_api.get(f"{BASE}/contracts/CT-404").status_code == 404


def test_an_unknown_rma_or_order_is_404(technician_api, customer_id):
    assert technician_api.get(f"{BASE}/rmas/RMA-999999").status_code == 404
    answer = technician_api.post(
        f"{BASE}/rmas",
        {
            "customer_id": customer_id,
            "reason": "Rota",
            "lines": [{"order_number": "PED-NADA", "sku": "X"}],
        },
        content_type="application/json",
    )
    assert answer.status_code == 404 and answer.json()["field"] == "lines.0.order_number"


def test_technicians_parts_and_alerts_over_the_api(technician_api, supervisor_api, db):
    body = {"name": "Ana", "skills": ["aire"], "zones": ["sur"], "day_start": "09:00"}
    assert (
        technician_api.post(
            f"{BASE}/technicians", body, content_type="application/json"
        ).status_code
        == 403
    )
    made = supervisor_api.post(f"{BASE}/technicians", body, content_type="application/json")
    assert made.status_code == 201 and made.json()["day_start"] == "09:00:00"
    bad = supervisor_api.post(
        f"{BASE}/technicians", {**body, "skills": [" "]}, content_type="application/json"
    )
    assert bad.status_code == 422  # a blank skill fails the schema
    part = supervisor_api.put(
        f"{BASE}/parts/FILTRO-A",
        {"name": "Filtro", "supplier": "Frío SA", "unit_cost": "3.10"},
        content_type="application/json",
    )
    assert part.status_code == 200 and part.json()["supplier"] == "Frío SA"
    from lealtad.service.services import defects

    for _ in range(5):
        _d, alert = defects.record_defect(defects.NewDefect("AC-9000", "Gotea"), Actor.system("t"))
    seen = technician_api.get(f"{BASE}/defects/alerts").json()
    assert [a["product_sku"] for a in seen] == ["AC-9000"] and seen[0]["acknowledged_at"] is None
    acked = supervisor_api.post(f"{BASE}/defects/alerts/{alert.pk}/acknowledge")
    assert acked.status_code == 200 and acked.json()["acknowledged_at"] is not None
    assert supervisor_api.post(f"{BASE}/defects/alerts/999999/acknowledge").status_code == 404


def test_an_rma_over_the_api_and_a_refusal_for_cancelling_a_received_one(technician_api):
    from tests.service.test_rma import SHIRT_L, shipped

    demo.seed_catalog()
    story = demo.seed_customer()
    number = shipped(story)
    made = technician_api.post(
        f"{BASE}/rmas",
        {
            "customer_id": story.customer_id,
            "reason": "Costura rota",
            "lines": [{"order_number": number, "sku": SHIRT_L}],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    rma_number = made.json()["number"]
    step = technician_api.post(
        f"{BASE}/rmas/{rma_number}/receive",
        {"location": demo.STORE_HOME, "channel": "pos"},
        content_type="application/json",
    )
    assert step.status_code == 200 and step.json()["status"] == "received"
    assert technician_api.post(f"{BASE}/rmas/{rma_number}/cancel").status_code == 409
    technician_api.post(
        f"{BASE}/rmas/{rma_number}/inspect", {"faulty": True}, content_type="application/json"
    )
    done = technician_api.post(
        f"{BASE}/rmas/{rma_number}/resolve",
        {"resolution": "refund"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["lines"][0]["commerce_reference"].startswith(
        "DEV"
    )
