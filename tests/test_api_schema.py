"""Property-based test of the published OpenAPI document (``/api/v1/openapi.json``).

Schemathesis reads the schema the app serves, generates requests for every operation (valid
ones and deliberately invalid ones, plus boundary "coverage" cases and unsupported methods)
and sends them through the WSGI app with an admin's bearer token. All of schemathesis' default
checks run: never a 5xx, every status answered is declared with its body
(``lealtad.core.api_errors``), content types and bodies conform, a schema-violating request is
refused and a schema-valid one is not refused with 400/422, unsupported methods answer 405.

``CONTRACT_GAPS`` lists, per operation, the one check that does not pass yet and why; every
other check runs on those operations too. Shrinking it is work to do (docs/security.md).

Bounded on purpose: few examples per operation, derandomized, no shrinking and no example
database, so it runs in about a minute and fails the same way on every machine.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from lealtad.core import tokens
from lealtad.core.models import Delivery, OutboxMessage
from lealtad.customers.models import IdentityReview
from lealtad.wsgi import application
from tests.api_fixtures import make_event, post_events

MAX_EXAMPLES = 15
SCOPES = ["customers:read", "customers:write", "events:write", "audit:read", "hub:admin"]
_FILE = "the uploaded CSV and its YAML mapping are checked row by row (422 with a report), "
_RULES = "business rules the schema does not state yet: "
# Operation -> (check or checks not yet met, why). Every other default check runs on them.
CONTRACT_GAPS: dict[str, tuple[Any, str]] = {
    "POST /api/v1/customers/import": (
        positive_data_acceptance,
        _FILE + "a content no JSON Schema can describe",
    ),
    "GET /api/v1/customers/lookup": (
        positive_data_acceptance,
        _RULES + "at least one key must be given",
    ),
    "POST /api/v1/customers": (
        (negative_data_rejection, positive_data_acceptance),
        "consents.granted accepts 0/1 as booleans (pydantic's lax mode); a consent's proof "
        "must fit its channel",
    ),
    **{
        f"{method} /api/v1/{path}": (positive_data_acceptance, _RULES + why)
        for method, path, why in [
            ("PATCH", "customers/{customer_id}", "emails, phones and addresses are validated"),
            ("POST", "customers/{customer_id}/addresses", "address fields"),
            ("POST", "customers/{customer_id}/consents", "consent proof and channel"),
            ("POST", "customers/{customer_id}/emails", "a deliverable e-mail address"),
            ("POST", "customers/{customer_id}/interactions", "a subject or a summary"),
            ("POST", "customers/{customer_id}/payment-methods", "card number digits"),
            ("POST", "customers/{customer_id}/phones", "a possible phone number"),
            ("POST", "lists", "known channel"),
            ("POST", "lists/{list_id}/checkout", "known channel, one payment"),
            ("POST", "orders", "known channel, exactly one payment"),
            ("POST", "orders/{number}/exchanges", "known channel and SKUs"),
            ("POST", "orders/{number}/price-adjustments", "known channel, decimal amount"),
            ("POST", "orders/{number}/returns", "known channel"),
            ("POST", "orders/{number}/ship", "known channel"),
            ("POST", "quotes", "known channel"),
            ("POST", "transfers", "two different locations"),
            ("POST", "transfers/{number}/receive", "known channel"),
            ("POST", "transfers/{number}/ship", "known channel"),
        ]
    },
}
# Rows the seed creates; with the sequences reset they get these primary keys.
SEEDED_CUSTOMERS = 3
ID_PARAMETERS = {"customer_id", "review_id", "delivery_id", "absorbed_id"}

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# NUL characters are refused everywhere at the edge (400, docs/security.md), a rule stated
# once for the whole API rather than as a pattern on every string: do not generate them.
schema.config.generation.update(
    max_examples=MAX_EXAMPLES, deterministic=True, no_shrink=True, allow_x00=False
)


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
    gap = CONTRACT_GAPS.get(case.operation.label)
    excluded = list(gap[0]) if gap and isinstance(gap[0], tuple) else [gap[0]] if gap else None
    case.call_and_validate(headers=bearer, excluded_checks=excluded)
