"""In Chromium: an agent logs in to the ACD, a call is offered, the screen pop appears live
(Server-Sent Events through the real ASGI server), answer, release, wrap-up; a supervisor's
wallboard counters move without a reload."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.staticfiles import finders
from playwright.sync_api import Browser, Page, Route, expect

from lealtad.contactcenter.models import Contact
from lealtad.contactcenter.schemas import ContactIn
from lealtad.contactcenter.services import contacts, setup
from lealtad.contactcenter.services.runtime import RouterRuntime
from lealtad.contactcenter.views_supervisor import BOARD

from .conftest import ACTOR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple-9"


def person(username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def serve_static(page: Page) -> None:
    """The ASGI test server serves only collected static files (WhiteNoise over STATIC_ROOT,
    read when the application starts): hand the browser the app's own files from the finders."""

    def fulfil(route: Route) -> None:
        name = route.request.url.split("/static/", 1)[1].split("?", 1)[0]
        found = finders.find(name)
        if not found:
            route.fulfill(status=404)
            return
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        route.fulfill(status=200, body=Path(str(found)).read_bytes(), content_type=kind)

    page.route("**/static/**", fulfil)


def sign_in(page: Page, base: str, username: str) -> None:
    serve_static(page)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_a_call_pops_is_answered_released_and_wrapped_up(
    page: Page, browser: Browser, asgi_server: str, center: dict[str, Any], make_customer: Any
) -> None:
    BOARD.reset()
    agent = setup.save_agent(
        "Ana Quishpe", user=person("ana.quishpe", "agent"), skills={"general": 9}
    )
    customer = make_customer(phone="0991234567", given="Rosa", surname="Pilco")
    sign_in(page, asgi_server, "ana.quishpe")
    page.goto(f"{asgi_server}/contactcenter/desktop/")
    page.click("#acd-login")
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "available")

    boss = browser.new_context(locale="es-EC").new_page()
    person("sofia.super", "supervisor")
    sign_in(boss, asgi_server, "sofia.super")
    boss.goto(f"{asgi_server}/contactcenter/wallboard/")
    offered = boss.locator('#board-general [data-counter="offered"]')
    expect(offered).to_have_text("0")
    expect(page.locator("#desktop")).to_have_attribute("data-live-open", "1")

    call = contacts.receive(ContactIn(queue="general", caller_id="0991234567"), ACTOR)
    RouterRuntime().step()
    panel = page.locator(f"#contact-{call.pk}")
    expect(panel).to_have_attribute("data-status", "offered")
    expect(panel.locator(".cc-customer")).to_have_text(customer.display_name)
    expect(offered).to_have_text("1", timeout=3000)  # the wallboard moved, no reload

    panel.locator(".cc-answer").click()
    expect(panel).to_have_attribute("data-status", "handling")
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "busy")
    page.locator(f"#contact-{call.pk} .cc-release").click()
    expect(page.locator(f"#contact-{call.pk}")).to_have_attribute("data-status", "wrap_up")
    page.select_option(f"#wrap-{call.pk}-outcome", "resolved")
    page.fill(f"#wrap-{call.pk}-notes", "Consulta de saldo resuelta")
    page.locator(f"#contact-{call.pk} .cc-finish").click()
    expect(page.locator(f"#contact-{call.pk}")).to_have_count(0)
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "available")
    done = Contact.objects.get(pk=call.pk)
    assert (done.status, done.outcome, done.notes) == (
        "done",
        "resolved",
        "Consulta de saldo resuelta",
    )
    assert done.agent_id == agent.pk
    boss.context.close()
