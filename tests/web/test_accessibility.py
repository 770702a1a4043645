"""Accessibility in a real Chromium: axe-core (from npm, see package.json) checks every main
page as the people who use it see it, in Spanish, on a laptop and the handheld at 360 px wide.
No serious or critical violation may remain."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import PASSWORD, build_review_pair, build_rodrigo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}

MANAGER_PAGES = [
    "/customers/",
    "/customers/?q=juarez",
    "/customers/{rodrigo}/",
    "/customers/new/",
    "/customers/reviews/",
    "/customers/quality/",
    "/store/",
    "/contactcenter/",
    "/service/cases/",
    "/service/desk/",
    "/service/kb/",
    "/service/reports/",
    "/analytics/",
    "/marketing/",
]


def violations(page: Page) -> list[str]:
    """axe's serious and critical findings on the page as shown: rule, impact, first nodes."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + json.dumps([n["target"] for n in v["nodes"][:3]])
        for v in found
        if v["impact"] in SERIOUS
    ]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _context_page(browser: Browser, width: int) -> Page:
    # axe is injected as a script of its own: the pages' Content-Security-Policy (no inline
    # script) would refuse it, so this context alone bypasses CSP.
    context = browser.new_context(
        locale="es-EC", viewport={"width": width, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def test_axe_is_installed() -> None:
    assert AXE.is_file(), "run scripts/install.sh (npm ci installs axe-core)"


def test_the_sign_in_page(browser: Browser, live_server) -> None:
    page = _context_page(browser, 1280)
    page.goto(f"{live_server.url}/login/")
    assert violations(page) == []
    page.context.close()


def test_every_main_page_for_a_manager(browser: Browser, live_server, make_user) -> None:
    make_user("marta.gerente", "manager")
    rodrigo = build_rodrigo()
    build_review_pair()
    page = _context_page(browser, 1280)
    sign_in(page, live_server.url, "marta.gerente")
    found = {}
    for path in MANAGER_PAGES:
        page.goto(live_server.url + path.format(rodrigo=rodrigo))
        page.wait_for_load_state("networkidle")
        if problems := violations(page):
            found[path] = problems
    page.context.close()
    assert found == {}


def test_the_handheld_at_360_px(browser: Browser, live_server, make_user) -> None:
    make_user("carlos.tienda", "store_clerk")
    build_rodrigo()
    page = _context_page(browser, 360)
    sign_in(page, live_server.url, "carlos.tienda")
    page.goto(f"{live_server.url}/store/")
    assert violations(page) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the handheld scrolls sideways ({width} px)"
    page.context.close()
