"""Property-based test of the published OpenAPI document (``/api/v1/openapi.json``).

Schemathesis reads the schema the app serves, generates requests for every operation (valid
ones and deliberately invalid ones, plus boundary "coverage" cases and unsupported methods)
and sends them through the WSGI app with an admin's bearer token. All of schemathesis' default
checks run: never a 5xx, every status answered is declared with its body
(``lealtad.core.api_errors``), content types and bodies conform, a schema-violating request is
refused and a schema-valid one is not refused with 400/422, unsupported methods answer 405.

Every rule a handler enforces is stated in the schema (enums, strict booleans, patterns,
``oneOf``/``anyOf``/``if``-``then``), or, for values only a library can judge, as a named
string format whose strategy is registered below (``phone``, ``email``, ``birth-date``). What a
schema-valid request can still meet is the world's state: 404 for a record it names that does
not exist, 409 for a state that forbids it (or a rule between fields JSON Schema cannot state:
a transfer to the same location, an address ending before it starts), 402 for a declined
payment, each declared where it can happen. The CSV import is excluded from one check, for the
reason given at ``UNCHECKABLE_ACCEPTANCE``; every other operation runs every check.

Named formats in the phases that ignore them: the coverage phase builds boundary strings from
a string's pattern and lengths (39 zeros for a phone) and the fuzzing phase may substitute a
value seen in an earlier response ("related_type" as a birth date), neither asking the
registered strategy. A phone's pattern states what a regex can (its characters, a digit), but
"a *possible* number for its country" depends on the country code and libphonenumber's length
tables, which no readable pattern can carry. So ``_named_formats_hold`` drops the *positive*
cases whose ``phone``, ``email`` or ``birth-date`` values the format's own definition (the
server's rule, ``NAMED_FORMATS``) rejects: the same contract as the registered strategies,
applied where they are not used. Negative cases are never dropped.

Bounded on purpose: few examples per operation, derandomized, no shrinking and no example
database, so it runs in about a minute and fails the same way on every machine.
"""

from __future__ import annotations

import random
from datetime import date
from functools import cache
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config._checks import (
    NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
    NegativeDataRejectionConfig,
)
from schemathesis.specs.openapi.checks import positive_data_acceptance

from lealtad.core import normalize, tokens
from lealtad.core.models import Delivery, OutboxMessage
from lealtad.customers.models import IdentityReview
from lealtad.wsgi import application
from tests.api_fixtures import make_event, post_events
from tests.latam_phones import ANY_COUNTRY

MAX_EXAMPLES = 15
LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
SCOPES = ["customers:read", "customers:write", "events:write", "audit:read", "hub:admin"]


def _accepted_email(address: str) -> bool:
    try:
        normalize.email(address)
    except normalize.InvalidValue:
        return False
    return True


def _possible_phone(number: str) -> bool:
    try:
        normalize.phone(number, django_settings.LEALTAD_DEFAULT_REGION)
    except normalize.InvalidValue:
        return False
    return True


def _birth_date(text: str) -> bool:
    try:
        return date(1900, 1, 1) <= date.fromisoformat(text) <= date.today()
    except ValueError:
        return False


NAMED_FORMATS = {"phone": _possible_phone, "email": _accepted_email, "birth-date": _birth_date}
"""Each named format's own definition: the server's rule (core/text_schema.py lists them)."""


def _dialable_here(drawn: tuple[str, str, str]) -> bool:
    """A local form reads as the installation's region (Ecuador); others carry their +code."""
    typed, region, _e164 = drawn
    return region == "EC" or typed.lstrip().startswith("+")


# The one operation where "schema-valid data is accepted" cannot be checked: the CSV import.
# Its multipart body has two parts that only make sense together (the YAML `mapping` names the
# columns the `file` must hold) while schemathesis draws each part on its own, and the file part
# must stay `format: binary` to be sent as a file at all, so no named format can give it a CSV.
# What the import accepts is checked row by row (422 with a report naming line and column),
# tested in tests/test_import_export.py and tests/test_bulk_routes_http.py; every other check
# (no 5xx, declared statuses and bodies, schema-violating requests refused) runs on it here.
# The service desk's case import likewise (tests/service/test_case_import.py), and the
# suppression list import (tests/marketing/test_campaign_api.py), and the sales lead import
# (tests/sales/test_api.py).
UNCHECKABLE_ACCEPTANCE = {
    "POST /api/v1/customers/import": [positive_data_acceptance],
    "POST /api/v1/service/cases/import": [positive_data_acceptance],
    "POST /api/v1/marketing/suppressions/import": [positive_data_acceptance],
    "POST /api/v1/marketing/segments/{segment_id}/import": [positive_data_acceptance],
    "POST /api/v1/sales/leads/import": [positive_data_acceptance],
}
# Rows the seed creates; with the sequences reset they get these primary keys.
SEEDED_CUSTOMERS = 3
ID_PARAMETERS = {"customer_id", "review_id", "delivery_id", "absorbed_id"}

