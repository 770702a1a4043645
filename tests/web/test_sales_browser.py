"""The sales screens in Chromium: a card dragged to another column moves (and a won one does
not, with the reason shown), the keyboard's "Move to" menu does the same, and axe finds no
serious problem on the board, forecast, dashboard and calendar on a laptop, nor on the field
pages at 360 px (which must not scroll sideways)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from lealtad.sales.models import Opportunity
from lealtad.sales.services import pipelines
from tests.sales.screens_data import activity, at, open_deals, seller

from .htmx import settled
from .test_accessibility import _context_page, sign_in, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def deals(db: Any) -> dict[str, Any]:
    boss = seller("marta.gerente", role="sales_manager")
    pipeline = pipelines.standard_pipeline()
    today = timezone.localdate()
    made = open_deals(
        pipeline,
        [
            {"name": "Banco Pichincha", "amount": "9000", "close": today, "owner": boss},
            {"name": "Farmacias Cruz Azul", "amount": "1500", "close": today, "owner": boss},
            {
                "name": "CNT ganada",
                "amount": "800",
                "close": today,
                "owner": boss,
                "stage": "Ganada",
            },
        ],
    )
    activity(boss, "Visita Supermaxi", at(today, 10))
    stages = {s.name: s.pk for s in pipeline.stages.all()}
    return {"open": made[0], "other": made[1], "won": made[2], "stages": stages}


def _page(browser: Browser, width: int = 1280, csp: bool = True) -> Page:
    if not csp:
        return _context_page(browser, width)
    context = browser.new_context(locale="en-US", viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    return context.new_page()


def _column(page: Page, stage_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f'.column[data-stage="{stage_id}"]')


def test_drag_a_card_to_another_stage(browser: Browser, live_server, deals) -> None:
    page = _page(browser)
    sign_in(page, live_server.url, "marta.gerente")
    page.goto(f"{live_server.url}/sales/board/")
    card = page.locator(f"#card-{deals['open'].pk}")
    target = _column(page, deals["stages"]["Negociación"])
    card.drag_to(target)
    expect(target.locator(f"#card-{deals['open'].pk}")).to_be_visible()
    settled(page, "#board")
    expect(page.locator(".boardnote")).to_contain_text(f"{deals['open'].number}")
    expect(target.locator(".count")).to_have_text("1 deal")
    assert Opportunity.objects.get(pk=deals["open"].pk).stage.name == "Negociación"
    page.context.close()


def test_a_won_card_cannot_move_back(browser: Browser, live_server, deals) -> None:
    page = _page(browser)
    sign_in(page, live_server.url, "marta.gerente")
    page.goto(f"{live_server.url}/sales/board/")
    won = page.locator(f"#card-{deals['won'].pk}")
    expect(won).to_have_attribute("draggable", "false")
    # Its menu is still there for the keyboard: choosing an open stage is refused in words.
    won.locator("select").select_option(str(deals["stages"]["Propuesta"]))
    won.locator("button[type=submit]").click()
    settled(page, "#board")
    expect(page.locator(".boardnote .msg.error")).to_contain_text("cannot move back")
    expect(
        _column(page, deals["stages"]["Ganada"]).locator(f"#card-{deals['won'].pk}")
    ).to_be_visible()
    assert Opportunity.objects.get(pk=deals["won"].pk).stage.name == "Ganada"
    page.context.close()


def test_the_keyboard_moves_a_card_with_its_menu(browser: Browser, live_server, deals) -> None:
    page = _page(browser)
    sign_in(page, live_server.url, "marta.gerente")
    page.goto(f"{live_server.url}/sales/board/")
    select = page.locator(f"#move-{deals['other'].pk}")
    select.focus()
    select.select_option(str(deals["stages"]["Propuesta"]))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    target = _column(page, deals["stages"]["Propuesta"])
    expect(target.locator(f"#card-{deals['other'].pk}")).to_be_visible()
    page.context.close()


LAPTOP = ["/sales/board/", "/sales/forecast/", "/sales/dashboard/", "/sales/calendar/"]
PHONE = ["/sales/field/", "/sales/calendar/"]


def _axe(browser: Browser, base: str, width: int, paths: list[str]) -> dict[str, list[str]]:
    page = _page(browser, width, csp=False)
    sign_in(page, base, "marta.gerente")
    found: dict[str, list[str]] = {}
    for path in paths:
        answer = page.goto(base + path)
        assert answer is not None and answer.status == 200, path
        page.wait_for_load_state("networkidle")
        if problems := violations(page):
            found[path] = problems
        if width <= 360 and path == "/sales/field/":
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                found.setdefault(path, []).append(f"scrolls sideways ({scroll} px)")
    page.context.close()
    return found


def test_axe_on_the_sales_pages_on_a_laptop(browser: Browser, live_server, deals) -> None:
    assert _axe(browser, live_server.url, 1280, LAPTOP) == {}


def test_axe_on_the_field_pages_at_360_px(browser: Browser, live_server, deals) -> None:
    assert _axe(browser, live_server.url, 360, PHONE) == {}
