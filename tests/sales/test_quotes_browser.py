"""In Chromium, in Spanish: a seller writes a quote's lines and the editor's totals follow
(htmx, priced by the service that saves the draft); the saved quote shows the same total."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from lealtad.commerce import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple-9"


def test_the_editor_prices_as_the_seller_types(page: Page, live_server) -> None:
    demo.seed_catalog()
    story = demo.seed_customer()
    user = User.objects.create_user(username="lucia", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="sales_rep")[0])
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "lucia")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.goto(f"{base}/sales/quotes/new/?customer={story.customer_id}")
    expect(page.locator("h1")).to_contain_text("Nueva cotización")
    skus, quantities = (
        page.locator("input[name=line_sku]"),
        page.locator("input[name=line_quantity]"),
    )
    skus.nth(0).fill(demo.SHIRT_M)
    quantities.nth(0).fill("2")
    quantities.nth(0).dispatch_event("change")
    expect(page.locator("#quote-total")).to_have_text("80.27")  # 69.80 + 15% IVA
    page.locator("input[name=line_discount_percent]").nth(0).fill("10")
    page.locator("input[name=line_discount_percent]").nth(0).dispatch_event("change")
    expect(page.locator("#quote-total")).to_have_text("72.24")  # 62.82 + 9.42
    page.click("#quote-editor button[type=submit]")
    expect(page.locator("#quote-status")).to_have_text("borrador")
    expect(page.locator("#quote-total")).to_have_text("72.24")
