"""In Chromium, as the customer: the preference center from the signed link, in Spanish (the
customer's language), switched to English, choices saved as consent records."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from lealtad.customers.models import Consent, ConsentChange
from lealtad.marketing import links
from lealtad.marketing.models import Preference
from tests.marketing.response_data import customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_sets_channels_topics_and_frequency(page: Page, live_server):
    ana = customer("ana@example.ec", "Ana", language="es")
    path = "/" + links.preferences_url(ana).split("://", 1)[1].split("/", 1)[1]
    page.goto(live_server.url + path)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tus preferencias de comunicación")
    expect(page.locator("#consent-email-marketing")).to_be_checked()

    page.locator("#consent-sms-marketing").check()
    page.locator("#topic-offers").uncheck()
    page.locator("#frequency").select_option("weekly")
    page.locator("#frequency_limit").fill("2")
    page.locator("#save").click()
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("#consent-sms-marketing")).to_be_checked()

    assert Consent.objects.get(customer_id=ana, channel="sms", purpose="marketing").granted
    change = ConsentChange.objects.get(customer_id=ana, channel="sms")
    assert change.method == "preference center, signed link"
    prefs = Preference.objects.get(customer_id=ana)
    assert (prefs.frequency, prefs.frequency_limit) == ("weekly", 2)
    assert "offers" in prefs.refused_topics

    page.locator("#switch-language").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your communication preferences")
    expect(page.locator("#topic-offers")).not_to_be_checked()
    expect(page.locator("#frequency")).to_have_value("weekly")
