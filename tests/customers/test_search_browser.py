"""In Chromium, with the keyboard alone: a clerk signs in, types, moves through the results with
the arrow keys, pages with Tab and Enter, and opens a customer by typing their whole cédula."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.customers import search_people as people

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in_by_keyboard(page: Page, base: str) -> None:
    """Each field is checked before the next key: on a loaded machine a sign-in once failed
    (in CI, on PostgreSQL) and the search steps after it reported the wrong thing."""
    page.goto(f"{base}/login/?next=/customers/")
    username, password = page.locator("#id_username"), page.locator("#id_password")
    username.focus()
    expect(username).to_be_focused()
    page.keyboard.type("ana.agente")
    expect(username).to_have_value("ana.agente")
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(people.PASSWORD)
    expect(password).to_have_value(people.PASSWORD)
    page.keyboard.press("Enter")
    # The path itself, not the login page's ?next=/customers/
    expect(page).to_have_url(re.compile(r"^https?://[^/?]+/customers/$"))


def _focused(page: Page) -> str:
    return page.evaluate("document.activeElement.textContent.trim()")


def test_a_clerk_finds_and_opens_a_customer_without_the_mouse(page: Page, live_server) -> None:
    people.agent()
    ids = people.namesakes()
    _sign_in_by_keyboard(page, live_server.url)
    expect(page.locator("#q")).to_be_focused()  # the search box is ready to type in
    with page.expect_response(re.compile(r"/customers/results/\?q=rodrigo")):
        page.keyboard.type("rodrigo juarez", delay=20)
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Paredes")).to_contain_text("Guayaquil")
    expect(rows.filter(has_text="Ortega")).to_contain_text("Quito")
    page.keyboard.press("ArrowDown")
    first = _focused(page)
    page.keyboard.press("ArrowDown")
    second = _focused(page)
    assert {first, second} == {"Rodrigo Juárez Ortega", "Rodrigo Juarez Paredes"}
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#q")).to_be_focused()  # back in the box
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    opened = ids["rodrigo"] if first.endswith("Ortega") else ids["paredes"]
    expect(page).to_have_url(re.compile(rf"/customers/{opened}/$"))


def test_enter_with_a_whole_cedula_opens_the_customer(page: Page, live_server) -> None:
    people.agent()
    ids = people.namesakes()
    _sign_in_by_keyboard(page, live_server.url)
    page.keyboard.type(people.RODRIGO_ID)
    expect(page.locator("#exact-match")).to_contain_text("Rodrigo Juárez Ortega")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/customers/{ids['rodrigo']}/$"))
    page.go_back()  # Back returns to the search, not into a redirect loop
    expect(page).to_have_url(re.compile(r"/customers/$"))


def test_the_pages_are_reached_with_tab_and_enter(page: Page, live_server) -> None:
    people.agent()
    people.crowd(30)
    _sign_in_by_keyboard(page, live_server.url)
    page.keyboard.type("prueba")
    page.keyboard.press("Enter")
    expect(page.locator("#result-count")).to_contain_text(re.compile("1\u201325 (of|de) 30"))
    for _ in range(40):  # through the box, the button and the 25 results to the next page
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.rel") == "next":
            break
    page.keyboard.press("Enter")
    expect(page.locator("#result-count")).to_contain_text(re.compile("26\u201330 (of|de) 30"))
    expect(page.locator("#results tbody tr")).to_have_count(5)
