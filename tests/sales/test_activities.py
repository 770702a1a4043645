"""Logging calls, meetings, tasks and e-mails: on the customer's timeline, announced once,
refused whole when one is wrong, and harmless when sent twice."""

from __future__ import annotations

import pytest
from django.test import Client

from lealtad.core.models import OutboxMessage
from lealtad.customers.models import Interaction
from lealtad.sales.models import Activity
from tests.sales.helpers import known_customer, lead

pytestmark = pytest.mark.django_db

URL = "/api/v1/sales/activities"


def post(client: Client, body: object):
    return client.post(URL, body, content_type="application/json")


@pytest.fixture
def rep(token_client):
    return token_client("sales_rep", ("sales:work",))


def test_a_call_on_a_known_customers_lead_lands_on_their_timeline_once(rep, pipeline):
    customer = known_customer(email="juan.guaman@example.com", name="Juan Carlos Guamán")
    captured = lead()
    assert captured.lead.customer_id == customer
    call = {
        "kind": "call",
        "subject": "Llamada de seguimiento: cotización de equipos",
        "lead_id": captured.lead.pk,
        "done": True,
        "time_category": "sales_call",
        "key": "crm-call-1",
    }
    first = post(rep, [call])
    assert first.status_code == 201, first.content
    again = post(rep, [call, {**call, "key": "crm-call-2", "kind": "task", "done": False}])
    assert again.status_code == 201
    assert again.json()[0]["id"] == first.json()[0]["id"]  # the resend is the same call
    assert Activity.objects.count() == 2
    lines = Interaction.objects.filter(customer_id=customer, channel="sales")
    assert sorted(lines.values_list("kind", flat=True)) == ["sales_call", "sales_task"]
    logged = OutboxMessage.objects.filter(event_type="activity.logged")
    assert logged.count() == 2 and {m.customer_id for m in logged} == {customer}
    listed = rep.get(URL, {"lead_id": captured.lead.pk}).json()
    assert [a["kind"] for a in listed] == ["task", "call"]  # newest first


def test_one_wrong_activity_refuses_the_batch_naming_it(rep, pipeline):
    captured = lead()
    good = {"kind": "meeting", "subject": "Visita", "lead_id": captured.lead.pk}
    for bad, field in (
        ({**good, "lead_id": 999_999}, "rows[1].lead_id"),
        ({"kind": "task", "subject": "Sin destino"}, "rows[1].lead_id"),
        (
            {
                **good,
                "starts_at": "2026-12-07T10:00:00-05:00",
                "ends_at": "2026-12-07T09:00:00-05:00",
            },
            "rows[1].ends_at",
        ),
    ):
        answer = post(rep, [good, bad])
        assert answer.status_code in (404, 422), answer.content
        assert field in answer.content.decode()
    assert post(rep, [{**good, "kind": "visit"}]).status_code == 422  # the schema's list
    assert not Activity.objects.exists() and not Interaction.objects.filter(channel="sales")


def test_marking_done_keeps_the_first_time(rep, pipeline):
    captured = lead()
    made = post(rep, [{"kind": "task", "subject": "Enviar catálogo", "lead_id": captured.lead.pk}])
    activity_id = made.json()[0]["id"]
    first = rep.post(f"{URL}/{activity_id}/done").json()["done_at"]
    assert first and rep.post(f"{URL}/{activity_id}/done").json()["done_at"] == first
    assert rep.post(f"{URL}/999999/done").status_code == 404


def test_a_store_clerk_may_not_log(token_client, pipeline):
    clerk = token_client("store_clerk", ("customers:read", "sales:work"))
    assert post(clerk, [{"kind": "call", "subject": "x", "customer_id": 1}]).status_code == 403


def test_the_list_filters_by_owner_and_local_days(rep, pipeline, django_user_model) -> None:
    from datetime import timedelta

    from django.utils import timezone

    customer = known_customer(email="rosa@example.com")
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    other = django_user_model.objects.create_user("otra.vendedora")
    made = post(
        rep,
        [
            {
                "kind": "meeting",
                "subject": "Ayer",
                "customer_id": customer,
                "starts_at": f"{yesterday.isoformat()}T23:30:00-05:00",
            },
            {
                "kind": "meeting",
                "subject": "Hoy",
                "customer_id": customer,
                "starts_at": f"{today.isoformat()}T00:30:00-05:00",
            },
        ],
    )
    assert made.status_code == 201, made.content
    Activity.objects.filter(subject="Hoy").update(owner=other)
    on_day = rep.get(URL, {"first_day": today.isoformat(), "last_day": today.isoformat()})
    assert [a["subject"] for a in on_day.json()] == ["Hoy"]  # the local day, not UTC's
    mine = rep.get(URL, {"owner_id": other.pk}).json()
    assert [a["subject"] for a in mine] == ["Hoy"]
    assert rep.get(URL, {"last_day": yesterday.isoformat()}).json()[0]["subject"] == "Ayer"
