"""In Chromium: an agent opens a case page, replies and resolves; a supervisor sees the
breach list and reassigns."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import Page, expect

from lealtad.core.audit import Actor
from lealtad.service.models import BusinessCalendar, Case, SlaPolicy, SupportGroup
from lealtad.service.services import cases, sla_job
from lealtad.service.services.cases import NewCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple-9"
ACTOR = Actor.system("test")


def person(username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))


@pytest.fixture
def desk() -> None:
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


def _open(subject: str) -> Case:
    return cases.open_case(NewCase(subject=subject, category="post_sale", customer_id=4), ACTOR)


def test_an_agent_replies_and_resolves_a_case(page: Page, live_server, desk):
    person("ana", "agent")
    case = _open("Internet lento")
    sign_in(page, live_server.url, "ana")
    page.goto(f"{live_server.url}/service/cases/{case.pk}/")
    expect(page.locator("#sla-clock")).to_contain_text("Estándar")
    page.fill("#reply-body", "Reinicie el router, por favor")
    page.click("#reply-form button[type=submit] >> nth=0")
    expect(page.locator(".thread")).to_contain_text("Reinicie el router")
    expect(page.locator('[data-target="first_response"]')).to_contain_text(
        re.compile("met|cumplido")
    )
    page.fill("#resolve-form input[name=body]", "Funciona")
    page.click("#resolve-form button[type=submit]")
    expect(page.locator("#case-status")).to_contain_text(re.compile("Resolved|Resuelto"))
    assert Case.objects.get(pk=case.pk).status == "resolved"


def test_a_supervisor_sees_the_breaches(page: Page, live_server, desk):
    person("sara", "supervisor")
    late = _open("Sin servicio")
    sla_job.run(timezone.now() + timedelta(minutes=45))
    sign_in(page, live_server.url, "sara")
    page.goto(f"{live_server.url}/service/desk/")
    expect(page.locator("#breached")).to_contain_text(late.number)
    expect(page.locator("#backlog")).to_contain_text("Expertos")
