"""The UI under its Content-Security-Policy in a real Chromium: no page trips it.

Every violation is caught twice: the page's ``securitypolicyviolation`` events (recorded by a
script Playwright injects, which the policy does not govern) and Chromium's console messages.
The staff part signs in the real way: password, then the enrolment page's key typed into an
authenticator (here: computed from the key shown), then the admin.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from .conftest import PASSWORD, build_review_pair, build_rodrigo
from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched(page: Page) -> Iterator[tuple[Page, list[str]]]:
    console: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda m: (
            console.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text
            else None
        ),
    )
    yield page, console


def _visit(page: Page, console: list[str], url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return [*page.evaluate("window.__cspViolations"), *console]


def test_the_agent_pages_trip_no_policy(watched, live_server, supervisor) -> None:
    page, console = watched
    customer = build_rodrigo()
    build_review_pair()
    base = live_server.url
    assert _visit(page, console, f"{base}/login/") == []
    sign_in(page, base, supervisor.username)
    with page.expect_response(re.compile(r"/customers/results/\?q=juarez")):
        page.locator("#q").press_sequentially("juarez")  # htmx swaps the results in
    expect(page.locator("#results")).to_contain_text("Juárez")
    assert [*page.evaluate("window.__cspViolations"), *console] == []
    for path in (
        "/customers/",
        f"/customers/{customer}/",
        "/customers/reviews/",
        "/store/",
        "/account/two-factor/",
    ):
        assert _visit(page, console, f"{base}{path}") == [], path


def test_staff_enrol_and_open_the_admin_with_no_violation(watched, live_server) -> None:
    page, console = watched
    User.objects.create_user("jefa", password=PASSWORD, is_staff=True, is_superuser=True)
    sign_in(page, live_server.url, "jefa")
    expect(page).to_have_url(re.compile(r"/login/enrol/$"))
    expect(page.locator("figure.qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("#id_code", f"{TOTP(key).token():06d}")
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    for path in ("/admin/", "/admin/auth/user/", "/admin/customers/customer/"):
        assert _visit(page, console, f"{live_server.url}{path}") == [], path
    expect(page.locator("#site-name")).to_be_visible()
