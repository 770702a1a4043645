"""Marketing in the navigation: the main bar links it for the roles that may see it, and its
front page refuses the others."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def signed_in(make_user, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(role))
    return client


@pytest.mark.parametrize("role", ["marketer", "manager", "supervisor"])
def test_the_roles_that_see_marketing_reach_its_front_page(make_user, role):
    client = signed_in(make_user, role)
    page = client.get("/marketing/")
    assert page.status_code == 200
    assert 'id="marketing-nav"' in page.content.decode()
    assert '<a href="/marketing/">Marketing</a>' in page.content.decode()  # the main bar


@pytest.mark.parametrize("role", ["store_clerk", "agent", "technician"])
def test_other_roles_neither_see_the_link_nor_open_the_page(make_user, role):
    client = signed_in(make_user, role)
    assert client.get("/marketing/").status_code == 403
    assert 'href="/marketing/"' not in client.get("/customers/").content.decode()


def test_the_front_page_speaks_spanish(make_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(make_user("marketer"))
    assert "A quién hablar (segmentos)" in client.get("/marketing/").content.decode()
