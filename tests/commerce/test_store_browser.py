"""The store's dead ends, closed, in a real Chromium at phone size and in Spanish (issue 17):
a transfer shipped by the warehouse and received by the store with a shortfall, and a return
found by a number typed carelessly, taken by keyboard, ending on its printable receipt."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Browser, Page, expect

from lealtad.commerce import demo
from lealtad.commerce.models import Return, Transfer
from lealtad.commerce.schemas import TransferIn, TransferLineIn
from lealtad.commerce.services import transfers
from tests.commerce.handheld import PASSWORD, sign_in_clerk
from tests.commerce.store_fixtures import HOME, TILL, WAREHOUSE, sale, units

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def serious(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as shown."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']}: {json.dumps([n['target'] for n in v['nodes'][:3]])}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page: Page, base: str, username: str, *groups: str) -> None:
    user = User.objects.create_user(username, password=PASSWORD)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/$"))


def phone_for(browser: Browser) -> Page:
    # axe is injected as a script of its own, which the pages' CSP would refuse.
    context = browser.new_context(
        locale="es-EC", viewport={"width": 360, "height": 780}, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def test_the_warehouse_ships_and_the_store_receives_a_transfer_with_a_shortfall(
    browser: Browser, live_server
):
    demo.seed_catalog()
    made, _ = transfers.request_transfer(
        TransferIn(
            from_location=WAREHOUSE,
            to_location=HOME,
            lines=[TransferLineIn(sku=demo.SHIRT_M, quantity=3)],
            channel="handheld",
        ),
        TILL,
    )
    warehouse, store = phone_for(browser), phone_for(browser)
    try:
        sign_in(warehouse, live_server.url, "bodega.jefa", "supervisor", f"store:{WAREHOUSE}")
        warehouse.goto(f"{live_server.url}/store/transfers/{made.number}/")
        expect(warehouse.locator("#transfer-status")).to_have_text("Solicitada")
        warehouse.fill("#tracking", "SV-77")
        warehouse.get_by_role("button", name="Enviar").click()
        expect(warehouse.locator(".msg.success")).to_contain_text(made.number)
        expect(warehouse.locator("#transfer-status")).to_have_text("En tránsito")
        expect(warehouse.locator("#receive-form")).to_have_count(0)  # not theirs to receive
        assert serious(warehouse) == []

        sign_in(store, live_server.url, "tienda.jefe", "supervisor", f"store:{HOME}")
        store.goto(f"{live_server.url}/store/transfers/?store={HOME}")
        store.get_by_role("link", name=re.compile(made.number)).click()
        assert serious(store) == []
        counted = store.locator("#receive-form input[type=number]")
        counted.fill("2")
        counted.press("Enter")  # by keyboard
        expect(store.locator(".msg")).to_contain_text("faltan")
        expect(store.locator("#transfer-status")).to_have_text("Recibida")
        expect(store.locator("#transfer-lines")).to_contain_text("1 faltante")
        assert store.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        warehouse.context.close()
        store.context.close()
    made.refresh_from_db()
    assert made.status == Transfer.Status.RECEIVED and made.tracking == "SV-77"
    assert units(demo.SHIRT_M, HOME)[0] == 2


def test_a_return_found_by_a_careless_number_ends_on_its_printable_receipt(
    browser: Browser, live_server
):
    demo.seed_catalog()
    story = demo.seed_customer()
    order = sale(story.customer_id, quantity=2)
    phone = phone_for(browser)
    sign_in_clerk(phone, live_server.url, "lucia.tienda")
    phone.goto(f"{live_server.url}/store/returns/?store={HOME}")
    typed = f" {order.number[:4].lower()} {order.number[4:].lower()} "
    phone.fill("#order-number-input", typed)
    phone.press("#order-number-input", "Enter")
    expect(phone.locator("#return-order")).to_contain_text(order.number)
    line = order.lines.get()
    expect(phone.locator(f"#qty-{line.pk}")).to_have_value("2")  # what can come back
    assert serious(phone) == []
    phone.fill(f"#qty-{line.pk}", "1")
    phone.fill("#reason", "No le quedó")
    phone.press("#reason", "Enter")  # the first button: take the return

    expect(phone.locator("#receipt-title")).to_have_text("Comprobante de devolución")
    expect(phone.locator(".msg.success")).to_contain_text("Imprima el comprobante")
    expect(phone.locator("#receipt-method")).to_contain_text("visa ···1111")
    expect(phone.locator("#receipt-tax")).to_have_text("5,24")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert serious(phone) == []
    phone.emulate_media(media="print")
    expect(phone.locator(".topbar")).to_be_hidden()
    expect(phone.get_by_role("button", name="Imprimir")).to_be_hidden()
    expect(phone.locator("#receipt-lines")).to_be_visible()
    phone.context.close()
    ret = Return.objects.get()
    assert (ret.receipt, ret.refund_method) == ("print", "original")
