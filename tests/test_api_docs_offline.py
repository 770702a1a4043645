"""The API docs page works on a machine without internet: Swagger UI comes from Lealtad.

The browser is cut off from everything but the test server (``page.route``), as a shop's
back office on a closed network would be; the page must still list the API's operations and
ask nothing of a CDN.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

import pytest
from django.test import Client
from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.django_db


def test_the_docs_page_names_only_local_assets() -> None:
    html = Client().get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_the_schema_names_each_key_once() -> None:
    """A status declared by a handler and again by the edge was written twice ("404" and 404
    became the same JSON key): Swagger UI's parser refused the whole document."""
    repeated: list[str] = []

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        repeated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    body = Client().get("/api/v1/openapi.json").content
    schema = json.loads(body, object_pairs_hook=unique)
    assert repeated == []
    created = schema["paths"]["/api/v1/customers"]["post"]["responses"]
    assert {"201", "400", "409", "413", "422"} <= set(created)


SCHEMA_BUILT = 30_000  # ms


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_render_their_operations_offline(page: Page, live_server) -> None:
    local = urlparse(live_server.url).netloc
    blocked: list[str] = []
    refused: list[str] = []

    def only_local(route: Route) -> None:
        if urlparse(route.request.url).netloc == local:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", only_local)
    page.on("console", lambda m: refused.append(m.text) if "Refused to" in m.text else None)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Lealtad API")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=SCHEMA_BUILT)
    assert operations.count() > 20
    path_360 = "/api/v1/customers/{customer_id}/360"
    customer_360 = page.locator(".opblock-summary-path", has_text=path_360)
    expect(customer_360).to_have_count(1)
    assert blocked == []
    assert refused == []  # the Content-Security-Policy let every asset in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_old_docs_address_leads_to_the_same_page(page: Page, live_server) -> None:
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(live_server.url)
            else route.abort("internetdisconnected")
        ),
    )
    page.goto(f"{live_server.url}/api/docs")
    # The page draws once the API's schema is built (hundreds of operations): over 5 s on two
    # busy cores once, so wait as long as a slow machine needs.
    expect(page.locator(".opblock").first).to_be_visible(timeout=SCHEMA_BUILT)
