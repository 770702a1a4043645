"""Property-based test of the published OpenAPI document (``/api/v1/openapi.json``).

Schemathesis reads the schema the app serves, generates requests for every operation (valid
ones and deliberately invalid ones, plus boundary "coverage" cases and unsupported methods)
and sends them through the WSGI app with an admin's bearer token. Whatever it sends, the API
must never answer with a 5xx, and where the schema declares something about a response
(content type, body schema, headers) the answer must conform to it.

Status-code conformance is not checked: the schema declares only each operation's success
code, while 400/401/403/404/409/413/422 are described in prose (docs/customers.md).

Bounded on purpose: few examples per operation, derandomized, no shrinking and no example
database, so it runs in seconds and fails the same way on every machine.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from lealtad.core import tokens
from lealtad.core.models import Delivery, OutboxMessage
from lealtad.customers.models import IdentityReview
from lealtad.wsgi import application
from tests.api_fixtures import make_event, post_events

MAX_EXAMPLES = 15
SCOPES = ["customers:read", "customers:write", "events:write", "audit:read", "hub:admin"]
CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Rows the seed creates; with the sequences reset they get these primary keys.
SEEDED_CUSTOMERS = 3
ID_PARAMETERS = {"customer_id", "review_id", "delivery_id", "absorbed_id"}

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, no_shrink=True)


def _toward_seeded_rows(values: dict[str, Any]) -> dict[str, Any]:
    """Fold generated integer ids onto 0..3 so that most requests reach a real row (1..3)
    and some still miss (0); non-integers (negative testing) are left alone."""
    for name in ID_PARAMETERS & values.keys():
        value = values[name]
        if isinstance(value, int) and not isinstance(value, bool):
            values[name] = abs(value) % (SEEDED_CUSTOMERS + 1)
    return values


@schema.hook("map_path_parameters")
def _path_ids(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    return _toward_seeded_rows(path_parameters) if path_parameters else path_parameters


@schema.hook("map_body")
def _body_ids(context: Any, body: Any) -> Any:
    return _toward_seeded_rows(body) if isinstance(body, dict) else body


def _admin(username: str) -> User:
    user = User.objects.create_user(username)  # no password: no slow hashing per test
    user.groups.add(Group.objects.get_or_create(name="admin")[0])
    return user


def _seed() -> None:
    """Three customers with history, one open identity review and one dead letter."""
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {tokens.create_token(_admin('seeder'), 's', SCOPES)}"
    )
    people = [
        {"phone": "099 375 7370", "name": "Rodrigo Juárez Ortega", "national_id": "1710034065"},
        {"email": "mj@example.com", "name": "María José Quishpe Guamán"},
        {"phone": "02 245 6789", "name": "Ana Lucía Cevallos"},
    ]
    events = [
        make_event(f"schema-seed-{n}", type="customer.upserted", customer=who, payload={})
        for n, who in enumerate(people)
    ]
    events.append(make_event("schema-seed-call", customer={"phone": "0993757370"}))
    results = post_events(client, events).json()["results"]
    assert [r["customer_id"] for r in results[:SEEDED_CUSTOMERS]] == [1, 2, 3], results
    IdentityReview.objects.create(
        event_id="schema-seed-x", customer_a_id=2, customer_b_id=3, reason="same phone"
    )
    message = OutboxMessage.objects.create(
        event_id="schema-seed-dead", event_type="customer.updated", created_at=timezone.now()
    )
    Delivery.objects.create(
        message=message, subscriber="webhook", status=Delivery.Status.DEAD, attempts=5
    )


@pytest.fixture
def bearer() -> dict[str, str]:
    _seed()
    key = tokens.create_token(_admin("schema-admin"), "schemathesis", SCOPES)
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.django_db(transaction=True, reset_sequences=True)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_and_conforms(case: Any, bearer: dict[str, str]) -> None:
    case.call_and_validate(headers=bearer, checks=CHECKS)
