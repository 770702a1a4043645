"""Erasure leaves nothing that re-identifies the person, in any table, and keeps the books.

The scan reads every text and JSON column of every model (so a table added later is covered
without touching this test) and looks for the erased name, cédula, phone and email in any
spelling a channel may have used.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from lealtad.channels.models import ExternalRecord, Reject
from lealtad.commerce import demo
from lealtad.commerce.models import Order, OrderLine, PaymentMethod
from lealtad.core.dispatcher import default_dispatcher
from lealtad.core.models import AuditEntry, OutboxMessage
from lealtad.core.normalize import fold
from lealtad.customers import realtime, selectors
from lealtad.customers.models import ChannelActivity, Customer, Interaction
from tests.api_fixtures import make_event, post_events
from tests.privacy.conftest import open_verified

pytestmark = pytest.mark.django_db

NAME = "Rodrigo Juárez Ortega"
CEDULA = "1710034065"
PHONE_DIGITS = "991234567"  # +593 99 123 4567, typed 0991234567 in the story
EMAIL = "rodrigo.juarez@example.ec"
NEEDLES = ("juarez", "rodrigo", CEDULA, EMAIL, PHONE_DIGITS, "12 de octubre n24-593")
SKIPPED_APPS = {"auth", "sessions", "contenttypes", "admin"}  # staff accounts, not customers


def _texts(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def traces() -> list[str]:
    """Every (table, column, row) where a needle still appears."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label in SKIPPED_APPS:
            continue
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not columns:
            continue
        for row in model._base_manager.values_list("pk", *columns):
            for column, value in zip(columns, row[1:], strict=True):
                text = fold(_texts(value))
                digits = "".join(ch for ch in text if ch.isdigit())
                for needle in NEEDLES:
                    hit = needle in digits if needle.isdigit() else fold(needle) in text
                    if hit:
                        found.append(f"{model._meta.db_table}.{column} #{row[0]}: {needle}")
    return found


@pytest.fixture
def person(api: Any, story: demo.Story) -> demo.Story:
    """The story's customer with a contact, an order shipped home, a reject naming them, an
    external invoice, and outbox rows a webhook has not received yet."""
    answer = post_events(
        api,
        make_event(
            "call-1",
            customer={"phone": "0991234567", "name": NAME},
            payload={
                "subject": "Reclamo de Rodrigo Juárez",
                "summary": "Llamó desde el 099 123 4567; correo rodrigo.juarez@example.ec",
                "direction": "inbound",
            },
        ),
    )
    assert answer.status_code in (200, 201), answer.content
    order = api.post(
        "/api/v1/orders",
        {
            "customer_id": story.customer_id,
            "channel": "web",
            "lines": [{"sku": demo.TROUSERS_32, "quantity": 1}],
            "fulfilment": "ship",
            "ship_address_kind": "home",
            "payment": {"on_file": True},
        },
        content_type="application/json",
    )
    assert order.status_code == 201, order.content
    Reject.objects.create(
        connector="legacy",
        stream="clientes",
        source="clientes.csv",
        line=4,
        field="telefono",
        message="telefono: not a phone number: 'RODRIGO JUAREZ'",
        record={"nombre": "RODRIGO JUAREZ ORTEGA", "cedula": CEDULA},
    )
    ExternalRecord.objects.create(
        system="sri",
        kind="invoice",
        key="001-001-000000123",
        customer_id=story.customer_id,
        data={"total": "45.50", "buyer": {"name": NAME, "national_id": CEDULA}},
        event_id="inv-123",
        occurred_at="2026-01-02T10:00:00-05:00",
        updated_at="2026-01-02T10:00:00-05:00",
    )
    return story


