"""Field-service pages: the technician's day (their own visits only), closing from the phone,
the dispatcher's board and dispatch button, refusals as the page's message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from lealtad.core.audit import Actor
from lealtad.service.models import Case, SupportGroup, Technician, WorkOrder
from lealtad.service.services import cases, workorders

pytestmark = pytest.mark.django_db
DAY = date(2026, 12, 7)


def signed_in(make_user, role: str) -> tuple[Client, object]:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = make_user(role)
    client.force_login(user)
    return client, user


def visit(user=None) -> WorkOrder:
    SupportGroup.objects.get_or_create(name="nivel1", defaults={"label": "N1", "level": 1})
    Technician.objects.create(
        name="Carla Pérez", skills=["caldera"], zones=["norte"], hourly_rate=Decimal(40), user=user
    )
    case = cases.open_case(
        cases.NewCase(subject="Caldera sin agua caliente", category="post_sale", customer_id=5),
        Actor.system("t"),
    )
    order = workorders.open_work_order(
        workorders.NewWorkOrder(case.pk, "caldera", "norte", 60, "Av. Shyris N34"),
        Actor.system("t"),
    )
    return workorders.dispatch_order(order.number, DAY, Actor.system("t"))


def test_the_technician_sees_their_day_and_closes_a_visit(make_user):
    client, user = signed_in(make_user, "technician")
    order = visit(user)
    page = client.get("/service/field/today/?day=2026-12-07")
    assert page.status_code == 200
    text = page.content.decode()
    assert order.number in text and "Av. Shyris N34" in text and "08:00" in text
    done = client.post(
        f"/service/field/orders/{order.number}/close",
        {"minutes_worked": "30", "report": "Listo", "day": "2026-12-07"},
        follow=True,
    )
    assert done.status_code == 200
    assert Case.objects.get(pk=order.case_id).status == "resolved"
    again = client.post(
        f"/service/field/orders/{order.number}/close",
        {"minutes_worked": "30", "day": "2026-12-07"},
        follow=True,
    )
    assert "already closed" in again.content.decode()


def test_another_technician_does_not_see_the_visit(make_user):
    client, _user = signed_in(make_user, "technician")
    order = visit(user=None)
    text = client.get("/service/field/today/?day=2026-12-07").content.decode()
    assert order.number not in text
    # asking for someone else's day needs a supervisor
    text = client.get(f"/service/field/today/?day=2026-12-07&technician={order.technician_id}")
    assert order.number not in text.content.decode()


def test_the_board_dispatches_and_technicians_may_not(make_user):
    SupportGroup.objects.create(name="nivel1", label="N1", level=1)
    Technician.objects.create(name="Carla", skills=["caldera"], zones=["norte"])
    case = cases.open_case(
        cases.NewCase(subject="Caldera", category="post_sale", customer_id=5), Actor.system("t")
    )
    order = workorders.open_work_order(
        workorders.NewWorkOrder(case.pk, "caldera", "norte", 60), Actor.system("t")
    )
    tech_client, _ = signed_in(make_user, "technician")
    assert tech_client.get("/service/field/board/").status_code == 403
    client, _ = signed_in(make_user, "supervisor")
    board = client.get("/service/field/board/?day=2026-12-07").content.decode()
    assert order.number in board and "Carla" in board
    client.post(f"/service/field/orders/{order.number}/dispatch", {"day": "2026-12-07"})
    assert WorkOrder.objects.get(pk=order.pk).status == "scheduled"
    refused = client.post(
        f"/service/field/orders/{order.number}/dispatch", {"day": "2026-12-07"}, follow=True
    )
    assert refused.status_code == 200  # a second dispatch replans; never a server error


def test_a_supervisor_looks_at_a_technicians_day(make_user):
    order = visit(user=None)
    client, _ = signed_in(make_user, "supervisor")
    page = client.get(f"/service/field/today/?day=2026-12-07&technician={order.technician_id}")
    assert page.status_code == 200 and order.number in page.content.decode()
    assert client.get("/service/field/defects/").status_code == 200
