"""In Chromium (the pages in the installation's Spanish): from a case's page an agent
authorizes an RMA, receives the goods and records the inspection, each step a button on the
RMA's page; the case's RMA panel lists it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from lealtad.commerce import demo
from lealtad.core.audit import Actor
from lealtad.service.models import Rma, SupportGroup
from lealtad.service.services import cases
from tests.service.test_rma_pages import SHIRT_L, shipped

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple-9"


def sign_in(page: Page, base: str) -> None:
    user = User.objects.create_user(username="ana", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="agent")[0])
    page.goto(f"{base}/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_an_agent_walks_an_rma_from_the_case(page: Page, live_server):
    demo.seed_catalog()
    story = demo.seed_customer()
    number = shipped(story)
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    case = cases.open_case(
        cases.NewCase(
            subject="Camisa descosida",
            category="post_sale",
            customer_id=story.customer_id,
            order_number=number,
            product_sku=SHIRT_L,
        ),
        Actor.system("t"),
    )
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/service/cases/{case.pk}/")
    expect(page.locator("#case-rma p.muted")).to_be_visible()  # htmx: no RMA yet
    page.click("#rma-from-case")
    expect(page.locator("input[name=order_number_0]")).to_have_value(number)
    page.click("#rma-new button[type=submit]")
    made = Rma.objects.get(case_id=case.pk)
    expect(page.locator("h1")).to_have_text(made.number)
    expect(page.locator("#service-nav a[aria-current=page]")).to_have_text("RMA")
    page.select_option("#location", demo.STORE_HOME)
    page.click("#rma-receive button[type=submit]")
    expect(page.locator("#rma-status")).to_have_text(re.compile("Received|Recibida"))
    page.check("#rma-inspect input[value=no]")
    page.fill("#note", "Sin defecto visible")
    page.click("#rma-inspect button[type=submit]")
    expect(page.locator("#rma-status")).to_have_text(re.compile("Inspected|Inspeccionada"))
    expect(page.locator("#rma-resolve")).to_be_visible()
    page.goto(f"{live_server.url}/service/cases/{case.pk}/")
    expect(page.locator("#case-rma .rma-of-case")).to_contain_text(made.number)
