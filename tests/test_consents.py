"""Consents are the customer's own statement: captured only by roles allowed to, with proof.

A granted consent needs a signed form, a recorded call or a double opt-in; a store clerk may
not record consents unless the business gives the clerk the ``consent_capturer`` role; an
email double opt-in waits until the customer confirms through the signed link.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from lealtad.core.models import OutboxMessage
from lealtad.customers.models import Consent, ConsentChange, Customer
from tests.api_fixtures import make_event, post_events

pytestmark = pytest.mark.django_db
JSON = "application/json"
NEW = {"identifiers": {"email": "maria@example.ec", "name": "María José Chicaiza"}}


def _signup(consent: dict[str, Any]) -> dict[str, Any]:
    return {**NEW, "profile": {"consents": [consent]}}


MARKETING_BY_SMS = {"channel": "sms", "purpose": "marketing", "granted": True}


def test_a_store_clerk_may_not_record_consents(token_client):
    clerk = token_client("store_clerk", ("customers:read", "customers:write"))
    signed = {**MARKETING_BY_SMS, "proof": "signed_form", "proof_reference": "F-0042"}
    response = clerk.post("/api/v1/customers", _signup(signed), content_type=JSON)
    assert response.status_code == 403
    assert "profile.consents" in response.json()["detail"]
    assert not Customer.objects.exists() and not ConsentChange.objects.exists()
    plain = clerk.post("/api/v1/customers", NEW, content_type=JSON)
    assert plain.status_code == 201
    customer = plain.json()["id"]
    direct = clerk.post(f"/api/v1/customers/{customer}/consents", signed, content_type=JSON)
    assert direct.status_code == 403 and not Consent.objects.exists()


def test_the_business_can_let_a_clerk_capture_signed_forms(token_client, make_user):
    from lealtad.core import tokens

    user = make_user("store_clerk")
    user.groups.add(Group.objects.get_or_create(name="consent_capturer")[0])
    key = tokens.create_token(user, "counter", ["customers:read", "customers:write"])
    clerk = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    signed = {**MARKETING_BY_SMS, "proof": "signed_form", "proof_reference": "F-0042"}
    response = clerk.post("/api/v1/customers", _signup(signed), content_type=JSON)
    assert response.status_code == 201
    change = ConsentChange.objects.get()
    assert (change.proof, change.proof_reference, change.status) == (
        "signed_form",
        "F-0042",
        "in_force",
    )
    assert change.recorded_by.startswith(user.username)


@pytest.mark.parametrize(
    ("consent", "field"),
    [
        (MARKETING_BY_SMS, "proof"),
        ({**MARKETING_BY_SMS, "proof": "signed_form"}, "proof_reference"),
        ({**MARKETING_BY_SMS, "proof": "recorded_call"}, "proof_reference"),
        ({**MARKETING_BY_SMS, "proof": "double_opt_in"}, "double_opt_in"),
        ({**MARKETING_BY_SMS, "proof": "channel_event", "proof_reference": "x"}, "channel_event"),
    ],
)
def test_a_consent_without_proof_is_refused_and_nothing_is_written(api, consent, field):
    response = api.post("/api/v1/customers", _signup(consent), content_type=JSON)
    assert response.status_code == 422
    assert field in response.content.decode()
    assert not Customer.objects.exists() and not ConsentChange.objects.exists()


def test_a_withdrawal_needs_no_proof_and_a_call_is_proved_by_its_id(api):
    customer = api.post("/api/v1/customers", NEW, content_type=JSON).json()["id"]
    call = {**MARKETING_BY_SMS, "proof": "recorded_call", "proof_reference": "CALL-2026-77"}
    given = api.post(f"/api/v1/customers/{customer}/consents", call, content_type=JSON)
    assert given.status_code == 201 and given.json()["proof_reference"] == "CALL-2026-77"
    withdrawn = {**MARKETING_BY_SMS, "granted": False}
    assert (
        api.post(f"/api/v1/customers/{customer}/consents", withdrawn, content_type=JSON)
    ).status_code == 201
    view = api.get(f"/api/v1/customers/{customer}/360").json()
    assert view["consents"][0]["granted"] is False
    history = view["consent_history"]
    assert [(h["granted"], h["proof"]) for h in history] == [
        (False, ""),
        (True, "recorded_call"),
    ]


def test_a_channels_event_is_the_proof_of_the_consent_it_carries(api):
    event = make_event(
        "pos-consent-1",
        type="customer.upserted",
        channel="pos",
        customer={"phone": "0991112233", "name": "Ana Quishpe"},
        payload={"consents": [MARKETING_BY_SMS]},
    )
    assert post_events(api, event).json()["results"][0]["status"] == "created"
    change = ConsentChange.objects.get()
    assert (change.proof, change.proof_reference, change.source_channel) == (
        "channel_event",
        "pos-consent-1",
        "pos",
    )


def _pending(api) -> tuple[int, str]:
    customer = api.post("/api/v1/customers", NEW, content_type=JSON).json()["id"]
    opt_in = {"channel": "email", "purpose": "marketing", "granted": True}
    response = api.post(
        f"/api/v1/customers/{customer}/consents",
        {**opt_in, "proof": "double_opt_in"},
        content_type=JSON,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    return customer, body["confirmation_url"]


def test_a_double_opt_in_waits_for_the_customers_click(api):
    customer, url = _pending(api)
    assert not Consent.objects.filter(customer_id=customer).exists()
    message = OutboxMessage.objects.get(event_type="consent.confirmation_requested")
    assert message.payload["email"] == "maria@example.ec"
    path = re.sub(r"^https?://[^/]+", "", url)
    assert message.payload["confirmation_path"] == path
    visitor = Client(enforce_csrf_checks=False)  # the customer, not signed in
    page = visitor.get(path)
    assert page.status_code == 200 and b"<form" in page.content
    assert not Consent.objects.filter(customer_id=customer).exists()  # opening is not agreeing
    confirmed = visitor.post(path)
    assert confirmed.status_code == 200
    consent = Consent.objects.get(customer_id=customer)
    assert consent.granted is True
    change = ConsentChange.objects.get(customer_id=customer)
    assert change.status == "in_force" and change.confirmed_at is not None
    again = visitor.post(path)
    assert again.status_code == 200 and ConsentChange.objects.count() == 1
    view = api.get(f"/api/v1/customers/{customer}/360").json()
    assert view["consent_history"][0]["proof"] == "double_opt_in"


def test_a_tampered_or_expired_link_confirms_nothing(api, settings):
    customer, url = _pending(api)
    path = re.sub(r"^https?://[^/]+", "", url)
    token = path.rstrip("/").rsplit("/", 1)[1]
    visitor = Client()
    assert visitor.post(path[:-3] + "xx/").status_code == 404
    refused = visitor.post("/api/v1/consents/confirm", {"token": token + "x"}, content_type=JSON)
    assert refused.status_code == 404 and "token" in refused.json()["detail"]
    settings.LEALTAD_CONSENT_CONFIRM_DAYS = -1
    expired = visitor.post("/api/v1/consents/confirm", {"token": token}, content_type=JSON)
    assert expired.status_code == 404 and "expired" in expired.json()["detail"]
    assert not Consent.objects.filter(customer_id=customer).exists()
    settings.LEALTAD_CONSENT_CONFIRM_DAYS = 7
    ok = visitor.post("/api/v1/consents/confirm", {"token": token}, content_type=JSON)
    assert ok.status_code == 200 and ok.json()["status"] == "in_force"


def test_the_consent_page_asks_for_proof_and_shows_it(make_user):
    agent = Client()
    agent.force_login(make_user("agent"))
    customer = Customer.objects.create(display_name="Rosa Tipán", search_name="rosa tipan")
    url = f"/customers/{customer.pk}/consents/new/"
    form = {"channel": "phone", "purpose": "marketing", "granted": "yes", "method": "call"}
    refused = agent.post(url, form)
    assert refused.status_code == 200 and not Consent.objects.exists()
    saved = agent.post(url, {**form, "proof": "recorded_call", "proof_reference": "CALL-9"})
    assert saved.status_code == 302
    page = agent.get(f"/customers/{customer.pk}/").content.decode()
    assert "CALL-9" in page
    clerk = Client()
    clerk.force_login(make_user("store_clerk"))
    assert clerk.get(url).status_code == 403


def test_a_consent_given_then_withdrawn_in_one_batch_ends_withdrawn_with_both_in_history(api):
    """The batch writes the consent row once at its end; the second statement about the same
    channel and purpose changes the row still waiting to be written (it once tried to save a
    row not yet in the database, and the whole request failed)."""
    withdrawn = {**MARKETING_BY_SMS, "granted": False}
    first = make_event(
        "sms-1",
        type="customer.upserted",
        channel="pos",
        customer={"phone": "0991112244", "name": "Rosa Tipán"},
        payload={"consents": [MARKETING_BY_SMS, withdrawn]},
    )
    second = make_event(
        "sms-2",
        type="customer.upserted",
        channel="pos",
        customer={"phone": "0991112244"},
        payload={"consents": [MARKETING_BY_SMS]},
    )
    results = post_events(api, [first, second]).json()["results"]
    assert [r["status"] for r in results] == ["created", "created"]
    current = Consent.objects.get()
    assert current.granted is True
    history = ConsentChange.objects.order_by("id").values_list("granted", "event_id")
    assert list(history) == [(True, "sms-1"), (False, "sms-1"), (True, "sms-2")]
