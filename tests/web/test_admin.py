"""The back-office screens open, and a dead letter can be replayed from them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from lealtad.core.models import Delivery, OutboxMessage
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


def test_admin_pages_open(staff, rodrigo: int) -> None:
    client = Client()
    verified_login(client, staff)
    for model in (
        "customers/customer",
        "customers/identifier",
        "customers/interaction",
        "customers/identityreview",
        "customers/merge",
        "core/outboxmessage",
        "core/delivery",
        "core/auditentry",
        "core/apitoken",
        "channels/externalsystem",
        "channels/receivedevent",
    ):
        assert client.get(f"/admin/{model}/").status_code == 200, model
    assert client.get(f"/admin/customers/customer/{rodrigo}/change/").status_code == 200


def test_replay_a_dead_letter(staff) -> None:
    message = OutboxMessage.objects.create(
        event_id="e-1",
        event_type="demo.happened",
        created_at=timezone.now(),
        dispatched_at=timezone.now(),
    )
    dead = Delivery.objects.create(message=message, subscriber="x", status="dead", attempts=5)
    client = Client()
    verified_login(client, staff)
    response = client.post(
        "/admin/core/delivery/", {"action": "replay", "_selected_action": [dead.pk]}
    )
    assert response.status_code == 302
    dead.refresh_from_db()
    message.refresh_from_db()
    assert dead.status == "pending" and dead.attempts == 0
    assert message.dispatched_at is None
