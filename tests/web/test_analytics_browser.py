"""The analytics pages in a real Chromium under the Content-Security-Policy: the vendored
Chart.js loads from our static files and draws the dashboard's charts with no violation, and
an administrator sets a scorecard target with the page's own form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from lealtad.analytics.models import ScorecardTarget
from lealtad.analytics.services import facts
from lealtad.channels.models import ExternalSystem
from lealtad.commerce import demo
from lealtad.core import tokens
from tests.analytics.test_pages_dashboard import buy

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


@pytest.fixture
def own_home(settings, tmp_path) -> None:
    settings.LEALTAD_HOME = tmp_path  # the cube's facts for this test alone
    settings.LEALTAD_ANALYTICS_NIGHTLY = False


def pos_client() -> Client:
    """A POS integration's token (tests/web's make_user differs from the API tests')."""
    demo.seed_catalog()
    ExternalSystem.objects.create(name="pos_cadena", description="POS de la cadena")
    user = User.objects.create_user("pos", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="admin")[0])
    key = tokens.create_token(user, "pos", ["events:write", "customers:read"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_the_dashboard_draws_its_charts_with_the_vendored_library(
    watched, live_server, own_home
) -> None:
    api = pos_client()
    today = timezone.localdate()
    for n, who in enumerate(("ana", "beto", "carla")):
        buy(api, f"{who}@example.ec", today - timedelta(days=3 + n), demo.STORE_HOME)
    buy(api, "dario@example.ec", today - timedelta(days=2), demo.STORE_OFFICE, units=2)
    facts.export_all()
    page, console = watched
    sign_in(page, live_server.url, manager().username)
    expect(page).to_have_url(re.compile(r"/analytics/$"))
    expect(page.locator("canvas[data-chart-ready]")).to_have_count(6)
    assert page.evaluate("typeof window.Chart") == "function"
    drawn = page.evaluate(
        "[...document.querySelectorAll('canvas[data-chart]')]"
        ".map(c => c.chart && c.chart.config.type)"
    )
    assert drawn == ["doughnut", "bar", "bar", "bar", "bar", "bar"]
    # Every chart's numbers are in a table too.
    page.locator("#channel-customers details summary").click()
    expect(page.locator("#channel-customers table")).to_contain_text("4")
    expect(page.locator("#cohort-heat td.heat-9").first).to_be_visible()
    # The migrants panel comes after the page and fills the KPI tile at the top too.
    expect(page.locator("#migration")).to_be_visible()
    expect(page.locator("#kpi-migrants .value")).to_have_text("0")
    # The store filter submits itself and narrows the figures.
    page.select_option("#f-store", demo.STORE_OFFICE)
    expect(page).to_have_url(re.compile(r"store=UIO-AMAZONAS"))
    expect(page.locator("#kpi-orders .value")).to_have_text("1")
    expect(page.locator("canvas[data-chart-ready]").first).to_be_visible()
    assert [*page.evaluate("window.__cspViolations"), *console] == []


def manager(name: str = "marta.gerente") -> User:
    user = User.objects.create_user(name, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="manager")[0])
    return user


def test_the_manager_sets_a_scorecard_target(watched, live_server, own_home) -> None:
    page, console = watched
    sign_in(page, live_server.url, manager().username)
    expect(page).to_have_url(re.compile(r"/analytics/$"))  # a manager starts at the dashboard
    page.goto(f"{live_server.url}/analytics/scorecard/?period=2026-Q2")
    page.locator("#set-returns_rate summary").click()  # the form folds under its KPI
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
