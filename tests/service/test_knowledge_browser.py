"""The knowledge base in a real Chromium: results appear as the agent types (htmx under the
page's CSP), a feedback button counts, and the walker reaches a solution."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import Page, expect

from lealtad.service import demo_knowledge
from lealtad.service.models import Article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(page: Page, base: str, user) -> None:
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.session_key or "",
                "domain": urlparse(base).hostname or "localhost",
                "path": "/",
            }
        ]
    )


def test_typing_finds_articles_feedback_counts_and_the_walker_ends(
    page: Page, live_server, make_user
) -> None:
    demo_knowledge.load()
    demo_knowledge.load_trees()
    _signed_in(page, live_server.url, make_user("agent"))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/service/kb/")
    page.locator("#q").press_sequentially("devolucion", delay=30)
    expect(page.locator("#kb-results mark").first).to_have_text("devoluciones")
    page.locator("#kb-results a").first.click()
    expect(page.locator("h1")).to_contain_text("devoluciones")
    page.get_by_role("button", name="No").click()
    expect(page.locator(".kb-feedback .muted")).to_contain_text("👎 1")
    assert Article.objects.get(key="politica-devoluciones").unhelpful == 1
    page.goto(f"{live_server.url}/service/kb/")
    page.locator(".kb-trees button").first.click()
    expect(page.locator("#question")).to_contain_text("luz")
    page.get_by_role("button", name="LOS en rojo").click()
    expect(page.locator("#solution")).to_contain_text("Corte de fibra")
    assert errors == []
