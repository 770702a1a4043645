"""In Chromium, in Spanish and English (issue 17): the customer page's audit trail and
timeline say what happened in words, the orders card names the store a return was taken at,
and the loyalty member page is titled with the customer's name, not a number."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from lealtad.commerce import demo
from lealtad.core.audit import Actor
from lealtad.customers import services
from lealtad.customers.models import Customer
from lealtad.customers.services import ChangeContext
from lealtad.customers.services.timeline import TimelineLine, add_lines
from lealtad.loyalty.services import members
from tests.customers import merge_people
from tests.loyalty.helpers import program

PASSWORD = "x-Secret-9"  # tests/api_fixtures.py make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCALES = {"es": "es-EC", "en": "en-US"}
WORDS = {
    "es": {
        "merge": "Ficha fusionada en esta",
        "lifecycle": "Etapa del ciclo de vida",
        "order": "Pedido realizado",
        "member": "María José Quishpe en",
    },
    "en": {
        "merge": "Record merged into this one",
        "lifecycle": "Lifecycle stage",
        "order": "Order placed",
        "member": "María José Quishpe in",
    },
}


def _page(browser: Browser, language: str) -> Iterator[Page]:
    context = browser.new_context(locale=LOCALES[language], viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)  # a shared machine: the first page warms the server
    try:
        yield context.new_page()
    finally:
        context.close()


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))


@pytest.fixture
def merged(db) -> int:
    review = merge_people.pair()
    kept = Customer.objects.get(pk=review.customer_a_id)
    gone = Customer.objects.get(pk=review.customer_b_id)
    services.merge_customers(kept, gone, ChangeContext(Actor.system("test")), "same person")
    now = timezone.now()
    add_lines(
        [
            TimelineLine(kept.pk, now - timedelta(minutes=n), "web", kind, subject="")
            for n, kind in enumerate(["lifecycle", "order.placed"])
        ]
    )
    return kept.pk


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_audit_trail_and_the_timeline_in_words(
    browser: Browser, live_server, make_user, merged: int, language: str
) -> None:
    make_user("supervisor", "sofia.super")
    words = WORDS[language]
    for page in _page(browser, language):
        _sign_in(page, live_server.url, "sofia.super")
        page.goto(f"{live_server.url}/customers/{merged}/")
        trail = page.locator("#audit")
        expect(trail).to_contain_text(words["merge"])
        expect(trail).not_to_contain_text(re.compile(r"\bmerged_(into|customer)\b|\bmerge\b"))
        timeline = page.locator("#timeline")
        expect(timeline).to_contain_text(words["lifecycle"])
        expect(timeline).to_contain_text(words["order"])
        expect(timeline).not_to_contain_text(re.compile(r"order\.placed|\blifecycle\b"))


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_orders_card_names_the_store_of_a_return(
    browser: Browser, live_server, make_user, language: str
) -> None:
    demo.cross_channel()
    customer = Customer.objects.get(emails__address=demo.CUSTOMER["email"])
    make_user("supervisor", "sofia.super")
    for page in _page(browser, language):
        _sign_in(page, live_server.url, "sofia.super")
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        orders = page.locator("#orders")
        expect(orders.locator(".return").first).to_contain_text("Tienda Amazonas")
        expect(orders).not_to_contain_text(demo.STORE_OFFICE)


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_member_page_is_titled_with_the_customers_name(
    browser: Browser, live_server, make_user, language: str
) -> None:
    customer = Customer.objects.create(display_name="María José Quishpe")
    member = members.enrol(program(), [customer.pk])[customer.pk]
    make_user("marketer", "mila")
    for page in _page(browser, language):
        _sign_in(page, live_server.url, "mila")
        page.goto(f"{live_server.url}/loyalty/")
        row = page.locator(f"#members a[href='/loyalty/members/{member.pk}/']")
        expect(row).to_have_text("María José Quishpe")
        row.click()
        expect(page.locator("h1")).to_contain_text(WORDS[language]["member"])
        expect(page).to_have_title(re.compile(r"^María José Quishpe"))
        expect(page.locator("h1")).not_to_contain_text(str(customer.pk))
        page.click("a[href*='/statement/']")
        expect(page.locator("dl.facts")).to_contain_text("María José Quishpe")
