"""Merge builds a golden record by survivorship; unmerge restores both customers exactly."""

from __future__ import annotations

import pytest

from lealtad.core.models import AuditEntry, OutboxMessage
from lealtad.customers.models import (
    Address,
    Consent,
    Customer,
    Email,
    Identifier,
    Interaction,
    Phone,
)
from tests.api_fixtures import make_event, post_events

pytestmark = pytest.mark.django_db


def _state(customer_id: int) -> dict:
    c = Customer.objects.get(pk=customer_id)
    return {
        "fields": (
            c.display_name,
            c.gender,
            c.marital_status,
            c.income_band,
            c.merged_into_id,
            c.lifecycle_status,
        ),
        "interactions": sorted(Interaction.objects.filter(customer=c).values_list("pk", flat=True)),
        "identifiers": sorted(
            Identifier.objects.filter(customer=c).values_list("value", flat=True)
        ),
        "phones": sorted(Phone.objects.filter(customer=c).values_list("e164", flat=True)),
        "emails": sorted(Email.objects.filter(customer=c).values_list("address", flat=True)),
        "addresses": sorted(Address.objects.filter(customer=c).values_list("line1", flat=True)),
        "consents": sorted(
            Consent.objects.filter(customer=c).values_list("channel", "purpose", "granted")
        ),
    }


@pytest.fixture
def pair(api) -> tuple[int, int]:
    a = make_event(
        "a-up",
        type="customer.upserted",
        channel="web",
        customer={"email": "mj.quishpe@example.com", "name": "María José Quishpe Guamán"},
        payload={
            "marital_status": "single",
            "addresses": [{"line1": "Av. Amazonas N34-120"}],
            "consents": [{"channel": "email", "purpose": "marketing", "granted": True}],
        },
    )
    b = make_event(
        "b-up",
        type="customer.upserted",
        channel="call_center",
        customer={"phone": "0991234567", "name": "Ma. José Quishpe"},
        payload={
            "marital_status": "married",
            "income_band": "middle",
            "consents": [{"channel": "email", "purpose": "marketing", "granted": False}],
        },
    )
    results = post_events(
        api,
        [
            a,
            b,
            make_event("a-call", customer={"email": "mj.quishpe@example.com"}),
            make_event("b-call", customer={"phone": "0991234567"}),
        ],
    ).json()
    ids = [r["customer_id"] for r in results["results"]]
    return ids[0], ids[1]


def _merge(api, survivor: int, absorbed: int):
    return api.post(
        f"/api/v1/customers/{survivor}/merge",
        data={"absorbed_id": absorbed, "reason": "misma persona"},
        content_type="application/json",
    )


def test_golden_record_takes_the_trusted_source_and_never_widens_consent(api, pair):
    survivor, absorbed = pair
    assert _merge(api, survivor, absorbed).status_code == 200
    golden = Customer.objects.get(pk=survivor)
    assert golden.marital_status == "married"  # the call center outranks the web
    assert golden.income_band == "middle"  # empty on the survivor: taken from the other
    assert golden.display_name == "María José Quishpe Guamán"  # web-set name, other empty
    assert not Consent.objects.get(customer_id=survivor).granted
    assert Interaction.objects.filter(customer_id=survivor).count() == 2
    assert OutboxMessage.objects.filter(event_type="customer.merged").count() == 1
    entry = AuditEntry.objects.get(action="merge")
    assert entry.changes["reason"] == [None, "misma persona"]


def test_unmerge_restores_both_customers_exactly(api, pair):
    survivor, absorbed = pair
    before = (_state(survivor), _state(absorbed))
    merge_id = _merge(api, survivor, absorbed).json()["merge_id"]
    assert _state(survivor) != before[0]
    listed = api.get(f"/api/v1/customers/{survivor}/merges").json()["merges"]
    assert [m["id"] for m in listed] == [merge_id]
    response = api.post(
        f"/api/v1/merges/{merge_id}/undo",
        data={"reason": "eran hermanas"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["undone_by"]
    assert (_state(survivor), _state(absorbed)) == before
    assert AuditEntry.objects.filter(action="unmerge").exists()
    assert OutboxMessage.objects.filter(event_type="customer.unmerged").exists()
    again = api.post(
        f"/api/v1/merges/{merge_id}/undo",
        data={"reason": "otra vez"},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_a_later_merge_must_be_undone_first(api, pair):
    survivor, absorbed = pair
    third = post_events(api, make_event("c", customer={"email": "tercera@example.com"})).json()
    third_id = third["results"][0]["customer_id"]
    first = _merge(api, survivor, absorbed).json()["merge_id"]
    second = _merge(api, survivor, third_id).json()["merge_id"]
    refused = api.post(
        f"/api/v1/merges/{first}/undo", data={"reason": "orden"}, content_type="application/json"
    )
    assert refused.status_code == 409
    for merge_id in (second, first):
        ok = api.post(
            f"/api/v1/merges/{merge_id}/undo",
            data={"reason": "orden"},
            content_type="application/json",
        )
        assert ok.status_code == 200
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0


def test_only_mergers_may_undo(token_client, api, pair):
    survivor, absorbed = pair
    merge_id = _merge(api, survivor, absorbed).json()["merge_id"]
    clerk = token_client("store_clerk", ("customers:read", "customers:write"))
    response = clerk.post(
        f"/api/v1/merges/{merge_id}/undo", data={"reason": "x" * 5}, content_type="application/json"
    )
    assert response.status_code == 403
