"""Customers for the search tests, built the way the channels build them (ingested events,
then the hub's dispatcher keeps the contact summary); the value tier as the analytics refresh
leaves it on the record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import Group, User

from lealtad.channels.services import ingest
from lealtad.core.audit import Actor
from lealtad.core.dispatcher import default_dispatcher
from lealtad.customers.models import Customer, CustomerStanding
from lealtad.customers.schemas import PhoneIn
from lealtad.customers.services import ChangeContext, records

PASSWORD = "correct-horse-battery-staple-9"
ACTOR = Actor.system("test")
RODRIGO_ID = "1710034066"
LANDLINE = "(02) 2636-145"


def agent(username: str = "ana.agente") -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="agent")[0])
    return user


def _event(event_id: str, type_: str, channel: str, when: str, who: dict, payload: dict) -> dict:
    return {
        "id": event_id,
        "type": type_,
        "channel": channel,
        "occurred_at": when,
        "customer": who,
        "payload": payload,
    }


def _created(events: list[dict[str, Any]]) -> list[int]:
    results = ingest(events, ACTOR)
    assert all(r.status in ("created", "matched", "updated") for r in results), results
    default_dispatcher().run_once()
    return [r.customer_id for r in results]  # type: ignore[misc]


def namesakes() -> dict[str, int]:
    """Two Rodrigo Juárez (one in Quito who called, one in Guayaquil), told apart only by the
    facts beside their names; and a household landline the two Quishpe share."""
    ids = _created(
        [
            _event(
                "pos-1",
                "customer.upserted",
                "pos",
                "2024-03-05T10:00:00-05:00",
                {
                    "email": "rodrigo.juarez@example.ec",
                    "phone": "0991234567",
                    "name": "Rodrigo Juárez Ortega",
                    "national_id": RODRIGO_ID,
                },
                {"addresses": [{"kind": "home", "line1": "Av. Amazonas N35-17", "city": "Quito"}]},
            ),
            _event(
                "pos-2",
                "customer.upserted",
                "pos",
                "2024-03-06T10:00:00-05:00",
                {
                    "email": "rjuarez@example.ec",
                    "phone": "0987000001",
                    "name": "Rodrigo Juarez Paredes",
                },
                {
                    "addresses": [
                        {"kind": "home", "line1": "Av. 9 de Octubre 100", "city": "Guayaquil"}
                    ]
                },
            ),
            _event(
                "q-1",
                "customer.upserted",
                "web",
                "2024-03-07T10:00:00-05:00",
                {"email": "rosa.quishpe@example.ec", "name": "Rosa Quishpe"},
                {},
            ),
            _event(
                "q-2",
                "customer.upserted",
                "web",
                "2024-03-07T11:00:00-05:00",
                {"email": "luis.quishpe@example.ec", "name": "Luis Quishpe"},
                {},
            ),
        ]
    )
    rodrigo, paredes, rosa, luis = ids
    _created(
        [
            _event(
                "cc-1",
                "interaction.recorded",
                "call_center",
                "2024-04-02T09:30:00-05:00",
                {"phone": "0991234567"},
                {"direction": "inbound", "subject": "Billing question"},
            )
        ]
    )
    _tier(paredes, "mvc")
    for customer_id in (rosa, luis):
        customer = Customer.objects.get(pk=customer_id)
        records.add_phone(customer, PhoneIn(number=LANDLINE, kind="home"), ChangeContext(ACTOR))
    return {"rodrigo": rodrigo, "paredes": paredes, "rosa": rosa, "luis": luis}


def _tier(customer_id: int, tier: str) -> None:
    CustomerStanding.objects.create(
        customer_id=customer_id,
        value_tier=tier,
        lifecycle_stage="repeat",
        computed_at=datetime(2024, 5, 1, tzinfo=UTC),
    )


def crowd(size: int) -> list[int]:
    """``size`` customers named "Cliente Prueba NNN", for paging."""
    return _created(
        [
            _event(
                f"crowd-{n}",
                "customer.upserted",
                "web",
                "2024-02-01T10:00:00-05:00",
                {"email": f"prueba{n}@example.ec", "name": f"Cliente Prueba {n:03d}"},
                {},
            )
            for n in range(size)
        ]
    )
