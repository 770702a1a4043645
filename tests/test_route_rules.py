"""The authorization matrix over every route: a new route without a rule fails here.

* Every operation of the OpenAPI document checks a capability (found in its handler or in a
  helper of its module it calls), unless it is one of the few public ones listed below.
* Without credentials every other operation answers 401; with a token whose user holds no
  role, every operation that takes no body answers 403 (one with a body is refused before or
  after validation, never served).
* A token bound to the web channel gets 404 for every customer route about a customer the
  store (pos) brought in: own records versus foreign ones.
* Every page of the UI sends an anonymous visitor to sign in, except the public ones below;
  a signed-in user with no role gets 403 from every page that needs a capability.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from lealtad.api import api
from lealtad.core import tokens
from lealtad.core.roles import SCOPE_CAPABILITIES
from tests.api_fixtures import make_event, post_events

pytestmark = pytest.mark.django_db

# Operations anyone may call: the customer's own double opt-in link (the signed token is the
# key) and inbound connector webhooks (authenticated by their HMAC signature).
PUBLIC_OPERATIONS = {
    ("POST", "/api/v1/consents/confirm"),
    ("POST", "/api/v1/connectors/{name}/webhook"),
}
# Operations any authenticated caller may use: the JSON Schemas of the events (no data).
SIGNED_IN_OPERATIONS = {("GET", "/api/v1/events/schemas")}
# Pages anyone may open: signing in and out, the customer's own consent confirmation.
PUBLIC_PAGES = {"accounts:login", "web:logout", "consent_confirm"}
# The survey answer page (its signed link is the key) and the customer portal, which signs
# customers in by an e-mailed link in its own session (tests/service/test_portal.py checks that
# its pages send a visitor to the portal's sign-in and show only the customer's own records).
_PORTAL = ("login", "link", "logout", "home", "new_case", "case", "consents")
_PORTAL += ("community", "question", "attachment")
PUBLIC_PAGES |= {"service:survey_answer"} | {f"portal:{name}" for name in _PORTAL}
# A message's signed links (tests/marketing/test_responses_public.py, test_preferences.py).
PUBLIC_PAGES |= {f"marketing_public:{name}" for name in ("unsubscribe", "click", "preferences")}
# The lead web form a company embeds (tests/sales/test_webform.py: honeypot, timestamp, rate
# limit) and each seller's calendar feed, whose secret token is the key (test_calendar_pages).
PUBLIC_PAGES |= {"sales:webform", "sales:webform_thanks", "sales:calendar_feed"}
_CAPABILITY = re.compile(r"Capability\.[A-Z_]+")
_CALL = re.compile(r"\b(_?[a-z][a-z0-9_]*)\(")


def operations() -> Iterator[tuple[str, str, Any]]:
    """(method, OpenAPI path, operation) of every operation the API serves, nested routers'
    included."""
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            parts = [p.strip("/") for p in (bound.prefix, path) if p.strip("/")]
            full = re.sub(r"\{[a-z]+:([a-z_]+)\}", r"{\1}", "/api/v1/" + "/".join(parts))
            for op in path_view.operations:
                for method in op.methods:
                    yield method, full.rstrip("/"), op


def _capabilities_in(func: Any) -> set[str]:
    """Capabilities the handler checks itself or through a helper of its own module."""
    source = inspect.getsource(func)
    found = set(_CAPABILITY.findall(source))
    module = inspect.getmodule(func)
    for name in set(_CALL.findall(source)):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper.__module__ == func.__module__:
            found |= set(_CAPABILITY.findall(inspect.getsource(helper)))
    return found


def test_the_route_list_is_the_openapi_document(client: Client) -> None:
    served = {(m, p) for m, p, _ in operations()}
    documented = {
        (method.upper(), path.rstrip("/"))
        for path, ops in client.get("/api/v1/openapi.json").json()["paths"].items()
        for method in ops
    }
    assert documented == served, documented ^ served


def test_every_operation_checks_a_capability_or_is_public() -> None:
    missing = [
        f"{m} {p}"
        for m, p, op in operations()
        if (m, p) not in PUBLIC_OPERATIONS | SIGNED_IN_OPERATIONS
        and not _capabilities_in(op.view_func)
    ]
    assert missing == [], "routes without an access rule: " + ", ".join(missing)


@pytest.fixture
def foreign_customer(api: Client) -> int:
    """A customer only the store (pos) ever dealt with."""
    event = make_event(
        "pos-only",
        type="customer.upserted",
        channel="pos",
        customer={"phone": "0991112233", "name": "Ana Quishpe"},
        payload={"given_names": "Ana"},
    )
    return int(post_events(api, event).json()["results"][0]["customer_id"])


def _url(path: str, customer_id: int) -> str:
    return re.sub(r"\{[a-z_]+\}", "1", path.replace("{customer_id}", str(customer_id)))


def _call(client: Client, method: str, url: str) -> int:
    return int(client.generic(method, url, "{}", content_type="application/json").status_code)


def test_without_credentials_every_operation_but_the_public_ones_answers_401(
    client: Client, foreign_customer: int
) -> None:
    wrong = {
        f"{m} {p}": status
        for m, p, _ in operations()
        if (m, p) not in PUBLIC_OPERATIONS
        and (status := _call(client, m, _url(p, foreign_customer))) != 401
    }
    assert wrong == {}


def test_a_user_without_a_role_is_refused_everywhere(foreign_customer: int) -> None:
    nobody = User.objects.create_user("nadie", password="x-Secret-9")
    key = tokens.create_token(nobody, "all scopes", sorted(SCOPE_CAPABILITIES))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    served = {}
    for m, p, _ in operations():
        if (m, p) in PUBLIC_OPERATIONS | SIGNED_IN_OPERATIONS:
            continue
        status = _call(client, m, _url(p, foreign_customer))
        # 403 from the capability check; 404 or 422 when the request is refused before it
        # (its object or a required parameter missing): never an answer with data.
        if status not in (403, 404, 422):
            served[f"{m} {p}"] = status
    assert served == {}


def test_a_channel_token_reaches_no_other_channels_customer(
    token_client: Any, foreign_customer: int
) -> None:
    web = token_client("admin", (*sorted(SCOPE_CAPABILITIES), "channel:web"))
    reached = {}
    for m, p, _ in operations():
        if "{customer_id}" not in p or m not in ("GET", "PATCH"):
            continue
        status = _call(web, m, _url(p, foreign_customer))
        if status != 404:
            reached[f"{m} {p}"] = status
    assert reached == {}
    assert web.get("/api/v1/customers/lookup?phone=0991112233").json()["matches"] == []


def pages(patterns: list[Any] | None = None, prefix: str = "", ns: str = "") -> Iterator[Any]:
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if route.startswith(("admin/", "api/", "i18n/", "static/")):
            continue
        if isinstance(p, URLResolver):
            inner = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from pages(p.url_patterns, route, inner)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{ns}{p.name}", route


def _page_url(route: str) -> str:
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m[1] == "int" else "x", route)


def test_every_page_needs_a_sign_in_but_the_public_ones(client: Client) -> None:
    open_pages = {}
    for name, route in pages():
        if name in PUBLIC_PAGES:
            continue
        response = client.get(_page_url(route))
        if not (response.status_code == 302 and "login" in response["Location"]):
            open_pages[name] = response.status_code
    assert open_pages == {}


def test_a_signed_in_user_without_a_role_gets_no_page_that_needs_a_capability() -> None:
    nobody = User.objects.create_user("sin-rol", password="x-Secret-9")
    browser = Client()
    browser.force_login(nobody)
    served = {}
    for name, route in pages():
        if name in PUBLIC_PAGES or name.startswith(("web:", "accounts:")):
            continue  # signing out, the home redirect and one's own sign-in settings
        url = _page_url(route)
        status = browser.get(url).status_code
        if status == 405:
            status = browser.post(url).status_code
        if status not in (403, 404):
            served[name] = status
    assert served == {}
