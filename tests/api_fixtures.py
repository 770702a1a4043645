"""Fixtures for API tests: users in roles, token clients, canonical events."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from lealtad.core import tokens

_seq = itertools.count(1)


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(role: str, username: str | None = None) -> User:
        user = User.objects.create_user(username or f"{role}-{next(_seq)}", password="x-Secret-9")
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


@pytest.fixture
def token_client(make_user: Callable[..., User]) -> Callable[..., Client]:
    """A client speaking with a bearer token for a user in ``role`` with ``scopes``."""

    def make(role: str = "admin", scopes: tuple[str, ...] = ()) -> Client:
        user = make_user(role)
        wanted = list(scopes) or [
            "customers:read",
            "customers:write",
            "events:write",
            "audit:read",
            "commerce:sell",
            "commerce:fulfil",
            "commerce:refund",
        ]
        key = tokens.create_token(user, "test", wanted)
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return make


@pytest.fixture
def api(token_client: Callable[..., Client]) -> Client:
    return token_client("admin")


def make_event(event_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": event_id or f"evt-{next(_seq)}",
        "type": "interaction.recorded",
        "channel": "call_center",
        "occurred_at": "2026-11-02T10:00:00-05:00",
        "customer": {"phone": "099 375 7370", "name": "Rodrigo Juárez Ortega"},
        "payload": {"subject": "Consulta de saldo", "direction": "inbound"},
    }
    event.update(overrides)
    return event


def post_events(client: Client, events: Any) -> Any:
    return client.post("/api/v1/events", data=events, content_type="application/json")
