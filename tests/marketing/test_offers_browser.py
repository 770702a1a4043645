"""A clerk accepts an offer from the handheld's customer box in a real Chromium (phone size):
the panel's button posts the answer through htmx and swaps the panel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from lealtad.commerce import demo
from lealtad.marketing.models import OfferEvent, OfferStat
from tests.commerce.handheld import sign_in_clerk
from tests.marketing.offer_fixtures import make_offers, offer, seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en", viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_clerk_accepts_an_offer_on_the_handheld(phone: Page, live_server: object) -> None:
    seed()
    make_offers(
        offer("warranty", name_es="Garantía extendida", name_en="Extended warranty", priority=80)
    )
    base = live_server.url  # type: ignore[attr-defined]
    sign_in_clerk(phone, base)
    phone.goto(f"{base}/store/?store={demo.STORE_HOME}")
    phone.locator("#q").press_sequentially("camisa")
    phone.locator("#products a", has_text="Camisa Oxford celeste").click()
    phone.locator(f"#variants a[data-sku='{demo.SHIRT_M}']").click()
    phone.fill("#customer", "0991234567")
    phone.locator("#customer").press("Enter")
    panel = phone.locator("[data-panel=offers]")
    expect(panel.locator("[data-offer=warranty]")).to_contain_text("Garantía extendida")
    panel.locator("[data-offer=warranty] button.primary").click()
    expect(phone.locator(".offers-panel [role=status]")).to_contain_text("Garantía extendida")
    assert OfferEvent.objects.filter(outcome="accepted", channel="handheld").count() == 1
    assert OfferStat.objects.get(channel="handheld").accepted == 1
