"""A request body that is one object, a list of them, or ``{"events": [...]}``: how every
event endpoint (canonical events, CTI events) takes a batch, documented and read one way.

Each item is then checked on its own by its endpoint, so a bad one is refused in the answer
without holding back the others; here only what is not a batch at all is refused (400), and a
batch over ``LEALTAD_MAX_BATCH`` (413).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError


def body_doc(description: str, item_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a batch endpoint (for ``openapi_extra``)."""
    item = item_schema or {"type": "object"}
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {
                                "type": "object",
                                "properties": {"events": {"type": "array", "items": item}},
                            },
                            {"type": "array", "minItems": 1, "items": item},
                        ]
                    }
                }
            },
        }
    }


def items_from(request: HttpRequest, what: str, objects_only: bool = True) -> list[Any]:
    """The batch's items; with ``objects_only`` a non-object item refuses the whole request,
    otherwise it is left for the endpoint to refuse on its own line."""
    try:
        body = json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HttpError(400, f"the body is not JSON: {exc}") from exc
    wrapped = isinstance(body, dict) and "events" in body
    items = body["events"] if wrapped else body if isinstance(body, list) else [body]
    refused = f"send one {what} object or a list of {what} objects"
    if not isinstance(items, list):
        raise HttpError(400, refused)
    if objects_only and not all(isinstance(i, dict) for i in items):
        raise HttpError(400, refused)
    if not items and not (wrapped and objects_only):
        raise HttpError(400, refused)
    if len(items) > settings.LEALTAD_MAX_BATCH:
        raise HttpError(413, f"at most {settings.LEALTAD_MAX_BATCH} {what}s per request")
    return items
