"""Chromium: a customer asks for a sign-in link, opens it from the mail (aiosmtpd), opens a
case and sees it in their list; the link does not work a second time."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lealtad.service.models import Case, SupportGroup
from tests.service.mail_fixtures import customer, smtp_sink_fixture  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _link(sink) -> str:
    body = sink.received[-1].get_body().get_content()
    found = re.search(r"http://\S+(/portal/link/\S+/)", body)
    assert found is not None
    return found[1]


def test_sign_in_by_link_and_open_a_case(page: Page, live_server, smtp_sink) -> None:
    SupportGroup.objects.get_or_create(name="nivel1", defaults={"label": "Nivel 1", "level": 1})
    ana = customer("ana@cliente.ec")
    page.goto(f"{live_server.url}/portal/login/")
    page.fill("#email", "ana@cliente.ec")
    page.click("#portal-login button[type=submit]")
    expect(page.locator("#link-sent")).to_be_visible()
    link = _link(smtp_sink)
    page.goto(live_server.url + link)
    expect(page.locator("#my-cases")).to_be_visible()
    page.goto(f"{live_server.url}/portal/cases/new/")
    page.select_option("#topic", "post_sale/service_problem")
    page.fill("#subject", "Sin señal desde ayer")
    page.fill("#description", "El router parpadea en rojo.")
    page.click("#portal-new-case button[type=submit]")
    expect(page.locator("#case-number")).to_contain_text("Sin señal desde ayer")
    case = Case.objects.get(customer_id=ana)
    expect(page.locator("#case-number")).to_contain_text(case.number)
    page.goto(f"{live_server.url}/portal/")
    expect(page.locator("#my-cases")).to_contain_text(case.number)
    second = page.context.browser.new_context()  # type: ignore[union-attr]
    try:
        other = second.new_page()
        response = other.goto(live_server.url + link)
        assert response is not None and response.status == 401
    finally:
        second.close()
