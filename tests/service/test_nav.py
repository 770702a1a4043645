"""The service desk in the navigation: the main bar's link and the sub-navigation on every
agent and supervisor page, each link shown only to a role that may open it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db

HANDLE = {  # link text: where it goes (service.handle)
    "Cases": "/service/cases/",
    "Knowledge base": "/service/kb/",
    "Visits today": "/service/field/today/",
    "RMA": "/service/rma/",
    "Contracts": "/service/contracts/",
}
SUPERVISE = {
    "Supervisor desk": "/service/desk/",
    "Dispatch board": "/service/field/board/",
    "Surveys": "/service/surveys/report/",
}
PAGES = [
    "/service/cases/",
    "/service/kb/",
    "/service/field/today/",
    "/service/field/defects/",
    "/service/rma/",
    "/service/contracts/",
]
SUPERVISOR_PAGES = ["/service/desk/", "/service/field/board/", "/service/surveys/report/"]


def signed_in(make_user, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(role))
    return client


def service_nav(html: str) -> dict[str, str]:
    """The sub-navigation's links as {text: href} (empty when the page has none)."""
    found = re.search(r'<nav[^>]*id="service-nav".*?</nav>', html, re.S)
    if found is None:
        return {}
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', found.group(0))
    return {text: href for href, text in links}


def main_nav(html: str) -> dict[str, str]:
    found = re.search(r'<nav class="mainnav".*?</nav>', html, re.S)
    assert found is not None
    return {text: href for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', found[0])}


def optional(name: str) -> str | None:
    """Mail and reports are linked only once their pages exist (another area builds them)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@pytest.mark.parametrize("page", PAGES)
def test_an_agent_sees_the_handling_links_and_no_supervisor_ones(make_user, page):
    client = signed_in(make_user, "agent")
    html = client.get(page).content.decode()
    links = service_nav(html)
    for text, href in HANDLE.items():
        assert links.get(text) == href
    assert not set(links) & set(SUPERVISE)
    assert "Reports" not in links
    assert ("Mail" in links) == (optional("service:mail") is not None)
    assert main_nav(html)["Service desk"] == "/service/cases/"


@pytest.mark.parametrize("page", PAGES + SUPERVISOR_PAGES)
def test_a_supervisor_sees_every_link(make_user, page):
    client = signed_in(make_user, "supervisor")
    html = client.get(page).content.decode()
    links = service_nav(html)
    for text, href in (HANDLE | SUPERVISE).items():
        assert links.get(text) == href
    assert links.get("Mail") == optional("service:mail")
    assert links.get("Reports") == optional("service:reports")


def test_each_page_marks_its_own_link(make_user):
    client = signed_in(make_user, "supervisor")
    html = client.get("/service/rma/").content.decode()
    assert re.search(r'href="/service/rma/" aria-current="page">RMA<', html)
    assert 'aria-current="page">Cases<' not in html
    html = client.get("/service/desk/").content.decode()
    assert re.search(r'href="/service/desk/" aria-current="page">Supervisor desk<', html)


@pytest.mark.parametrize("role", ["store_clerk", "marketer", "sales_rep"])
def test_roles_without_the_service_desk_see_no_link_to_it(make_user, role):
    client = signed_in(make_user, role)
    html = client.get("/", follow=True).content.decode()
    assert "Service desk" not in main_nav(html)
    assert "/service/" not in html
    assert client.get("/service/rma/").status_code == 403


def test_a_technician_sees_the_desk_link_and_their_day(make_user):
    client = signed_in(make_user, "technician")
    html = client.get("/service/field/today/").content.decode()
    assert main_nav(html)["Service desk"] == "/service/cases/"
    assert service_nav(html)["Visits today"] == "/service/field/today/"
    assert "Dispatch board" not in service_nav(html)


def test_the_customer_facing_pages_have_no_desk_navigation(make_user):
    client = signed_in(make_user, "agent")
    assert service_nav(client.get("/portal/login/").content.decode()) == {}
