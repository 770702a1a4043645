"""The customer page as an agent reads it in Chromium (issue 17): who the customer is, how to
reach them and whether they may, what is open, what to offer, then what happened; codes shown
as words in Spanish and English; one column on the handheld with no sideways scroll."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from lealtad.channels.services import ingest
from lealtad.commerce import demo
from lealtad.core.audit import Actor
from lealtad.core.dispatcher import default_dispatcher
from lealtad.loyalty.services import members
from tests.loyalty.helpers import program

from ..web.conftest import event

PASSWORD = "x-Secret-9"  # tests/api_fixtures.py make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The cards in the order an agent needs them (the value card comes once analytics assessed).
CARDS = [
    *("general", "contact", "loyalty", "orders", "cases", "offers", "history"),
    *("addresses", "consents"),
]

WORDS = {
    "es": {"delivered": "Entregado", "fulfilment": "Envío a domicilio"},
    "en": {"delivered": "Delivered", "fulfilment": "Ship to address"},
}


@pytest.fixture
def customer(db) -> int:
    """Rodrigo with three orders (shipped home, on the web, an exchange at the store), a
    consent for each of email (yes) and SMS (no), and a loyalty membership."""
    demo.cross_channel()
    consents = [
        {"channel": "email", "purpose": "marketing", "granted": True, "method": "signed form"},
        {"channel": "sms", "purpose": "marketing", "granted": False, "method": "signed form"},
    ]
    results = ingest(
        [
            event(
                "consents-1",
                "customer.upserted",
                "pos",
                "2025-04-01T10:00:00-05:00",
                dict(demo.CUSTOMER),
                {"consents": consents},
            )
        ],
        Actor.system("store-pos"),
    )
    default_dispatcher().run_once()
    assert results[0].customer_id is not None
    members.enrol(program(), [results[0].customer_id])
    return results[0].customer_id


def _page(browser: Browser, locale: str, width: int) -> Iterator[Page]:
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _open(page: Page, base: str, username: str, customer: int) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.goto(f"{base}/customers/{customer}/")
    page.wait_for_load_state("networkidle")


def _cards_in_order(page: Page) -> list[str]:
    found = page.evaluate("() => [...document.querySelectorAll('section.card')].map(s => s.id)")
    return [card for card in found if card in CARDS]


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_laptop_shows_what_an_agent_needs_first_in_words(
    browser: Browser, live_server, make_user, customer: int, language: str
) -> None:
    make_user("supervisor", "sofia.super")
    for page in _page(browser, "es-EC" if language == "es" else "en-US", 1280):
        _open(page, live_server.url, "sofia.super", customer)
        assert _cards_in_order(page) == CARDS
        tops = [page.locator(f"#{card}").bounding_box()["y"] for card in CARDS[:3]]
        assert tops[0] == tops[1] == tops[2], "identity, contact and tier side by side"
        expect(page.locator("#loyalty")).to_contain_text("Plata")
        orders = page.locator("#orders")
        width = orders.bounding_box()["width"]
        assert width >= 600, f"the orders card is {width} px wide on a laptop"
        words = WORDS[language]
        expect(orders).to_contain_text(words["delivered"])
        expect(orders).to_contain_text(words["fulfilment"])
        codes = re.compile(r"(· |Payment |Pago )(handheld|pos|web|ship|captured|charge)\b")
        expect(orders).not_to_contain_text(codes)
        expect(orders).to_contain_text(timezone.localdate().strftime("%d/%m/%Y"))
        expect(orders).not_to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2}"))  # no ISO dates
        contact = page.locator("#contact")
        email = contact.locator("[data-kind=email]")
        expect(email).to_contain_text("rodrigo.juarez@example.ec")
        yes, no = ("Sí", "No") if language == "es" else ("Yes", "No")
        expect(email.locator("li.yes")).to_contain_text(yes)
        expect(contact.locator("[data-kind=phone] li.no")).to_contain_text(no)
        expect(contact.locator("[data-kind=phone] li.no")).to_contain_text(
            "SMS · Ofertas comerciales" if language == "es" else "SMS · Marketing offers"
        )


def test_the_handheld_width_is_one_column_in_the_same_order(
    browser: Browser, live_server, make_user, customer: int
) -> None:
    make_user("supervisor", "sofia.super")
    for page in _page(browser, "es-EC", 360):
        _open(page, live_server.url, "sofia.super", customer)
        page.locator("#consents details.history summary").click()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the customer page scrolls sideways ({width} px)"
        assert _cards_in_order(page) == CARDS
        tops = [page.locator(f"#{card}").bounding_box()["y"] for card in CARDS]
        assert tops == sorted(tops), "one column, top to bottom in the order of the cards"
