"""Ingestion endpoints: one event or a batch, each answered on its own."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError

from lealtad.channels import services
from lealtad.core import envelope
from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability

router = Router(tags=["events"])

# The body is any event object or list of them: each event is checked against the Envelope
# schema (published at components/schemas/Envelope and GET /events/schemas) on its own, and a
# bad one is rejected in the 200 answer without holding back the others. So the operation
# itself only refuses what is not one or more objects (400).
_BODY_DOC = {
    "requestBody": {
        "required": True,
        "description": "One canonical event (see the Envelope schema), a list of them, or "
        "{'events': [...]}. Each event is validated on its own.",
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {
                            "type": "object",
                            "properties": {
                                "events": {"type": "array", "items": {"type": "object"}}
                            },
                        },
                        {"type": "array", "minItems": 1, "items": {"type": "object"}},
                    ]
                }
            }
        },
    }
}


def _events_from(request: HttpRequest) -> list[Any]:
    try:
        body = json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HttpError(400, f"the body is not JSON: {exc}") from exc
    wrapped = isinstance(body, dict) and "events" in body
    events = body["events"] if wrapped else body if isinstance(body, list) else [body]
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise HttpError(400, "send one event object or a list of event objects")
    if not events and not wrapped:
        raise HttpError(400, "send one event object or a list of event objects")
    if len(events) > settings.LEALTAD_MAX_BATCH:
        raise HttpError(413, f"at most {settings.LEALTAD_MAX_BATCH} events per request")
    return events


@router.post(
    "/events",
    openapi_extra=_BODY_DOC,
    response={200: dict, **errors(413)},
    summary="Ingest one canonical event or a batch",
)
def ingest(request: HttpRequest) -> dict[str, Any]:
    who = require(request, Capability.INGEST)
    events = _events_from(request)
    results = services.ingest(events, who.actor, who.channels)
    counts = {s: 0 for s in (services.CREATED, services.DUPLICATE, services.REJECTED)}
    for r in results:
        counts[r.status] += 1
    return {
        **counts,
        "results": [
            {
                "id": r.id,
                "status": r.status,
                "customer_id": r.customer_id,
                "errors": r.errors,
                "warnings": r.warnings,
            }
            for r in results
        ],
    }


@router.get("/events/schemas", summary="JSON Schema of the envelope and of each event type")
def schemas(request: HttpRequest) -> dict[str, Any]:
    return envelope.schemas()
