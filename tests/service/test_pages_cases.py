"""The agents' and supervisors' case pages: queue filters, the case page with its clock and
thread, reply/note/resolve from the page, the supervisor's breaches and reassigning."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.service.models import BusinessCalendar, Case, SlaPolicy, SupportGroup
from lealtad.service.services import cases, sla_job
from lealtad.service.services.cases import NewCase

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def desk(db):
    experts = SupportGroup.objects.create(name="expertos", label="Expertos", level=2)
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1, escalates_to=experts)
    always = BusinessCalendar.objects.create(
        name="24x7", label="24x7", time_zone="UTC", always_open=True
    )
    SlaPolicy.objects.create(
        name="estandar",
        label="Estándar",
        calendar=always,
        first_response_minutes=30,
        resolution_minutes=240,
    )


def _client(make_user, role: str) -> Client:
    client = Client()
    client.force_login(make_user(role))
    return client


def _open(subject: str = "Internet lento", category: str = "post_sale") -> Case:
    return cases.open_case(NewCase(subject=subject, category=category, customer_id=3), ACTOR)


def test_an_agent_filters_the_queue_and_works_a_case_from_its_page(make_user):
    agent = _client(make_user, "agent")
    case, other = _open(), _open("Cobro doble", "billing_inquiry")
    page = agent.get("/service/cases/", {"scope": "all"}).content.decode()
    assert case.number in page and other.number in page
    rows = agent.get(
        "/service/cases/", {"scope": "all", "category": "billing_inquiry", "partial": "1"}
    ).content.decode()
    assert other.number in rows and case.number not in rows and "<html" not in rows
    shown = agent.get(f"/service/cases/{case.pk}/").content.decode()
    assert "Estándar" in shown and 'data-target="first_response"' in shown
    agent.post(f"/service/cases/{case.pk}/note/", {"body": "Ver el router"})
    agent.post(f"/service/cases/{case.pk}/reply/", {"body": "Reinicie el equipo"})
    shown = agent.get(f"/service/cases/{case.pk}/").content.decode()
    assert "Ver el router" in shown and "Reinicie el equipo" in shown
    agent.post(f"/service/cases/{case.pk}/resolve/", {"outcome": "resolved", "body": "Ok"})
    case.refresh_from_db()
    assert case.status == "resolved"
    assert 'id="reply-form"' not in agent.get(f"/service/cases/{case.pk}/").content.decode()


def test_an_empty_reply_is_refused_on_the_page_and_writes_nothing(make_user):
    agent = _client(make_user, "agent")
    case = _open()
    response = agent.post(f"/service/cases/{case.pk}/reply/", {"body": " "}, follow=True)
    assert "body" in response.content.decode()
    assert not case.entries.filter(kind="reply").exists()
    assert agent.get("/service/cases/99999/").status_code == 404


def test_the_supervisor_sees_breaches_and_reassigns_but_an_agent_cannot(make_user):
    late = _open("Sin servicio")
    sla_job.run(timezone.now() + timedelta(minutes=45))
    late.refresh_from_db()
    assert late.sla_breached
    agent = _client(make_user, "agent")
    assert agent.get("/service/desk/").status_code == 403
    boss = _client(make_user, "supervisor")
    page = boss.get("/service/desk/").content.decode()
    assert late.number in page.split('id="breached"')[1].split("</table>")[0]
    assert "Estándar" in page
    boss.post(f"/service/desk/reassign/{late.pk}/", {"group": "nivel1"})
    late.refresh_from_db()
    assert late.group.name == "nivel1"


def test_the_case_page_suggests_knowledge_base_articles(make_user):
    from lealtad.service import demo_knowledge

    demo_knowledge.load()
    agent = _client(make_user, "agent")
    case = _open("Internet lento, se corta la conexión")
    panel = agent.get(f"/service/cases/{case.pk}/").content.decode().split('id="kb-suggestions"')[1]
    assert "/service/kb/a/" in panel and "No suggestions" not in panel


def test_the_case_page_names_the_customers_tier_in_words(make_user):
    from lealtad.customers.models import CustomerStanding
    from tests.service.mail_fixtures import customer

    rosa = customer("rosa@cliente.ec", "Rosa")
    CustomerStanding.objects.create(customer_id=rosa, value_tier="mvc", computed_at=timezone.now())
    case = cases.open_case(
        NewCase(subject="Sin luz", category="post_sale", customer_id=rosa), ACTOR
    )
    agent = Client(HTTP_ACCEPT_LANGUAGE="en")
    agent.force_login(make_user("agent"))
    shown = agent.get(f"/service/cases/{case.pk}/").content.decode()
    assert "Most valuable" in shown and "· mvc" not in shown
