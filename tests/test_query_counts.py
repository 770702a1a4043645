"""N+1 guards: the customer 360 (API and page) and the screen pop cost a fixed number of queries.

Each view is measured for a customer with a few rows of everything and for one with ten times
as many (interactions, addresses, phones, emails, identifiers, consents, consent history,
channels, audit entries); the counts must be equal, and below a ceiling that catches a new
per-section query sneaking in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lealtad.core.models import AuditEntry
from lealtad.customers.models import (
    Address,
    ChannelActivity,
    Consent,
    ConsentChange,
    Customer,
    Email,
    Household,
    HouseholdMember,
    Identifier,
    Interaction,
    Phone,
)
from lealtad.marketing.selectors import offer_program
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 30
# Ceilings with some headroom over today's counts; raise them only with a reason.
MAX_360_API_QUERIES = 16
MAX_DETAIL_PAGE_QUERIES = 20
MAX_LOOKUP_QUERIES = 4

CHANNELS = ["call_center", "web", "pos", "email", "kiosk", "mobile"]
CONSENT_CHANNELS = ["email", "sms", "phone", "whatsapp", "mail"]
CONSENT_PURPOSES = ["marketing", "service", "surveys"]
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _offer_program_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The offer program is kept per process for two seconds; on a loaded machine the counted
    requests can fall either side of that and one pays the five queries of its refresh, which
    is not growth with the customer's history (a save still drops the copy at once)."""
    monkeypatch.setattr(offer_program, "TTL", 3600.0)


def _customer_with(n: int, phone: str | None = None) -> Customer:
    """A customer with ``n`` rows in every list the 360 shows."""
    serial = next(_serial)
    now = timezone.now()
    customer = Customer.objects.create(
        given_names="Rodrigo",
        first_surname="Juárez",
        second_surname=f"Ortega {serial}",
        display_name=f"Rodrigo Juárez Ortega {serial}",
        search_name=f"rodrigo juarez ortega {serial}",
    )
    phones = [phone] if phone else []
    phones += [f"+59399{serial:03d}{i:04d}" for i in range(n - len(phones))]
    Phone.objects.bulk_create(Phone(customer=customer, e164=p, raw=p) for p in phones)
    Email.objects.bulk_create(
        Email(customer=customer, address=f"c{serial}.{i}@example.com") for i in range(n)
    )
    Identifier.objects.bulk_create(
        Identifier(customer=customer, kind="card", value=f"{serial:04d}{i:08d}") for i in range(n)
    )
    Address.objects.bulk_create(
        Address(
            customer=customer,
            kind="home" if i % 2 else "work",
            line1=f"Av. Amazonas N{i}-120",
            city="Quito",
            valid_from=date(2010, 1, 1) + timedelta(days=i),
        )
        for i in range(n)
    )
    Interaction.objects.bulk_create(
        Interaction(
            customer=customer,
            occurred_at=now - timedelta(hours=i),
            channel=CHANNELS[i % len(CHANNELS)],
            direction="inbound",
            subject=f"Consulta {i}",
            summary="Pregunta por su saldo.",
            agent="agent-1",
        )
        for i in range(n)
    )
    pairs = list(itertools.product(CONSENT_CHANNELS, CONSENT_PURPOSES))[: min(n, 15)]
    Consent.objects.bulk_create(
        Consent(customer=customer, channel=ch, purpose=pu, granted=True, updated_at=now)
        for ch, pu in pairs
    )
    ConsentChange.objects.bulk_create(
        ConsentChange(
            customer=customer,
            channel=CONSENT_CHANNELS[i % len(CONSENT_CHANNELS)],
            purpose="marketing",
            granted=bool(i % 2),
            recorded_at=now - timedelta(days=i),
            recorded_by="agent-1",
        )
        for i in range(n)
    )
    ChannelActivity.objects.bulk_create(
        ChannelActivity(customer=customer, channel=f"{CHANNELS[i % 6]}-{i}", contacts=i)
        for i in range(n)
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(
            occurred_at=now - timedelta(minutes=i),
            actor_label="agent-1",
            action="update",
            entity_type="customer",
            entity_id=str(customer.pk),
            customer_id=customer.pk,
            changes={"gender": ["", "male"]},
        )
        for i in range(n)
    )
    household = Household.objects.create(name=f"Familia Juárez {serial}")
    HouseholdMember.objects.create(household=household, customer=customer, role="head")
    return customer


def _count(request: Callable[[], Any]) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = request()
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def _assert_flat(name: str, small: tuple[int, list[str]], large: tuple[int, list[str]]) -> None:
    assert small[0] == large[0], (
        f"{name}: {small[0]} queries for the smaller customer, {large[0]} for the larger:\n"
        + "\n".join(large[1])
    )


