"""Pytest plugin: a real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Browser tests combine ``page`` with pytest-django's ``live_server``::

    @pytest.mark.browser
    def test_login(page, live_server):
        page.goto(f"{live_server.url}/login/")
"""

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

# Playwright's sync API runs an asyncio event loop in the test thread; Django then sees a
# running loop and refuses ORM calls from that thread (SynchronousOnlyOperation) although the
# tests themselves are plain synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # No calls home: tests must not reach the network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole session; each test gets its own context through ``page``."""
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in a new context (no cookies shared between tests), Ecuadorian Spanish."""
    context = browser.new_context(locale="es-EC", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)  # fail a missing element in 10 s, not 30 s
    try:
        yield context.new_page()
    finally:
        context.close()