# The named formats the OpenAPI uses for values only a library can judge (core/api_errors.py
# lists them): generated here as people type them, so that valid data is valid data.
schemathesis.openapi.format("phone", ANY_COUNTRY.filter(_dialable_here).map(lambda drawn: drawn[0]))


@st.composite
def _email_of_any_length(draw: st.DrawFn) -> str:
    """An address of a drawn length up to the 254 the RFCs allow, so the coverage phase's
    boundary cases (exactly 253 and 254 characters) find one at once: filtering
    ``st.emails()`` by such a length exhausted Hypothesis for 5 s a case, a minute a run.
    Its letters come from one drawn seed: a draw per letter cost 12 ms an address, 25 s of
    each run's collection."""
    length = draw(st.integers(6, 254))
    letters = random.Random(draw(st.integers(0, 2**32))).choices(LETTERS, k=length)
    local = min(64, length - 5)
    labels, start = [], local
    rest = length - local - 4  # the domain without its ".ec"
    while rest > 0:
        size = min(63, rest) - (1 if rest - min(63, rest) == 1 else 0)
        labels.append("".join(letters[start : start + size]))
        start, rest = start + size, rest - size - 1
    return f"{''.join(letters[:local])}@{'.'.join(labels)}.ec"


# Hypothesis' addresses include special-use domains (.test, .local) that email-validator
# refuses as undeliverable names: valid addresses are those it accepts.
schemathesis.openapi.format(
    "email", st.one_of(st.emails(), _email_of_any_length()).filter(_accepted_email)
)
schemathesis.openapi.format(
    "birth-date", st.dates(date(1900, 1, 1), date.today()).map(date.isoformat)
)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# NUL characters are refused everywhere at the edge (400, docs/security.md), a rule stated
# once for the whole API rather than as a pattern on every string: do not generate them.
schema.config.generation.update(
    max_examples=MAX_EXAMPLES, deterministic=True, no_shrink=True, allow_x00=False
)
# A body over its path's size limit is refused whole with 413 before it is read
# (core/body_limits.py): a rejection like any 4xx the check already counts.
schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
    expected_statuses=[*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
)


@cache
def _judge(label: str) -> tuple[Any, Any]:
    """Validators of an operation's query and JSON body that assert the named formats."""
    operation = schema[label.split(" ", 1)[1]][label.split(" ", 1)[0]]
    raw = operation.definition.raw
    components = schema.raw_schema.get("components", {})
    query = {
        "type": "object",
        "properties": {
            p["name"]: p["schema"] for p in raw.get("parameters", []) if p["in"] == "query"
        },
    }
    content = raw.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema", True)
    return tuple(
        jsonschema_rs.validator_for(
            {**part, "components": components} if isinstance(part, dict) else part,
            formats=NAMED_FORMATS,
            validate_formats=True,
        )
        for part in (query, body)
    )


@schema.hook("filter_case")
def _named_formats_hold(context: Any, case: Any) -> bool:
    """Positive cases only where the named formats hold (docstring above)."""
    if case.meta is None or case.meta.generation.mode != "positive":
        return True
    query_judge, body_judge = _judge(case.operation.label)
    if case.query and not query_judge.is_valid(case.query):
        return False
    return not isinstance(case.body, dict | list) or body_judge.is_valid(case.body)


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
    """In a body an id is at least 1 (the schema says so): 1..3 reach a row, 4 may not."""
    if isinstance(body, dict):
        for name, value in _toward_seeded_rows(body).items():
            if name in ID_PARAMETERS and value == 0:
                body[name] = SEEDED_CUSTOMERS + 1
    return body


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
    label = case.operation.label
    excluded = UNCHECKABLE_ACCEPTANCE.get(label)
    case.call_and_validate(headers=bearer, excluded_checks=excluded)
