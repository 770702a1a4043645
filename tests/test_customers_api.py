"""Customers API: screen-pop lookup, 360, search, create/update/merge, audit, role checks."""

from __future__ import annotations

import pytest

from lealtad.core.models import AuditEntry
from lealtad.customers.models import Customer, Interaction
from tests.api_fixtures import make_event, post_events

pytestmark = pytest.mark.django_db

RODRIGO = {"phone": "099 375 7370", "name": "Rodrigo Juárez Ortega", "national_id": "1710034065"}


@pytest.fixture
def rodrigo(api) -> int:
    upsert = make_event(
        "seed-1",
        type="customer.upserted",
        channel="pos",
        customer=RODRIGO,
        payload={
            "gender": "male",
            "emails": ["rjuarez@example.com"],
            "addresses": [
                {
                    "kind": "home",
                    "line1": "Av. 12 de Octubre N24-593 y Luis Cordero",
                    "city": "Quito",
                    "valid_from": "2019-03-01",
                    "valid_to": "2024-06-30",
                },
                {"kind": "work", "line1": "Av. Amazonas N34-120", "city": "Quito"},
            ],
            "consents": [{"channel": "email", "purpose": "marketing", "granted": True}],
        },
    )
    call = make_event("seed-2", customer={"phone": "0993757370"})
    web = make_event(
        "seed-3",
        channel="web",
        customer={"email": "rjuarez@example.com"},
        payload={"subject": "Compra en línea", "direction": "inbound"},
    )
    results = post_events(api, [upsert, call, web]).json()["results"]
    return results[0]["customer_id"]


@pytest.mark.parametrize(
    "query",
    [
        "phone=0993757370",
        "phone=%2B593993757370",
        "email=RJUAREZ@example.com",
        "national_id=171003406-5",
    ],
)
def test_screen_pop_lookup(api, rodrigo, query):
    matches = api.get(f"/api/v1/customers/lookup?{query}").json()["matches"]
    assert [m["id"] for m in matches] == [rodrigo]


def test_lookup_unknown_and_invalid(api, rodrigo):
    assert api.get("/api/v1/customers/lookup?phone=0987000000").json()["matches"] == []
    refused = api.get("/api/v1/customers/lookup?phone=12")
    assert refused.status_code == 422  # a service's invalid input (docs/decisions/0011)
    assert (refused.json()["code"], refused.json()["field"]) == ("lookup_key_invalid", "phone")
    # No key: a well-formed query that matches no one (not an error).
    assert api.get("/api/v1/customers/lookup").json() == {"matches": []}


def test_360_has_every_section(api, rodrigo):
    view = api.get(f"/api/v1/customers/{rodrigo}/360").json()
    assert view["profile"]["display_name"] == "Rodrigo Juárez Ortega"
    assert view["profile"]["national_id_valid"] is True
    assert {a["kind"]: a["valid_to"] for a in view["addresses"]} == {
        "home": "2024-06-30",
        "work": None,
    }
    assert {i["channel"] for i in view["interactions"]} == {"call_center", "web"}
    assert view["consents"][0] == {**view["consents"][0], "granted": True}
    assert view["consent_history"][0]["source_channel"] == "pos"
    assert any(a["action"] == "create" for a in view["audit"])
    for later in ("orders", "cases", "products", "offers"):
        assert view[later] == []


def test_search_is_accent_insensitive(api, rodrigo):
    for q in ("juarez", "JUÁREZ ort", "Rodrigo"):
        ids = [r["id"] for r in api.get("/api/v1/customers", {"q": q}).json()["results"]]
        assert ids == [rodrigo], q
    ids = [r["id"] for r in api.get("/api/v1/customers", {"q": "099 375 7370"}).json()["results"]]
    assert ids == [rodrigo]
    assert api.get("/api/v1/customers", {"q": "Quishpe"}).json()["results"] == []


