"""The integrated service desk demo: open and closed cases, mail threads, knowledge articles,
a contract, an RMA in progress, field visits and answered surveys (an unhappy one with its
follow-up case); loading it twice changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from lealtad.commerce import demo as commerce_demo
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn, ShipIn
from lealtad.commerce.services import SaleContext, shipments
from lealtad.commerce.services.placement import place_order
from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customer_services
from lealtad.customers.demo.users import ensure_demo_users
from lealtad.customers.schemas import CustomerProfile
from lealtad.service import demo
from lealtad.service.models import (
    Article,
    Case,
    CaseEntry,
    InboundMail,
    Rma,
    ServiceContract,
    Survey,
    Technician,
    WorkOrder,
)

pytestmark = pytest.mark.django_db
TABLES = (Article, Case, CaseEntry, InboundMail, Rma, ServiceContract, Survey, Technician)
TABLES += (WorkOrder,)


def customers(n: int) -> None:
    ctx = customer_services.ChangeContext(Actor.system("test"), "", "web")
    for i in range(n):
        ref = CustomerRef(email=f"cliente{i}@correo.ec", name=f"Cliente {i}")
        profile = CustomerProfile(kind="person", given_names="Cliente", first_surname=f"N{i}")
        customer_services.create_customer(profile, ref, ctx)


def a_buyer() -> int:
    """A customer with a web order shipped to them (something to return)."""
    commerce_demo.seed_catalog()
    story = commerce_demo.seed_customer()
    ctx = SaleContext(Actor.system("web"), "web")
    order, _ = place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku="CAM-OXF-CEL-L", quantity=1)],
            fulfilment="ship",
            ship_address_kind="home",
            payment=PaymentIn(on_file=True),
        ),
        ctx,
    )
    shipments.ship_order(order, ShipIn(tracking="LX-1"), ctx)
    return story.customer_id


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


@pytest.fixture
def loaded(settings, tmp_path) -> dict[str, int]:
    settings.LEALTAD_HOME = str(tmp_path)
    ensure_demo_users()
    customers(12)
    a_buyer()
    return demo.load_all()


def test_the_demo_has_each_kind_of_service_desk_work(loaded):
    assert loaded["cases"] == 6 and loaded["articles"] > 10
    assert loaded["work_orders"] == 3 and loaded["mail_threads"] == 2
    assert loaded["contracts"] == 2 and loaded["rmas"] == 1 and loaded["surveys"] == 3
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"new", "resolved"} <= statuses and "pending_customer" in statuses
    # mail: each thread is one case: the customer's mail, the agent's reply, their answer
    assert InboundMail.objects.count() == 4
    assert len(set(InboundMail.objects.values_list("case_id", flat=True))) == 2
    for applied in InboundMail.objects.filter(message_id__contains="-1@"):
        kinds = CaseEntry.objects.filter(case_id=applied.case_id, public=True).order_by("id")
        assert list(kinds.values_list("kind", flat=True)) == ["opened", "reply", "message"]
    # an RMA in progress, from a case, its goods received at a store
    made = Rma.objects.get()
    assert made.status == "received" and made.case is not None and made.received_location
    # contracts: one in force, one ended
    assert {c.number for c in ServiceContract.objects.all()} == {"CT-DEMO-0001", "CT-DEMO-0002"}
    # field: one visit done (its case resolved), one for the demo technician, one waiting
    orders = {w.status for w in WorkOrder.objects.all()}
    assert orders == {"done", "scheduled", "open"}
    tecnico = Technician.objects.get(user__username="tecnico")
    assert WorkOrder.objects.get(status="scheduled").technician == tecnico
    # surveys: answered, the unhappy one with its follow-up case
    assert Survey.objects.filter(answered_at__isnull=False).count() == 3
    unhappy = Survey.objects.get(csat=1)
    assert Case.objects.get(pk=unhappy.follow_up_case_id).category == "complaint"


def test_loading_twice_changes_nothing(loaded):
    before = counts()
    again = demo.load_all()
    assert counts() == before
    assert all(n == 0 for what, n in again.items()), again


def test_the_pages_show_the_demo(loaded):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username="supervisor"))
    assert Rma.objects.get().number in client.get("/service/rma/").content.decode()
    assert "CT-DEMO-0001" in client.get("/service/contracts/?state=in_force").content.decode()
    assert "CT-DEMO-0002" in client.get("/service/contracts/?state=ended").content.decode()
    assert "Unhappy survey answer" in client.get("/service/cases/?scope=all").content.decode()
    technician = Client(HTTP_ACCEPT_LANGUAGE="en")
    technician.force_login(User.objects.get(username="tecnico"))
    day = technician.get("/service/field/today/").content.decode()
    assert WorkOrder.objects.get(status="scheduled").number in day
