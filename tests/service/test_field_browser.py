"""The technician's day in a real Chromium at 360 px: the visit fits the screen, a part is
recorded and the visit closed from the phone, and the case is resolved."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Browser, Page, expect

from lealtad.core.audit import Actor
from lealtad.service.models import Case, SupportGroup, Technician
from lealtad.service.services import cases, parts, workorders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple-9"
DAY = date(2026, 12, 7)


@pytest.fixture
def phone360(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="es-EC", viewport={"width": 360, "height": 740})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_visit_closed_from_a_phone(phone360: Page, live_server):
    user = User.objects.create_user("carla.tecnica", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="technician")[0])
    Technician.objects.create(
        name="Carla Pérez",
        skills=["caldera"],
        zones=["norte"],
        hourly_rate=Decimal(40),
        location="VAN-1",
        user=user,
    )
    parts.save_part(parts.NewPart("VAL-GAS", "Válvula de gas", "Repuestos Andinos", Decimal(12)))
    parts.set_stock("VAL-GAS", "VAN-1", 3, 1)
    SupportGroup.objects.create(name="nivel1", label="Nivel 1", level=1)
    case = cases.open_case(
        cases.NewCase(subject="Caldera sin agua caliente", category="post_sale", customer_id=5),
        Actor.system("t"),
    )
    order = workorders.open_work_order(
        workorders.NewWorkOrder(case.pk, "caldera", "norte", 60, "Av. de los Shyris N34-120"),
        Actor.system("t"),
    )
    workorders.dispatch_order(order.number, DAY, Actor.system("t"))

    page = phone360
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "carla.tecnica")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/$"))
    page.goto(f"{live_server.url}/service/field/today/?day={DAY.isoformat()}")
    visit = page.locator(f"#{order.number}")
    expect(visit).to_contain_text("Av. de los Shyris N34-120")
    expect(visit).to_contain_text("08:00")
    assert fits_the_screen(page)
    visit.locator("input[name=sku]").fill("VAL-GAS")
    visit.locator("form", has=page.locator("input[name=sku]")).locator("button").click()
    expect(page.locator(".messages")).to_contain_text(order.number)
    visit = page.locator(f"#{order.number}")
    visit.locator("input[name=minutes_worked]").fill("45")
    visit.locator("textarea[name=report]").fill("Válvula cambiada")
    visit.locator("button.primary").click()
    expect(page.locator(".messages")).to_contain_text(order.number)
    assert fits_the_screen(page)
    closed = Case.objects.get(pk=case.pk)
    assert closed.status == "resolved" and closed.cost == Decimal("42.00")
