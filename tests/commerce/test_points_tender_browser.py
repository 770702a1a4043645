"""A clerk sells on the handheld in Spanish, in a real Chromium, and the customer pays part
with loyalty points (issue 15): the sale form shows the balance and its worth, the review the
points and what is left to pay, the order and the receipt both tenders. And the loyalty
panel's own form works inside the customer card htmx swapped in (it used to sit inside the
sale form, where the HTML parser drops a nested form and its hx-post)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from lealtad.commerce import demo
from lealtad.commerce.models import Order, Payment
from lealtad.loyalty.models import Member, Redemption
from lealtad.loyalty.services import members, movements
from tests.commerce.handheld import sign_in_clerk
from tests.loyalty.helpers import ACTOR, program
from tests.web.htmx import settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHIRT_S = "CAM-OXF-CEL-S"


@pytest.fixture
def telefono(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="es-EC", viewport={"width": 390, "height": 844})
    context.set_default_timeout(20_000)  # two shared cores under load
    try:
        yield context.new_page()
    finally:
        context.close()


def socio() -> Member:
    """Seed 000's customer in a club whose point is worth 0.01, with 1,200 points."""
    demo.seed_catalog()
    story = demo.seed_customer()
    found = members.enrol(program(), [story.customer_id])[story.customer_id]
    movements.adjust([movements.Adjust(found.pk, 1200, "bienvenida", "w1")], ACTOR)
    return found


def open_the_sale(page: Page, base: str) -> None:
    sign_in_clerk(page, base)
    page.goto(f"{base}/store/sku/{SHIRT_S}/?store={demo.STORE_HOME}")
    page.fill("#customer", "Rodrigo Juárez")
    page.keyboard.press("Enter")
    expect(page.locator("#buyer")).to_be_visible()
    settled(page, "#customer-card")


def test_a_clerk_takes_part_of_a_sale_in_points_in_spanish(telefono: Page, live_server):
    member = socio()
    page = telefono
    open_the_sale(page, live_server.url)
    card = page.locator("#customer-card")
    expect(card.locator("#points-balance")).to_have_text("Saldo: 1200 puntos, que valen 12,00 USD")
    card.locator("input[name=fulfilment][value=take_now]").check()
    card.locator("input[name=pay][value=cash]").check()
    card.locator("#pay-points").fill("500")
    card.locator("#order-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/store/orders/review/"))
    expect(page.locator("#review-points")).to_have_text("500 puntos, que valen 5,00 USD")
    total = Decimal(page.locator("#review-amount").inner_text().split()[0].replace(",", "."))
    rest = f"{total - Decimal('5.00')}".replace(".", ",")
    expect(page.locator("#review-to-pay")).to_have_text(f"{rest} USD")
    expect(page.locator("#confirm")).to_contain_text(f"{rest} USD")
    assert not Order.objects.exists() and not Redemption.objects.exists()  # nothing yet
    page.locator("#confirm").click()

    expect(page.locator("#order-number")).to_have_text(re.compile(r"^PED-"))
    order = Order.objects.get()
    paid = {p.method_label: p for p in order.payments.filter(kind=Payment.Kind.CHARGE)}
    assert (paid["points"].points, paid["points"].amount) == (500, Decimal("5.00"))
    assert paid["cash"].amount == total - Decimal("5.00")
    member.refresh_from_db()
    assert member.balance == 700
    page.goto(f"{live_server.url}/store/orders/{order.number}/receipt/")
    expect(page.locator("#receipt-method")).to_contain_text("500 puntos (5,00 USD)")
    expect(page.locator("#receipt-method")).to_contain_text(f"Efectivo: {rest} USD")


def test_the_panel_redeems_inside_the_swapped_customer_card(telefono: Page, live_server):
    member = socio()
    page = telefono
    open_the_sale(page, live_server.url)
    panel = page.locator(f"#loyalty-panel-{member.pk}")
    panel.locator("summary").click()
    panel.locator(f"#redeem-points-{member.pk}").fill("200")
    panel.locator(f"#redeem-{member.pk}").click()
    expect(page.locator(f"#redeem-confirm-{member.pk}")).to_be_visible()
    expect(page.locator(f"#loyalty-panel-{member.pk}")).to_contain_text("200 puntos")
    assert not Redemption.objects.exists()  # asking spends nothing
    page.locator(f"#redeem-confirm-{member.pk}").click()
    expect(page.locator(f"#loyalty-panel-{member.pk} .msg.success")).to_be_visible()
    member.refresh_from_db()
    assert member.balance == 1000
    expect(page.locator("#order-form")).to_be_visible()  # the sale form is still there
