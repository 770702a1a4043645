"""The analytics pages in a real Chromium under the Content-Security-Policy: the vendored
Chart.js loads from our static files and draws the dashboard's charts with no violation, and
an administrator sets a scorecard target with the page's own form."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from lealtad.analytics.models import ScorecardTarget

from .conftest import PASSWORD
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
    # A static file that does not load (the vendored chart library) counts as a failure too.
    page.on(
        "response",
        lambda r: (
            console.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    yield page, console


def manager(name: str = "marta.gerente") -> User:
    user = User.objects.create_user(name, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="manager")[0])
    return user


def test_the_manager_sets_a_scorecard_target(watched, live_server) -> None:
    page, console = watched
    sign_in(page, live_server.url, manager().username)
    expect(page).to_have_url(re.compile(r"/analytics/$"))  # a manager starts at the dashboard
    page.goto(f"{live_server.url}/analytics/scorecard/?period=2026-Q2")
    form = page.locator("#target-returns_rate")
    form.locator("input[name=target]").fill("4.5")
    form.locator("select[name=direction]").select_option("lower")
    form.locator("button[type=submit]").click()
    expect(page.locator(".msg.success")).to_be_visible()
    expect(page.locator("#kpi-returns_rate .target")).to_contain_text("4,5")
    target = ScorecardTarget.objects.get()
    assert (target.kpi, target.period, str(target.target)) == ("returns_rate", "2026-Q2", "4.5000")
    page.select_option("#period", "2026-Q1")  # the picker submits itself (data-autosubmit)
    expect(page).to_have_url(re.compile(r"period=2026-Q1"))
    expect(page.locator("#kpi-returns_rate .target")).to_have_text("—")
    assert [*page.evaluate("window.__cspViolations"), *console] == []
