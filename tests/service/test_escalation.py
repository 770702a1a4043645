"""What the story walk needed on the case page: a level-1 agent escalates to the next tier,
sends a technician (a work order waiting on the dispatch board), and the customer's 360 page
lists their cases."""

from __future__ import annotations

import pytest
from django.test import Client

from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError
from lealtad.core.roles import Capability
from lealtad.service.events import cases_section
from lealtad.service.models import Case, CaseEntry, SupportGroup, WorkOrder
from lealtad.service.services import cases
from lealtad.service.services.cases import NewCase
from lealtad.service.services.escalation import escalate

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def tiers(db: None) -> None:
    specialists = SupportGroup.objects.create(
        name="especialistas", label="Especialistas", level=3, active=False
    )
    experts = SupportGroup.objects.create(
        name="expertos", label="Expertos", level=2, escalates_to=specialists
    )
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1, escalates_to=experts)


def _open(customer_id: int | None = 3, subject: str = "Internet lento") -> Case:
    return cases.open_case(
        NewCase(subject=subject, category="post_sale", customer_id=customer_id), ACTOR
    )


def _agent(make_user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("agent"))
    return client


def test_escalating_moves_the_case_up_one_tier_unassigned_with_the_reason_in_its_history():
    case = _open()
    moved = escalate(case.pk, ACTOR, "  Needs a line test  ")
    assert (moved.group.name, moved.assignee_id, moved.status) == ("expertos", None, case.status)
    line = CaseEntry.objects.filter(case=case, kind="escalated").get()
    assert line.data == {"from": "nivel1", "group": "expertos", "reason": "agent"}
    assert line.body == "Needs a line test"


@pytest.mark.parametrize("why", ["inactive next tier", "resolved"])
def test_a_case_that_cannot_go_up_is_refused_naming_the_field_and_nothing_is_written(why):
    case = _open()
    if why == "resolved":
        cases.resolve(case.pk, ACTOR)
    else:
        escalate(case.pk, ACTOR)  # now with the experts, whose next tier is switched off
    before = CaseEntry.objects.filter(case=case).count()
    group = Case.objects.get(pk=case.pk).group_id
    with pytest.raises(DomainError) as refused:
        escalate(case.pk, ACTOR)
    assert refused.value.field == ("case" if why == "resolved" else "group")
    assert CaseEntry.objects.filter(case=case).count() == before
    assert Case.objects.get(pk=case.pk).group_id == group


def test_the_case_page_offers_the_next_tier_and_escalates(make_user):
    agent, case = _agent(make_user), _open()
    page = agent.get(f"/service/cases/{case.pk}/").content.decode()
    assert 'id="escalate-form"' in page and "Escalate to Expertos" in page
    agent.post(f"/service/cases/{case.pk}/escalate/", {"body": "Fibra cortada"})
    page = agent.get(f"/service/cases/{case.pk}/").content.decode()
    assert Case.objects.get(pk=case.pk).group.name == "expertos"
    assert 'id="escalate-form"' not in page  # the specialists are switched off: no way up


def test_a_technician_is_requested_from_the_case_page(make_user):
    agent, case = _agent(make_user), _open()
    answer = agent.post(
        f"/service/field/cases/{case.pk}/work-order",
        {"skill": "fibra", "zone": "norte", "minutes": "90", "address": "Av. Amazonas N21-12"},
        follow=True,
    )
    order = WorkOrder.objects.get(case=case)
    assert (order.skill, order.zone, order.minutes, order.address, order.technician_id) == (
        "fibra",
        "norte",
        90,
        "Av. Amazonas N21-12",
        None,
    )
    assert f"{order.number} opened" in answer.content.decode()


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"skill": "", "zone": "norte"}, "skill"),
        ({"skill": "fibra", "zone": "  "}, "zone"),
        ({"skill": "fibra", "zone": "norte", "minutes": "una hora"}, "minutes"),
        ({"skill": "fibra", "zone": "norte", "minutes": "0"}, "minutes"),
    ],
)
def test_a_bad_work_order_request_names_the_field_and_opens_nothing(make_user, form, field):
    agent, case = _agent(make_user), _open()
    answer = agent.post(f"/service/field/cases/{case.pk}/work-order", form, follow=True)
    assert f"{field}:" in answer.content.decode()
    assert not WorkOrder.objects.exists()


def test_no_technician_for_a_resolved_case(make_user):
    agent, case = _agent(make_user), _open()
    cases.resolve(case.pk, ACTOR)
    answer = agent.post(
        f"/service/field/cases/{case.pk}/work-order", {"skill": "fibra", "zone": "n"}, follow=True
    )
    assert "case_id:" in answer.content.decode() and not WorkOrder.objects.exists()


def test_the_360_section_lists_the_customers_cases_newest_first_for_history_readers():
    first, second = _open(subject="Sin señal"), _open(subject="Factura doble")
    _open(customer_id=9, subject="Otro cliente")
    rows = cases_section(3, frozenset({Capability.VIEW_HISTORY}))
    assert [r["number"] for r in rows] == [second.number, first.number]
    assert rows[0]["status"] == "new" and rows[0]["channel"] == "web"
    assert cases_section(3, frozenset({Capability.VIEW})) == []


def test_the_360_page_shows_the_cases_card(make_user, make_customer_for_360):
    customer_id = make_customer_for_360()
    case = _open(customer_id=customer_id, subject="Sin señal")
    page = _agent(make_user).get(f"/customers/{customer_id}/").content.decode()
    card = page.split('id="cases"', 1)[1].split("</section>", 1)[0]
    assert case.number in card and "Sin señal" in card and f"/service/cases/{case.pk}/" in card


@pytest.fixture
def make_customer_for_360():
    from lealtad.core.envelope import CustomerRef
    from lealtad.customers import services as customer_services
    from lealtad.customers.schemas import CustomerProfile

    def make() -> int:
        ctx = customer_services.ChangeContext(ACTOR, "", "web")
        made = customer_services.create_customer(
            CustomerProfile(given_names="Rosa"), CustomerRef(email="rosa@correo.ec"), ctx
        )
        return int(made.pk)

    return make


def test_the_api_escalates_to_the_next_tier_and_refuses_at_the_top(token_client):
    agent = token_client("agent", scopes=("service:handle",))
    case = cases.open_case(
        cases.NewCase(subject="Sin luz", category="post_sale", customer_id=5), ACTOR
    )
    url = f"/api/v1/service/cases/{case.pk}/escalate"
    got = agent.post(url, {"note": "Necesita un experto"}, content_type="application/json")
    assert got.status_code == 200, got.content
    case.refresh_from_db()
    assert case.group.name != "nivel1"
    top = SupportGroup.objects.filter(escalates_to__isnull=True, internal=False).first()
    Case.objects.filter(pk=case.pk).update(group=top)
    refused = agent.post(url, {}, content_type="application/json")
    assert refused.status_code == 409