def _erase(officer: Any, customer_id: int) -> Any:
    asked = f"Soy {NAME}, cédula {CEDULA}: borren mis datos"
    rid = open_verified(officer, customer_id, "erasure", details=asked)["id"]
    refused = officer.post(
        f"/api/v1/privacy/requests/{rid}/erase",
        {"confirm": customer_id + 1},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "confirm"
    done = officer.post(
        f"/api/v1/privacy/requests/{rid}/erase",
        {"confirm": customer_id},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    return done.json()


def test_nothing_left_names_the_erased_person(officer, person):
    assert traces(), "the scan must see the person before the erasure"
    assert OutboxMessage.objects.filter(dispatched_at=None, customer_id=person.customer_id)
    body = _erase(officer, person.customer_id)
    assert [s["action"] for s in body["steps"]][-1] == "erased"
    assert traces() == []


def test_undelivered_events_carry_no_personal_data_when_delivered(officer, person):
    pending = set(OutboxMessage.objects.filter(dispatched_at=None).values_list("pk", flat=True))
    assert pending
    _erase(officer, person.customer_id)
    default_dispatcher().run_once(limit=10_000)  # every subscriber reads the erased payloads
    for message in OutboxMessage.objects.filter(pk__in=pending):
        text = fold(json.dumps(message.payload, ensure_ascii=False))
        assert "juarez" not in text and EMAIL not in text


def test_the_books_and_counts_stay(officer, person):
    order = Order.objects.get(customer_id=person.customer_id)
    lines = list(OrderLine.objects.filter(order=order).values_list("sku", "quantity", "total"))
    contacts = Interaction.objects.filter(customer_id=person.customer_id).count()
    _erase(officer, person.customer_id)
    order.refresh_from_db()
    assert order.total > Decimal("0")
    assert order.ship_to == {"country": "EC", "region": "Pichincha"}  # where the tax applied
    assert list(OrderLine.objects.filter(order=order).values_list("sku", "quantity", "total")) == (
        lines
    )
    assert Interaction.objects.filter(customer_id=person.customer_id).count() == contacts
    assert not PaymentMethod.objects.filter(customer_id=person.customer_id).exists()
    invoice = ExternalRecord.objects.get(key="001-001-000000123")
    assert invoice.data["total"] == "45.50"
    erased = Customer.objects.get(pk=person.customer_id)
    assert erased.erased_at is not None
    assert erased.display_name == f"#{erased.pk}"
    assert AuditEntry.objects.filter(customer_id=erased.pk, action="erase").exists()


def test_the_old_phone_finds_no_one_and_the_old_cedula_makes_a_new_customer(api, officer, person):
    _erase(officer, person.customer_id)
    assert selectors.lookup(phone="0991234567") == []
    assert selectors.lookup(national_id=CEDULA) == []
    assert person.customer_id not in [c.pk for c in selectors.search("")]
    assert api.get("/api/v1/customers/lookup?phone=0991234567").json() in ([], {"matches": []})
    again = post_events(
        api,
        make_event(
            "pos-after-erasure",
            type="customer.upserted",
            channel="pos",
            customer={"national_id": CEDULA, "name": NAME},
            payload={"given_names": "Rodrigo", "first_surname": "Juárez"},
        ),
    )
    assert again.status_code in (200, 201), again.content
    result = again.json()
    result = result["results"][0] if "results" in result else result
    assert result["customer_id"] != person.customer_id
    fresh = Customer.objects.get(pk=result["customer_id"])
    assert fresh.erased_at is None and fresh.national_id == CEDULA


def test_the_matching_index_never_links_to_an_erased_customer(officer, person, monkeypatch):
    """Another process's index may still hold the person until it rebuilds: linking to them
    is refused by the database check, and this process rebuilds at once."""
    from lealtad.matching.realtime import Decision, Match

    linked = Decision("link", Match(person.customer_id, 0.999, 20.0, "name"), ())
    calls: list[bool] = []

    class StaleIndex:
        def query_many(self, people: Any) -> list[list[Match]]:
            calls.append(True)
            assert linked.best is not None
            return [[linked.best] for _ in people]

    _erase(officer, person.customer_id)
    monkeypatch.setattr(realtime, "_index", lambda: StaleIndex())
    assert realtime.resolve(realtime.person_of(_ref())) is None
    assert calls


def _ref() -> Any:
    from lealtad.core.envelope import CustomerRef

    return CustomerRef(name=NAME, national_id=CEDULA)


def test_channel_counts_survive_and_a_repeat_erasure_is_harmless(officer, person):
    default_dispatcher().run_once(limit=10_000)
    counts = list(ChannelActivity.objects.filter(customer_id=person.customer_id).values("contacts"))
    _erase(officer, person.customer_id)
    assert (
        list(ChannelActivity.objects.filter(customer_id=person.customer_id).values("contacts"))
        == counts
    )
    again = officer.post(
        "/api/v1/privacy/requests",
        {"customer_id": person.customer_id, "kind": "erasure"},
        content_type="application/json",
    )
    assert again.status_code == 409  # the customer's state forbids it
    assert "erased" in again.json()["detail"]
