"""In Chromium at the handheld's 360 px, in Spanish: the clerk finds the customer, opens
"Pagar con puntos", asks for 300, reads what they are worth, confirms; the balance drops once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from lealtad.commerce import demo
from lealtad.loyalty.models import Member, Redemption
from lealtad.loyalty.services import members, movements
from tests.commerce.handheld import sign_in_clerk
from tests.loyalty.helpers import ACTOR, program
from tests.web.htmx import settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHIRT_S = "CAM-OXF-CEL-S"


@pytest.fixture
def angosto(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="es-EC", viewport={"width": 360, "height": 740})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_clerk_pays_part_of_a_sale_with_points(angosto: Page, live_server) -> None:
    demo.seed_catalog()
    story = demo.seed_customer()
    club = program()
    found = members.enrol(club, [story.customer_id])[story.customer_id]
    movements.adjust([movements.Adjust(found.pk, 1000, "bienvenida", "w1")], ACTOR)
    page = angosto
    sign_in_clerk(page, live_server.url)
    page.goto(f"{live_server.url}/store/sku/{SHIRT_S}/?store={demo.STORE_HOME}")
    page.fill("#customer", "0991234567")
    page.keyboard.press("Enter")
    box = page.locator(f"#loyalty-panel-{found.pk}")
    expect(box).to_contain_text("1000 puntos")
    settled(page, "#customer-card")
    box.get_by_text("Pagar con puntos").click()
    box.get_by_label("Puntos").fill("300")
    box.get_by_role("button", name="Canjear…").click()
    expect(box).to_contain_text("¿Canjear 300 puntos por 3.00 USD?")
    assert not Redemption.objects.exists()
    box.get_by_role("button", name="Confirmar el canje").click()
    expect(box).to_contain_text("300 puntos canjeados")
    expect(box).to_contain_text("700 puntos")
    assert Member.objects.get(pk=found.pk).balance == 700
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
