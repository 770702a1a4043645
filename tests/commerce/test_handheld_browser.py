"""The store handheld in a real Chromium at phone size (390 x 844): find my size, order, return."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lealtad.commerce import demo
from lealtad.commerce.models import Order, Stock
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn, ShipIn
from lealtad.commerce.services import SaleContext, shipments
from lealtad.commerce.services import orders as order_services
from lealtad.core.audit import Actor
from tests.commerce.handheld import sign_in_clerk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_find_my_size_elsewhere_and_ship_it_home(phone: Page, live_server):
    demo.seed_catalog()
    story = demo.seed_customer()
    sign_in_clerk(phone, live_server.url)
    phone.goto(f"{live_server.url}/store/?store={demo.STORE_HOME}")
    phone.locator("#q").press_sequentially("camisa")
    phone.locator("#products a", has_text="Camisa Oxford celeste").click()
    size_m = phone.locator(f"#variants a[data-sku='{demo.SHIRT_M}']")
    expect(size_m.locator(".count.none")).to_have_text("0")  # none here
    expect(size_m).to_contain_text("9")  # nine elsewhere
    assert fits_the_screen(phone)
    size_m.click()
    expect(phone.locator("#stock")).to_contain_text("Bodega Central Quito")
    expect(phone.locator("#stock")).to_contain_text("Tienda Mall del Sol")
    phone.fill("#customer", "0991234567")
    phone.locator("#customer").press("Enter")
    expect(phone.locator("#customer-card")).to_contain_text("Rodrigo Juárez Ortega")
    expect(phone.locator("#customer-card")).to_contain_text("···1111")
    phone.locator("#order-form button[type=submit]").click()
    expect(phone.locator("#review-payment")).to_contain_text("···1111")  # asked, not charged
    assert not Order.objects.exists()
    phone.locator("#confirm").click()
    expect(phone.locator("#order-number")).to_have_text(re.compile(r"^PED-"))
    expect(phone.locator("#lines")).to_contain_text("Bodega Central Quito")
    assert fits_the_screen(phone)
    order = Order.objects.get(customer_id=story.customer_id)
    assert (order.channel, order.fulfilment, order.captured_elsewhere) == ("handheld", "ship", True)
    assert order.ship_to["line1"].startswith("Av. 12 de Octubre")


def test_take_a_return_of_a_web_order_at_another_store(phone: Page, live_server):
    demo.seed_catalog()
    story = demo.seed_customer()
    web = SaleContext(Actor.system("web"), "web")
    order, _ = order_services.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=demo.TROUSERS_32, quantity=1)],
            fulfilment="ship",
            ship_address_kind="work",
            payment=PaymentIn(on_file=True),
        ),
        web,
    )
    shipments.ship_order(order, ShipIn(), web)
    sign_in_clerk(phone, live_server.url)
    phone.goto(f"{live_server.url}/store/returns/?store={demo.STORE_OFFICE}&order={order.number}")
    phone.locator("#return-form input[type=number]").fill("1")
    phone.fill("#reason", "No le queda")
    phone.locator("#return-button").click()
    expect(phone.locator(".msg.success")).to_contain_text("46.47")
    assert fits_the_screen(phone)
    order.refresh_from_db()
    assert order.status == "returned"
    office = Stock.objects.get(variant__sku=demo.TROUSERS_32, location__code=demo.STORE_OFFICE)
    assert office.on_hand == 3
