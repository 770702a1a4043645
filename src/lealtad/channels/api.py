"""Ingestion endpoints: one event or a batch, each answered on its own."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from lealtad.channels import services
from lealtad.core import batch_body, envelope
from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability

router = Router(tags=["events"])

# The body is any event object or list of them: each event is checked against the Envelope
# schema (published at components/schemas/Envelope and GET /events/schemas) on its own, and a
# bad one is rejected in the 200 answer without holding back the others. So the operation
# itself only refuses what is not one or more objects (400).
_BODY_DOC = batch_body.body_doc(
    "One canonical event (see the Envelope schema), a list of them, or "
    "{'events': [...]}. Each event is validated on its own."
)


def _events_from(request: HttpRequest) -> list[Any]:
    return batch_body.items_from(request, "event", objects_only=True)


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
