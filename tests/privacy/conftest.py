"""Fixtures of the privacy tests: the officer's API client and a request already verified."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from lealtad.commerce import demo


@pytest.fixture
def officer(token_client: Callable[..., Client]) -> Client:
    """A privacy officer speaking through a token."""
    return token_client("privacy_officer", ("customers:read", "audit:read", "privacy:manage"))


@pytest.fixture
def story(db: Any) -> demo.Story:
    """Seed 000's customer, Rodrigo Juárez Ortega: addresses, a card on file, the catalog."""
    demo.seed_catalog()
    return demo.seed_customer()


def open_verified(
    client: Client, customer_id: int, kind: str, details: str = "Por favor"
) -> dict[str, Any]:
    made = client.post(
        "/api/v1/privacy/requests",
        {"customer_id": customer_id, "kind": kind, "channel": "email", "details": details},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    rid = made.json()["id"]
    done = client.post(
        f"/api/v1/privacy/requests/{rid}/verify",
        {"method": "cédula presentada en tienda"},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    return done.json()
