"""Parameters and patterns read one way by the client and the server alike (found by the
schema test on PostgreSQL): a scalar parameter given twice is refused, not read as its last
value; a published pattern with ``\\s`` no longer lets a client send what the server refuses."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
from ninja.errors import ValidationError

from lealtad.core.parameters import OneValueParser
from lealtad.marketing.api_responses import ADDRESS_OR_EMPTY

pytestmark = pytest.mark.django_db


def test_a_scalar_query_parameter_given_twice_is_refused_naming_it(api):
    once = api.get("/api/v1/transfers", {"location": "Quito"})
    assert once.status_code == 200, once.content
    twice = api.get("/api/v1/transfers?location=Quito&location=Guayaquil")
    assert twice.status_code == 422
    (error,) = twice.json()["detail"]
    assert error["loc"] == ["query", "location"] and error["type"] == "repeated_parameter"


def test_a_list_parameter_still_takes_many_values(rf):
    request = rf.get("/api/v1/x?tag=a&tag=b&limit=5")
    parsed = OneValueParser().parse_querydict(request.GET, ["tag"], request)
    assert parsed == {"tag": ["a", "b"], "limit": "5"}
    assert refused_names(rf.get("/api/v1/x?tag=a&limit=5&limit=6"), ["tag"]) == ["limit"]


def refused_names(request, list_fields):
    try:
        OneValueParser().parse_querydict(request.GET, list_fields, request)
    except ValidationError as refused:
        return [error["loc"][1] for error in refused.errors]
    return []


@pytest.mark.parametrize("address", ["ana\x85@example.ec", "ana@exa\u2028mple.ec", "a b@c.ec"])
def test_a_bounce_address_with_white_space_is_refused_by_schema_and_server(address, token_client):
    published = jsonschema_rs.validator_for({"type": "string", "pattern": ADDRESS_OR_EMPTY})
    assert not published.is_valid(address)
    client = token_client("marketer", ("marketing:manage",))
    body = [{"id": "w-1", "kind": "complaint", "address": address}]
    answer = client.post("/api/v1/marketing/bounces", json.dumps(body), "application/json")
    assert answer.status_code == 422
    assert "address" in answer.content.decode()


def test_a_usage_period_takes_ascii_digits_only(api):
    from pydantic import ValidationError as PydanticError

    from lealtad.analytics.schemas import UsageRecorded

    fields = {"unit": "hours", "plan": "p40", "allowance": 40, "used": 12}
    with pytest.raises(PydanticError):
        UsageRecorded(period="٢٠٢٦-01", **fields)
    assert UsageRecorded(period="2026-01", **fields).period == "2026-01"
