"""Who sees what (core/rules.py): field rules per role, record rules per channel and store.

A token bound to a channel reaches only the customers that channel dealt with, and in their
360 only that channel's rows; card numbers never show in full and marketers see no digits;
the counter sees no channel summary; store staff see their store's orders.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lealtad.commerce import demo
from lealtad.core import rules
from lealtad.core.models import AuditEntry
from lealtad.core.roles import Role
from lealtad.customers.models import Customer, Phone
from tests.api_fixtures import make_event, post_events

pytestmark = pytest.mark.django_db

CARD = "7001 2345 6789"


@pytest.fixture
def two_channels(api: Client) -> dict[str, int]:
    """Ana came through the store (pos) with a loyalty card; Bruno through the web only."""
    ana = make_event(
        "pos-1",
        type="customer.upserted",
        channel="pos",
        customer={"phone": "0991112233", "name": "Ana Quishpe Tipán", "card": CARD},
        payload={"emails": ["ana@example.ec"]},
    )
    bruno = make_event(
        "web-1",
        channel="web",
        customer={"email": "bruno@example.ec", "name": "Bruno Guamán"},
        payload={"subject": "Consulta web", "direction": "inbound"},
    )
    results = post_events(api, [ana, bruno]).json()["results"]
    ids = {"ana": results[0]["customer_id"], "bruno": results[1]["customer_id"]}
    # Bruno also called the contact center: the web token must not see that contact.
    post_events(api, make_event("cc-1", customer={"email": "bruno@example.ec"}))
    return ids


@pytest.fixture
def web_token(token_client: Any) -> Client:
    return token_client(
        "supervisor", ("customers:read", "customers:write", "audit:read", "channel:web")
    )


def test_a_channel_token_finds_only_its_channels_customers(web_token, two_channels):
    ana, bruno = two_channels["ana"], two_channels["bruno"]
    assert web_token.get("/api/v1/customers/lookup?phone=0991112233").json()["matches"] == []
    found = web_token.get("/api/v1/customers/lookup?email=bruno@example.ec").json()["matches"]
    assert [m["id"] for m in found] == [bruno]
    listed = [r["id"] for r in web_token.get("/api/v1/customers").json()["results"]]
    assert listed == [bruno]
    assert web_token.get("/api/v1/customers", {"q": "Quishpe"}).json()["results"] == []
    for path in ("", "/360", "/interactions", "/audit", "/merges"):
        assert web_token.get(f"/api/v1/customers/{ana}{path}").status_code == 404, path
        assert web_token.get(f"/api/v1/customers/{bruno}{path}").status_code == 200, path


def test_a_channel_token_writes_only_its_channels_customers(web_token, two_channels):
    ana, bruno = two_channels["ana"], two_channels["bruno"]
    before = AuditEntry.objects.count()
    json = "application/json"
    foreign = [
        web_token.patch(f"/api/v1/customers/{ana}", {"gender": "female"}, content_type=json),
        web_token.post(f"/api/v1/customers/{ana}/phones", {"number": "0987654321"}, json),
        web_token.post(f"/api/v1/customers/{ana}/emails", {"address": "x@example.ec"}, json),
        web_token.post(
            f"/api/v1/customers/{ana}/interactions", {"subject": "hola"}, content_type=json
        ),
    ]
    assert [r.status_code for r in foreign] == [404] * 4
    assert AuditEntry.objects.count() == before
    assert not Phone.objects.filter(e164="+593987654321").exists()
    own = web_token.patch(f"/api/v1/customers/{bruno}", {"gender": "male"}, content_type=json)
    assert own.status_code == 200
    assert AuditEntry.objects.filter(customer_id=bruno, action="update").latest("id").channel == (
        "web"
    )
    other_channel = web_token.post(
        f"/api/v1/customers/{bruno}/interactions?channel=pos", {"subject": "x"}, json
    )
    assert other_channel.status_code == 403


def test_a_channel_token_creates_only_for_its_channel(web_token, two_channels):
    body = {"identifiers": {"email": "carla@example.ec", "name": "Carla Chicaiza"}}
    refused = web_token.post(
        "/api/v1/customers", {**body, "channel": "pos"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert not Customer.objects.filter(display_name="Carla Chicaiza").exists()
    created = web_token.post("/api/v1/customers", body, content_type="application/json").json()
    assert web_token.get(f"/api/v1/customers/{created['id']}/360").status_code == 200


def test_a_channel_token_sees_only_its_channels_rows_in_the_360(web_token, two_channels, api):
    bruno = two_channels["bruno"]
    everything = api.get(f"/api/v1/customers/{bruno}/360").json()
    assert {i["channel"] for i in everything["interactions"]} == {"web", "call_center"}
    view = web_token.get(f"/api/v1/customers/{bruno}/360").json()
    assert {i["channel"] for i in view["interactions"]} == {"web"}
    assert {a["channel"] for a in view["audit"]} <= {"web"}
    assert {c["channel"] for c in view["channels"]} <= {"web"}
    timeline = web_token.get(f"/api/v1/customers/{bruno}/interactions").json()["interactions"]
    assert {i["channel"] for i in timeline} == {"web"}


def test_a_channel_token_exports_only_its_channels_customers(token_client, two_channels):
    exporter = token_client("manager", ("customers:export", "channel:web"))
    response = exporter.get("/api/v1/customers/export")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(r["id"]) for r in rows] == [two_channels["bruno"]]


def test_card_numbers_are_masked_and_marketers_see_no_digits(token_client, two_channels):
    ana = two_channels["ana"]
    seen = {}
    for role in ("admin", "manager", "agent", "store_clerk", "marketer", "technician"):
        client = token_client(role, ("customers:read",))
        view = client.get(f"/api/v1/customers/{ana}/360").json()
        seen[role] = next(i["value"] for i in view["identifiers"] if i["kind"] == "card")
    assert seen["marketer"] == rules.MASK
    assert {v for r, v in seen.items() if r != "marketer"} == {rules.MASK + "6789"}
    assert all(CARD.replace(" ", "") not in v for v in seen.values())


def test_the_counter_sees_no_channel_summary(token_client, two_channels, make_user):
    ana = two_channels["ana"]
    clerk = token_client("store_clerk", ("customers:read",))
    view = clerk.get(f"/api/v1/customers/{ana}/360").json()
    assert "channels" not in view and "channels" in view["hidden_sections"]
    agent = token_client("agent", ("customers:read",))
    assert "channels" in agent.get(f"/api/v1/customers/{ana}/360").json()
    browser = Client()
    browser.force_login(make_user("store_clerk"))
    page = browser.get(f"/customers/{ana}/").content.decode()
    assert 'id="channels"' not in page and "6789" in page
    assert CARD.replace(" ", "") not in page


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    roles=st.sets(st.sampled_from(list(Role)), min_size=0, max_size=4),
    value=st.text(alphabet="0123456789ABCDEF", min_size=1, max_size=30),
)
def test_no_combination_of_roles_shows_a_card_in_full(roles, value):
    reader = rules.Reader(capabilities=frozenset(), roles=frozenset(roles))
    for name in ("card_number", "payment_card"):
        assert value not in rules.mask(value, reader.shows(name))


@pytest.fixture
def store_orders(api) -> dict[str, str]:
    """One order picked up at each of two stores, for the same customer."""
    demo.seed_catalog()
    story = demo.seed_customer()
    numbers = {}
    for store in (demo.STORE_HOME, demo.STORE_OFFICE):
        body = {
            "customer_id": story.customer_id,
            "channel": "pos",
            "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}],
            "fulfilment": "pickup",
            "pickup_location": store,
            "payment": {"on_file": True},
        }
        response = api.post("/api/v1/orders", body, content_type="application/json")
        assert response.status_code == 201, response.content
        numbers[store] = response.json()["number"]
    return {"customer": str(story.customer_id), **numbers}


def test_store_staff_see_their_stores_orders(store_orders, token_client, make_user):
    customer = store_orders["customer"]
    unassigned = token_client("store_clerk", ("customers:read",))
    view = unassigned.get(f"/api/v1/customers/{customer}/360").json()
    assert len(view["orders"]) == 2
    clerk = make_user("store_clerk")
    clerk.groups.add(Group.objects.get_or_create(name=f"store:{demo.STORE_HOME}")[0])
    browser = Client()
    browser.force_login(clerk)
    page = browser.get(f"/customers/{customer}/").content.decode()
    assert store_orders[demo.STORE_HOME] in page
    assert store_orders[demo.STORE_OFFICE] not in page
    handheld = browser.get("/store/").content.decode()
    assert demo.STORE_HOME in handheld and demo.STORE_OFFICE not in handheld


def test_a_channel_token_reads_only_its_channels_orders(store_orders, token_client):
    web = token_client("api_client", ("customers:read", "commerce:sell", "channel:web"))
    number = store_orders[demo.STORE_HOME]
    assert web.get(f"/api/v1/orders/{number}").status_code == 404
    pos = token_client("api_client", ("customers:read", "commerce:sell", "channel:pos"))
    assert pos.get(f"/api/v1/orders/{number}").status_code == 200
    customer = store_orders["customer"]
    orders = pos.get(f"/api/v1/customers/{customer}/orders").json()["orders"]
    assert {o["channel"] for o in orders} == {"pos"}


def test_marketers_see_no_digits_of_a_card_on_file(store_orders, token_client, make_user):
    customer = store_orders["customer"]
    marketer = token_client("marketer", ("customers:read",))
    methods = marketer.get(f"/api/v1/customers/{customer}/payment-methods").json()["methods"]
    assert methods and all(m["last4"] == "" for m in methods)
    agent = token_client("agent", ("customers:read",))
    methods = agent.get(f"/api/v1/customers/{customer}/payment-methods").json()["methods"]
    assert [m["last4"] for m in methods] == ["1111"]
    marketing = Client()
    marketing.force_login(make_user("marketer"))
    card = marketing.get(f"/store/customer/?customer={customer}").content.decode()
    assert "Rodrigo" in card and "1111" not in card


def verified(user: Any) -> Client:
    """A browser signed in as ``user`` with a session a second factor verified (admins owe one)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    browser = Client()
    browser.force_login(user)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return browser


def test_the_rules_page_shows_the_rules_to_administrators(make_user):
    browser = verified(make_user("admin"))
    page = browser.get("/rules/").content.decode()
    for rule in rules.RECORD_RULES:
        assert rule.scope.replace("<", "&lt;").replace(">", "&gt;") in page
    assert "customers.capture_consent" in page and "store_clerk" in page
    agent = Client()
    agent.force_login(make_user("agent"))
    assert agent.get("/rules/").status_code == 403