def test_update_is_audited_with_before_and_after(api, rodrigo):
    response = api.patch(
        f"/api/v1/customers/{rodrigo}",
        data={"marital_status": "married", "income_band": "middle"},
        content_type="application/json",
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(customer_id=rodrigo, action="update").latest("id")
    assert entry.changes["marital_status"] == ["", "married"]
    assert entry.actor_label.startswith("admin-")


def test_invalid_update_changes_nothing(api, rodrigo):
    before = Customer.objects.get(pk=rodrigo).updated_at
    response = api.patch(
        f"/api/v1/customers/{rodrigo}",
        data={"birth_date": "2999-01-01", "gender": "female"},
        content_type="application/json",
    )
    assert response.status_code == 422
    customer = Customer.objects.get(pk=rodrigo)
    assert customer.updated_at == before and customer.gender == "male"


def test_create_refuses_identifier_on_file(api, rodrigo):
    response = api.post(
        "/api/v1/customers",
        data={"identifiers": {"email": "rjuarez@example.com", "name": "Otro Señor"}},
        content_type="application/json",
    )
    assert response.status_code == 409
    created = api.post(
        "/api/v1/customers",
        data={
            "identifiers": {"email": "mj@example.com", "name": "María José Quishpe Guamán"},
            "profile": {"phones": [{"number": "0987654321"}]},
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["second_surname"] == "Guamán"


def test_merge_moves_history_and_never_widens_consent(api, rodrigo):
    other = post_events(
        api,
        make_event(
            "o-1",
            type="customer.upserted",
            customer={"email": "rodrigo.juarez@example.com", "name": "Rodrigo Juarez"},
            payload={"consents": [{"channel": "email", "purpose": "marketing", "granted": False}]},
        ),
    ).json()["results"][0]["customer_id"]
    post_events(api, make_event("o-2", customer={"email": "rodrigo.juarez@example.com"}))
    response = api.post(
        f"/api/v1/customers/{rodrigo}/merge",
        data={"absorbed_id": other, "reason": "same cédula on paper"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert Interaction.objects.filter(customer_id=rodrigo).count() == 3
    view = api.get(f"/api/v1/customers/{rodrigo}/360").json()
    assert {e["address"] for e in view["emails"]} >= {"rodrigo.juarez@example.com"}
    assert view["consents"][0]["granted"] is False
    assert Customer.objects.get(pk=other).merged_into_id == rodrigo
    lookup = api.get("/api/v1/customers/lookup?email=rodrigo.juarez@example.com").json()
    assert [m["id"] for m in lookup["matches"]] == [rodrigo]
    again = api.post(
        f"/api/v1/customers/{rodrigo}/merge",
        data={"absorbed_id": other, "reason": "twice"},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_store_clerk_reads_no_history_consents_or_audit(token_client, api, rodrigo):
    clerk = token_client("store_clerk", ("customers:read", "customers:write", "audit:read"))
    view = clerk.get(f"/api/v1/customers/{rodrigo}/360").json()
    assert "interactions" not in view and "consents" not in view and "audit" not in view
    assert "channels" not in view  # no channel summary at the counter (core.rules)
    assert set(view["hidden_sections"]) == {"interactions", "consents", "audit", "channels"}
    assert clerk.get(f"/api/v1/customers/{rodrigo}/interactions").status_code == 403
    assert clerk.get(f"/api/v1/customers/{rodrigo}/audit").status_code == 403
    assert (
        clerk.patch(
            f"/api/v1/customers/{rodrigo}",
            data={"gender": "female"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert clerk.get("/api/v1/customers/lookup?phone=0993757370").status_code == 200


def test_token_scope_limits_a_powerful_user(token_client, rodrigo):
    reader = token_client("admin", ("customers:read",))
    assert reader.get(f"/api/v1/customers/{rodrigo}/360").status_code == 200
    assert (
        reader.patch(
            f"/api/v1/customers/{rodrigo}",
            data={"gender": "female"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_revoked_or_unknown_token_is_unauthorized(client, rodrigo):
    from django.test import Client

    stranger = Client(HTTP_AUTHORIZATION="Bearer lt_not-a-real-token")
    assert stranger.get(f"/api/v1/customers/{rodrigo}/360").status_code == 401
    assert client.get(f"/api/v1/customers/{rodrigo}/360").status_code == 401


def test_session_api_calls_need_csrf(make_user, rodrigo):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("agent"))
    assert browser.get(f"/api/v1/customers/{rodrigo}/360").status_code == 200
    response = browser.patch(
        f"/api/v1/customers/{rodrigo}", data={"gender": "female"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_an_address_ending_before_it_starts_is_a_conflict_naming_both_dates(api, rodrigo):
    """A rule between two fields JSON Schema cannot state: 409, as the OpenAPI declares."""
    addresses = Customer.objects.get(pk=rodrigo).addresses.count()
    reversed_period = {"line1": "Av. Shyris N35-17", "valid_from": "2024-05-01"}
    response = api.post(
        f"/api/v1/customers/{rodrigo}/addresses",
        data={**reversed_period, "valid_to": "2024-04-30"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "valid_to 2024-04-30 is before valid_from 2024-05-01"
    created = api.post(
        "/api/v1/customers",
        data={
            "identifiers": {"name": "Lucía Andrade"},
            "profile": {
                "addresses": [
                    {"line1": "Calle Larga 4-12"},
                    reversed_period | {"valid_to": "2023-01-01"},
                ]
            },
        },
        content_type="application/json",
    )
    assert created.status_code == 409
    assert created.json()["detail"] == "profile.addresses.1: valid_to is before valid_from"
    assert Customer.objects.get(pk=rodrigo).addresses.count() == addresses
    assert not Customer.objects.filter(display_name__contains="Andrade").exists()


@pytest.mark.parametrize("text", ["Quito\u202e", "Qu\x01ito", "Quito\x85Norte"])
def test_an_address_with_a_control_character_is_refused(api, rodrigo, text):
    addresses = Customer.objects.get(pk=rodrigo).addresses.count()
    response = api.post(
        f"/api/v1/customers/{rodrigo}/addresses",
        data={"line1": "Av. Shyris N35-17", "city": text},
        content_type="application/json",
    )
    assert response.status_code == 422
    (issue,) = response.json()["detail"]
    assert issue["loc"][-1] == "city" and "control character" in issue["msg"]
    assert Customer.objects.get(pk=rodrigo).addresses.count() == addresses


def test_search_pages_with_the_total_and_the_facts_that_tell_namesakes_apart(api):
    events = [
        make_event(
            f"page-{n}",
            type="customer.upserted",
            channel="pos",
            customer={"name": f"Mercy Quishpe Tipán {n}", "phone": f"099 100 {n:04d}"},
            payload={"addresses": [{"kind": "home", "line1": "Calle 1", "city": "Ambato"}]},
        )
        for n in range(7)
    ]
    assert api.post("/api/v1/events", events, content_type="application/json").status_code < 300
    first = api.get("/api/v1/customers", {"q": "Quishpe", "limit": 3}).json()
    assert (first["page"], first["pages"], first["total"], first["more_than"]) == (1, 3, 7, False)
    assert len(first["results"]) == 3
    assert first["results"][0]["city"] == "Ambato"
    assert first["results"][0]["phone"].startswith("+593 99 100")
    last = api.get("/api/v1/customers", {"q": "Quishpe", "limit": 3, "page": 9}).json()
    assert last["page"] == 3 and len(last["results"]) == 1  # past the end: the last page
    seen = {r["id"] for p in (1, 2, 3) for r in _page(api, p)}
    assert len(seen) == 7  # every customer once, none lost between pages


def _page(api, number: int) -> list[dict]:
    return api.get("/api/v1/customers", {"q": "Quishpe", "limit": 3, "page": number}).json()[
        "results"
    ]


def test_a_channel_name_is_kept_whole_up_to_its_limit_and_refused_past_it(api):
    """A channel named with 22 characters once overflowed a 20-character column on PostgreSQL
    (a 500); every channel column is 40 wide, as the event envelope allows."""
    long_name = "tienda-quito-norte-022"
    created = api.post(
        "/api/v1/customers",
        data={"identifiers": {"name": "Ana Lucía Pérez"}, "channel": long_name},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    customer = Customer.objects.get(pk=created.json()["id"])
    assert customer.first_contact_channel == long_name
    refused = api.post(
        "/api/v1/customers",
        data={"identifiers": {"name": "Otra Persona"}, "channel": "x" * 41},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert Customer.objects.filter(given_names="Otra").count() == 0
