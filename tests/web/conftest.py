"""Fixtures of the web UI tests: users in role groups and customers built through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from lealtad.channels.services import ingest
from lealtad.core.audit import Actor
from lealtad.core.dispatcher import default_dispatcher

PASSWORD = "correct-horse-battery-staple-9"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The sign-in limit counts failures in the cache; every test starts with none."""
    cache.clear()


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(username: str, role: str | None = None, **extra: Any) -> User:
        user = User.objects.create_user(username=username, password=PASSWORD, **extra)
        if role:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


@pytest.fixture
def agent(make_user: Callable[..., User]) -> User:
    return make_user("ana.agente", "agent")


@pytest.fixture
def supervisor(make_user: Callable[..., User]) -> User:
    return make_user("sofia.super", "supervisor")


@pytest.fixture
def clerk(make_user: Callable[..., User]) -> User:
    return make_user("carlos.tienda", "store_clerk")


def event(
    event_id: str, type_: str, channel: str, when: str, customer: dict, payload: dict
) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": type_,
        "channel": channel,
        "occurred_at": when,
        "customer": customer,
        "payload": payload,
    }


RODRIGO = {
    "email": "rodrigo.juarez@example.ec",
    "phone": "0991234567",
    "name": "Rodrigo Juárez Ortega",
}


def build_rodrigo() -> int:
    """Rodrigo Juárez Ortega: a profile from the store, calls and a web visit."""
    results = ingest(
        [
            event(
                "pos-1",
                "customer.upserted",
                "pos",
                "2024-03-05T10:00:00-05:00",
                {**RODRIGO, "national_id": "1710034066"},
                {
                    "given_names": "Rodrigo",
                    "first_surname": "Juárez",
                    "second_surname": "Ortega",
                    "gender": "male",
                    "marital_status": "married",
                    "income_band": "middle",
                    "payment_methods": ["cash", "credit card"],
                    "health_insurance": "IESS",
                    "addresses": [
                        {
                            "kind": "home",
                            "line1": "Av. 12 de Octubre N24-593 y Luis Cordero",
                            "city": "Quito",
                            "region": "Pichincha",
                            "valid_from": "2019-01-15",
                            "valid_to": "2023-06-30",
                        },
                        {
                            "kind": "work",
                            "line1": "Av. Amazonas N35-17",
                            "city": "Quito",
                            "valid_from": "2023-07-01",
                        },
                    ],
                    "consents": [
                        {
                            "channel": "email",
                            "purpose": "marketing",
                            "granted": True,
                            "method": "signed form",
                        }
                    ],
                },
            ),
            event(
                "cc-1",
                "interaction.recorded",
                "call_center",
                "2024-04-02T09:30:00-05:00",
                {"phone": "0991234567"},
                {
                    "direction": "inbound",
                    "subject": "Billing question",
                    "summary": "Asked about the March invoice",
                    "agent": "maria.p",
                },
            ),
            event(
                "web-1",
                "interaction.recorded",
                "web",
                "2024-04-10T18:00:00-05:00",
                {"email": "rodrigo.juarez@example.ec"},
                {"direction": "inbound", "subject": "Password reset", "location": "web portal"},
            ),
        ],
        Actor.system("store-pos"),
    )
    assert all(r.status == "created" for r in results), results
    default_dispatcher().run_once()
    return results[0].customer_id  # type: ignore[return-value]


@pytest.fixture
def rodrigo(db: Any) -> int:
    return build_rodrigo()


def build_review_pair() -> tuple[int, int]:
    """Two records and an event that names both: a pair in the review queue."""
    first = ingest(
        [
            event(
                "a-1",
                "customer.upserted",
                "pos",
                "2024-01-01T10:00:00-05:00",
                {"email": "maria.quishpe@example.ec", "name": "María Quishpe"},
                {},
            ),
            event(
                "b-1",
                "customer.upserted",
                "web",
                "2024-01-02T10:00:00-05:00",
                {"phone": "0987654321", "name": "Maria Quishpe Guamán"},
                {},
            ),
            event(
                "ab-1",
                "interaction.recorded",
                "call_center",
                "2024-01-03T10:00:00-05:00",
                {"email": "maria.quishpe@example.ec", "phone": "0987654321"},
                {"subject": "Order status"},
            ),
        ],
        Actor.system(),
    )
    assert all(r.status == "created" for r in first), first
    return first[0].customer_id, first[1].customer_id  # type: ignore[return-value]
