"""The CTI endpoint (``POST /api/v1/contactcenter/cti/events``): how a real PBX drives
Lealtad. One event, a list, or ``{"events": [...]}``; each event is read and applied on its
own and gets its own result, so one bad event never holds back the rest. Thin: capability,
body, :mod:`lealtad.contactcenter.services.cti`. The event shapes: docs/contactcenter-cti.md."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from lealtad.contact_engine.telephony import EVENT_TYPES, SwitchEvent, WireError, from_wire
from lealtad.contactcenter.services import cti
from lealtad.core import batch_body
from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability

router = Router(tags=["contact center"])

_BODY_DOC = batch_body.body_doc(
    "One CTI event, a list of them, or {'events': [...]}. Every event has "
    "type (one of " + ", ".join(sorted(EVENT_TYPES)) + "), switch_id, epoch, at "
    "(ISO 8601 with offset) and, for call events, call_ref and seq (1, 2, 3 … per call)."
)


def _events_from(request: HttpRequest) -> list[Any]:
    return batch_body.items_from(request, "CTI event", objects_only=False)


def _key(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return {}
    return {k: raw[k] for k in ("type", "switch_id", "epoch", "call_ref", "seq") if k in raw}


@router.post(
    "/contactcenter/cti/events",
    openapi_extra=_BODY_DOC,
    response={200: dict, **errors(413)},
    summary="CTI events from a PBX (one or a batch; a result per event)",
)
def post_events(request: HttpRequest) -> dict[str, Any]:
    who = require(request, Capability.TELEPHONY)
    raws = _events_from(request)
    results: list[dict[str, Any] | None] = [None] * len(raws)
    parsed: list[tuple[int, SwitchEvent]] = []
    for i, raw in enumerate(raws):
        try:
            parsed.append((i, from_wire(raw)))
        except WireError as exc:
            error = {"code": "invalid_event", "field": exc.field, "message": exc.reason}
            results[i] = {**_key(raw), "status": "refused", "error": error}
    applied = cti.apply_events([e for _, e in parsed], who.actor)
    for (i, _event), result in zip(parsed, applied, strict=True):
        out: dict[str, Any] = {**_key(raws[i]), "status": result.status}
        if result.contact_id is not None:
            out["contact_id"] = result.contact_id
        if result.note:
            out["note"] = result.note
        if result.error is not None:
            err = result.error
            out["error"] = {"code": err.code, "field": err.field, "message": err.message}
        results[i] = out
    counts = dict.fromkeys(("applied", "ignored", "duplicate", "held", "refused"), 0)
    for r in results:
        assert r is not None
        counts[r["status"]] += 1
    return {**counts, "results": results}
