"""The handheld's exchange in a real Chromium at phone size: a web order's shirt in size L
exchanged for size M at a store, taken from its shelf, with nothing to pay."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from lealtad.commerce import demo
from lealtad.commerce.models import Exchange, Stock
from lealtad.commerce.schemas import LineIn, OrderIn, PaymentIn, ShipIn
from lealtad.commerce.services import SaleContext, deliver_order, ship_order
from lealtad.commerce.services import orders as order_services
from lealtad.core.audit import Actor
from tests.commerce.handheld import sign_in_clerk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHIRT_L = "CAM-OXF-CEL-L"


def test_exchange_a_web_order_for_another_size_at_a_store(phone: Page, live_server):
    demo.seed_catalog()
    story = demo.seed_customer()
    web = SaleContext(Actor.system("web"), "web")
    order, _ = order_services.place_order(
        OrderIn(
            customer_id=story.customer_id,
            channel="web",
            lines=[LineIn(sku=SHIRT_L, quantity=1)],
            fulfilment="ship",
            ship_address_kind="home",
            payment=PaymentIn(on_file=True),
        ),
        web,
    )
    ship_order(order, ShipIn(), web)
    deliver_order(order, web)
    sign_in_clerk(phone, live_server.url, "andrea.tienda")

    phone.goto(f"{live_server.url}/store/returns/?store={demo.STORE_OFFICE}&order={order.number}")
    phone.locator("#return-form input[type=number]").fill("1")
    phone.locator("#return-form select").select_option(demo.SHIRT_M)
    phone.fill("#reason", "Le queda grande")
    phone.locator("#exchange-button").click()

    expect(phone.locator(".msg.success")).to_contain_text("CAM-")
    expect(phone.locator("#exchange-of")).to_contain_text(order.number)
    expect(phone.locator("#lines")).to_contain_text(demo.SHIRT_M)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    found = Exchange.objects.get()
    assert (found.ret.location.code, found.difference) == (demo.STORE_OFFICE, 0)
    shelf = Stock.objects.get(variant__sku=demo.SHIRT_M, location__code=demo.STORE_OFFICE)
    assert shelf.on_hand == 0  # the one M at the office went with the customer
