"""The staffing page in a real Chromium: the charts are drawn under the page's CSP."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import Page, expect

from .test_staffing_api import MONDAY, _history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(page: Page, base: str, user) -> None:
    """A session for ``user`` in the browser (the sign-in form is tested elsewhere)."""
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    cookie = {
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": session.session_key or "",
        "domain": urlparse(base).hostname or "localhost",
        "path": "/",
    }
    page.context.add_cookies([cookie])


def test_the_charts_draw_the_planned_day(page: Page, live_server, center, make_user) -> None:
    _history("billing", weeks=2, per_slot={0: 40})
    _signed_in(page, live_server.url, make_user("supervisor"))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/contactcenter/staffing/?date={MONDAY.isoformat()}&patience=180")
    expect(page.locator("#staffing-summary")).to_contain_text("Erlang A")
    agents = "document.querySelector('canvas[data-chart=staffing-agents]')"
    page.wait_for_function(f"() => !!{agents}.chart")
    bars = page.evaluate(f"() => {agents}.chart.data.datasets.map(d => [d.label, d.data.length])")
    assert ["billing", 8] in bars
    drawn = page.evaluate(
        "() => !!document.querySelector('canvas[data-chart=staffing-calls]').chart"
    )
    assert drawn and errors == []
    expect(page.locator("#staffing-table tbody tr")).to_have_count(8)
