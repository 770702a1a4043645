"""The handheld's sale in a real Chromium 360 px wide, driven by the keyboard alone (Tab, type,
Enter, arrows): find the product, type a name two customers share, pick the right one, review
the amount and the card's last digits, confirm; then a walk-in paying cash, in Spanish."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from lealtad.commerce import demo
from lealtad.commerce.models import Order
from lealtad.commerce.selectors.walk_in import walk_in_customer_id
from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import AddressIn, CustomerProfile
from tests.commerce.handheld import sign_in_clerk
from tests.web.htmx import settled as htmx_settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHIRT_S = "CAM-OXF-CEL-S"


def _narrow(browser: Browser, locale: str) -> Iterator[Page]:
    """The smallest handheld the store uses: 360 px wide."""
    context = browser.new_context(locale=locale, viewport={"width": 360, "height": 740})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def narrow(browser: Browser) -> Iterator[Page]:
    yield from _narrow(browser, "en-US")


@pytest.fixture
def angosto(browser: Browser) -> Iterator[Page]:
    """The same, in Ecuadorian Spanish."""
    yield from _narrow(browser, "es-EC")


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def settled(page: Page) -> None:
    """Wait for the customer card: it focuses the buyer as it settles."""
    htmx_settled(page, "#customer-card")


def arrow_to(page: Page, selector: str, limit: int = 6) -> None:
    """Press the down arrow in a radio group until ``selector`` is the one chosen."""
    for _ in range(limit):
        if page.locator(selector).is_checked():
            return
        page.keyboard.press("ArrowDown")
    expect(page.locator(selector)).to_be_checked()


def namesake() -> None:
    ctx = customer_services.ChangeContext(Actor.system("test"), channel="pos")
    made = customer_services.create_customer(
        CustomerProfile(given_names="Rodrigo", first_surname="Juárez", second_surname="Paredes"),
        CustomerRef(name="Rodrigo Juárez Paredes", national_id="0926687856"),
        ctx,
    )
    customer_services.add_address(
        made, AddressIn(line1="Av. 9 de Octubre 100", city="Guayaquil"), ctx
    )


def test_a_sale_by_keyboard_at_360_px(narrow: Page, live_server):
    demo.seed_catalog()
    story = demo.seed_customer()
    namesake()
    page = narrow
    sign_in_clerk(page, live_server.url)
    page.goto(f"{live_server.url}/store/?store={demo.STORE_HOME}")
    tab_to(page, "#q")
    page.keyboard.type("camisa")
    expect(page.locator("#products a").first).to_contain_text("Camisa Oxford celeste")
    tab_to(page, "#products a")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/store/products/[^/]+/$"))
    tab_to(page, f"#variants a[data-sku='{SHIRT_S}']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/store/sku/{SHIRT_S}/$"))
    assert fits_the_screen(page)

    # Two Rodrigo Juárez: listed, nothing to charge until one is picked.
    tab_to(page, "#customer")
    page.keyboard.type("Rodrigo Juárez")
    page.keyboard.press("Enter")
    card = page.locator("#customer-card")
    expect(card.locator("#candidates-count")).to_contain_text("2")
    expect(card).to_contain_text("Guayaquil")
    expect(card).to_contain_text("••••4065")
    expect(card.locator("#order-form")).to_have_count(0)
    assert fits_the_screen(page)
    settled(page)
    tab_to(page, "button.pick[aria-label$='Ortega']")
    page.keyboard.press("Enter")
    expect(card.locator("#buyer")).to_be_visible()
    settled(page)
    expect(card.locator("#buyer")).to_be_focused()
    expect(card.locator("#buyer")).to_contain_text("Rodrigo Juárez Ortega")
    assert fits_the_screen(page)

    # Pick up here, paid with the card on file; review, then confirm.
    tab_to(page, "input[name=fulfilment]:checked")
    arrow_to(page, "input[name=fulfilment][value=pickup]")  # past the addresses on file
    tab_to(page, "#order-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/store/orders/review/"))
    expect(page.locator("#review-amount")).to_have_text("40.14 USD")
    expect(page.locator("#review-payment")).to_contain_text("···1111")
    assert not Order.objects.exists()
    assert fits_the_screen(page)
    tab_to(page, "#confirm")
    page.keyboard.press("Enter")
    expect(page.locator("#order-number")).to_have_text(re.compile(r"^PED-"))
    assert fits_the_screen(page)
    order = Order.objects.get()
    assert (order.customer_id, order.fulfilment, str(order.total)) == (
        story.customer_id,
        "pickup",
        "40.14",
    )


def test_a_walk_in_pays_cash_by_keyboard_in_spanish(angosto: Page, live_server):
    demo.seed_catalog()
    demo.seed_customer()
    page = angosto
    sign_in_clerk(page, live_server.url)
    page.goto(f"{live_server.url}/store/sku/{demo.TROUSERS_32}/?store={demo.STORE_HOME}")
    tab_to(page, "#customer")
    page.keyboard.type("nadie")
    page.keyboard.press("Enter")
    expect(page.locator("#customer-card")).to_contain_text("No se encontró")
    expect(page.locator("h2", has_text="Pedido para un cliente")).to_be_visible()
    settled(page)
    tab_to(page, "button.walk-in")
    page.keyboard.press("Enter")
    expect(page.locator("#buyer")).to_be_visible()
    settled(page)
    expect(page.locator("#buyer")).to_be_focused()
    tab_to(page, "input[name=pay]:checked")  # pay at the till, first choice without a card
    arrow_to(page, "input[name=pay][value=cash]")
    tab_to(page, "#order-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/store/orders/review/"))
    expect(page.locator("#review-amount")).to_have_text("51,64 USD")  # as Ecuador writes it
    expect(page.locator("#confirm")).to_contain_text("efectivo")
    assert fits_the_screen(page)
    tab_to(page, "#confirm")
    page.keyboard.press("Enter")
    expect(page.locator("#order-number")).to_have_text(re.compile(r"^PED-"))
    assert fits_the_screen(page)
    order = Order.objects.get()
    assert order.customer_id == walk_in_customer_id()
    assert order.status == "completed"