@pytest.fixture
def signed_in(make_user: Callable[..., User]) -> Client:
    client = Client()
    verified_login(client, make_user("admin"))  # the admin role owes a second factor
    return client


def test_360_api_does_not_grow_with_history(api: Client) -> None:
    small, large = _customer_with(SMALL), _customer_with(LARGE)
    api.get(f"/api/v1/customers/{small.pk}/360")  # warm up: token last-used stamp, caches
    counted = [_count(lambda c=c: api.get(f"/api/v1/customers/{c.pk}/360")) for c in (small, large)]
    view = api.get(f"/api/v1/customers/{large.pk}/360").json()
    assert len(view["interactions"]) == LARGE and len(view["addresses"]) == LARGE
    _assert_flat("GET /api/v1/customers/{id}/360", *counted)
    assert counted[1][0] <= MAX_360_API_QUERIES, "\n".join(counted[1][1])


def test_customer_page_does_not_grow_with_history(signed_in: Client) -> None:
    small, large = _customer_with(SMALL), _customer_with(LARGE)
    signed_in.get(f"/customers/{small.pk}/")  # warm up: session, template loading
    counted = [_count(lambda c=c: signed_in.get(f"/customers/{c.pk}/")) for c in (small, large)]
    page = signed_in.get(f"/customers/{large.pk}/").content.decode()
    assert page.count('class="contact"') == LARGE and f"Av. Amazonas N{LARGE - 1}-120" in page
    _assert_flat("GET /customers/{id}/", *counted)
    assert counted[1][0] <= MAX_DETAIL_PAGE_QUERIES, "\n".join(counted[1][1])


def test_timeline_fragment_does_not_grow_with_history(signed_in: Client) -> None:
    small, large = _customer_with(SMALL), _customer_with(LARGE)
    signed_in.get(f"/customers/{small.pk}/timeline/")
    counted = [
        _count(lambda c=c: signed_in.get(f"/customers/{c.pk}/timeline/?channel=web"))
        for c in (small, large)
    ]
    _assert_flat("GET /customers/{id}/timeline/", *counted)


def test_screen_pop_lookup_is_cheap(token_client: Callable[..., Client]) -> None:
    """Token (with its user), roles, the phone, the customers: four queries for a connector
    that keeps calling, however many people share the number."""
    shared = "+593993757370"
    callers = [_customer_with(SMALL, phone=shared), _customer_with(LARGE, phone=shared)]
    api = token_client("agent", ("customers:read",))
    api.get("/api/v1/customers/lookup", {"phone": "0987000000"})  # stamps last_used_at
    count, sql = _count(lambda: api.get("/api/v1/customers/lookup", {"phone": "099 375 7370"}))
    assert count <= MAX_LOOKUP_QUERIES, "\n".join(sql)
    matches = api.get("/api/v1/customers/lookup", {"phone": "0993757370"}).json()["matches"]
    assert sorted(m["id"] for m in matches) == sorted(c.pk for c in callers)


def test_screen_pop_follows_merges_without_extra_queries(
    token_client: Callable[..., Client],
) -> None:
    survivor = _customer_with(SMALL)
    absorbed = [_customer_with(SMALL, phone="+593987654321") for _ in range(5)]
    Customer.objects.filter(pk__in=[c.pk for c in absorbed]).update(merged_into=survivor)
    api = token_client("agent", ("customers:read",))
    api.get("/api/v1/customers/lookup", {"phone": "0987000000"})
    count, sql = _count(lambda: api.get("/api/v1/customers/lookup", {"phone": "0987654321"}))
    assert count <= MAX_LOOKUP_QUERIES, "\n".join(sql)
    matches = api.get("/api/v1/customers/lookup", {"phone": "0987654321"}).json()["matches"]
    assert {m["id"] for m in matches} == {survivor.pk}


def test_screen_pop_first_call_of_a_token(token_client: Callable[..., Client]) -> None:
    _customer_with(SMALL, phone="+593993757370")
    api = token_client("agent", ("customers:read",))
    count, sql = _count(lambda: api.get("/api/v1/customers/lookup", {"phone": "0993757370"}))
    assert count <= MAX_LOOKUP_QUERIES, "\n".join(sql)


def test_360_does_not_grow_with_households(api: Client) -> None:
    def member_of(households: int) -> Customer:
        customer = _customer_with(SMALL)
        for n in range(households - 1):  # _customer_with already put it in one
            household = Household.objects.create(name=f"Hogar {customer.pk}-{n}")
            HouseholdMember.objects.create(household=household, customer=customer, role="other")
        return customer

    one, several = member_of(1), member_of(4)
    api.get(f"/api/v1/customers/{one.pk}/360")
    counted = [_count(lambda c=c: api.get(f"/api/v1/customers/{c.pk}/360")) for c in (one, several)]
    _assert_flat("GET /api/v1/customers/{id}/360 (households)", *counted)
