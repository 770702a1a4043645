"""Only the privacy officer and administrators reach requests and retention, on the pages and
the API; the officer's pages carry a request from receipt to answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from lealtad.core import tokens
from lealtad.core.roles import Role
from lealtad.customers.models import Customer
from lealtad.privacy.models import DataSubjectRequest
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db
ALL_SCOPES = ["customers:read", "customers:write", "audit:read", "privacy:manage"]
ALLOWED = {Role.ADMIN, Role.PRIVACY_OFFICER}


def _user(role: Role) -> User:
    user = User.objects.create_user(f"u-{role.value}", password="x-Secret-9")
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


def _browser(role: Role) -> Client:
    """Signed in; administrators and privacy officers owe a second factor, so the session is
    verified by one."""
    client = Client()
    verified_login(client, _user(role))
    return client


@pytest.mark.parametrize("role", list(Role))
def test_only_the_officer_and_admins_reach_the_privacy_pages(role, story):
    client = _browser(role)
    expected = 200 if role in ALLOWED else 403
    for path in ("/privacy/", "/privacy/retention/"):
        assert client.get(path).status_code == expected, (role, path)
    made = client.post("/privacy/", {"customer_id": story.customer_id, "kind": "access"})
    assert made.status_code == (302 if role in ALLOWED else 403)
    assert DataSubjectRequest.objects.exists() is (role in ALLOWED)
    nav = client.get("/customers/").content.decode()
    assert ('href="/privacy/"' in nav) is (role in ALLOWED)


@pytest.mark.parametrize("role", list(Role))
def test_only_the_officer_and_admins_use_the_privacy_api(role, story):
    key = tokens.create_token(_user(role), "t", ALL_SCOPES)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    expected = 200 if role in ALLOWED else 403
    assert client.get("/api/v1/privacy/requests").status_code == expected
    assert client.get("/api/v1/privacy/retention").status_code == expected
    made = client.post(
        "/api/v1/privacy/requests",
        {"customer_id": story.customer_id, "kind": "erasure"},
        content_type="application/json",
    )
    assert made.status_code == (201 if role in ALLOWED else 403)


def test_a_token_without_the_privacy_scope_is_refused_even_for_the_officer(story):
    key = tokens.create_token(_user(Role.PRIVACY_OFFICER), "t", ["customers:read"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/privacy/requests").status_code == 403


def _follow(client: Client, path: str, data: dict[str, Any]) -> str:
    answer = client.post(path, data, follow=True)
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_officer_answers_an_access_request_from_the_pages(story):
    client = _browser(Role.PRIVACY_OFFICER)
    asked = {"customer_id": story.customer_id, "kind": "access", "channel": "email"}
    page = _follow(client, "/privacy/", asked)
    request = DataSubjectRequest.objects.get()
    assert f"/privacy/{request.pk}/verify/" in page
    refused = client.post(f"/privacy/{request.pk}/export/")
    assert refused.status_code == 302  # back to the request, with the reason shown
    page = _follow(client, f"/privacy/{request.pk}/verify/", {"method": "cédula en tienda"})
    assert f"/privacy/{request.pk}/export/" in page
    download = client.post(f"/privacy/{request.pk}/export/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert "no-store" in download["Cache-Control"]
    document = json.loads(download.content)
    assert document["format"] == "lealtad.subject-export/1"
    assert document["customers"]["profile"]["first_surname"] == "Juárez"
    assert {a["kind"] for a in document["customers"]["addresses"]} == {"home", "work"}
    assert document["commerce"]["cards_on_file"][0]["last4"]
    page = _follow(client, f"/privacy/{request.pk}/complete/", {"note": "Enviado por correo"})
    request.refresh_from_db()
    assert request.status == "completed"
    listed = client.get("/privacy/?show=closed").content.decode()
    assert f'href="/privacy/{request.pk}/"' in listed
    assert "Solicitudes de titulares" in listed and "Atendida" in listed  # Spanish by default


def test_erasure_from_the_pages_needs_the_customer_number(story):
    client = _browser(Role.PRIVACY_OFFICER)
    _follow(client, "/privacy/", {"customer_id": story.customer_id, "kind": "erasure"})
    request = DataSubjectRequest.objects.get()
    _follow(client, f"/privacy/{request.pk}/verify/", {"method": "carta firmada"})
    _follow(client, f"/privacy/{request.pk}/erase/", {"confirm": str(story.customer_id + 1)})
    assert Customer.objects.get(pk=story.customer_id).erased_at is None
    _follow(client, f"/privacy/{request.pk}/erase/", {"confirm": str(story.customer_id)})
    assert Customer.objects.get(pk=story.customer_id).erased_at is not None


def test_the_retention_page_shows_the_dry_run(story):
    from datetime import timedelta

    from django.utils import timezone

    Customer.objects.filter(pk=story.customer_id).update(
        created_at=timezone.now() - timedelta(days=2000),
        updated_at=timezone.now() - timedelta(days=2000),
    )
    client = _browser(Role.PRIVACY_OFFICER)
    _follow(
        client,
        "/privacy/retention/",
        {"do": "policy", "data_class": "lapsed_prospects", "months": "36", "active": "on"},
    )
    page = _follow(client, "/privacy/retention/", {"do": "dry_run"})
    assert f"customer #{story.customer_id}" in page
    assert Customer.objects.get(pk=story.customer_id).erased_at is None
