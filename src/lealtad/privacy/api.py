"""The privacy API: data-subject requests, their actions, and retention. Thin: every route
needs ``privacy.manage`` (the privacy officer and administrators) and calls the services."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, create_model

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.privacy import retention, selectors, services
from lealtad.privacy.models import DataSubjectRequest, RetentionRun

router = Router(tags=["privacy"])
Kind = Literal["access", "rectification", "portability", "objection", "erasure"]
DataClassName = Literal["interaction_bodies", "lapsed_prospects", "hub_messages", "closed_requests"]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class RequestIn(Strict):
    customer_id: int
    kind: Kind
    channel: str = Field(default="", max_length=40)
    details: str = Field(default="", max_length=4000)
    received_at: datetime | None = None


class VerifyIn(Strict):
    method: str = Field(min_length=1, max_length=200)


# The profile fields a rectification may correct, each optional; nothing else is accepted.
ProfileChanges = create_model(  # type: ignore[call-overload]
    "ProfileChanges",
    __config__=ConfigDict(extra="forbid"),
    **{name: (Any, None) for name in services.RECTIFIABLE},
)


class RectifyIn(Strict):
    changes: ProfileChanges  # type: ignore[valid-type]


class EraseIn(Strict):
    confirm: int = Field(description="The customer number again: erasure cannot be undone")


class NoteIn(Strict):
    note: str = Field(default="", max_length=4000)


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=4000)


class PolicyIn(Strict):
    months: int = Field(ge=1, le=1200)
    active: bool


class RunIn(Strict):
    dry_run: bool = True


def _officer(request: HttpRequest) -> services.Officer:
    who = require(request, Capability.PRIVACY)
    return services.Officer(who.actor)


def _request(request_id: int) -> DataSubjectRequest:
    found = selectors.get_request(request_id)
    if found is None:
        raise HttpError(404, f"no request {request_id}")
    return found


def request_out(r: DataSubjectRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": r.kind,
        "status": r.status,
        "customer_id": r.customer_id,
        "channel": r.channel,
        "details": r.details,
        "received_at": r.received_at,
        "due_at": r.due_at,
        "overdue": selectors.is_overdue(r),
        "verified_at": r.verified_at,
        "verified_by": r.verified_by,
        "verification": r.verification,
        "handled_by": r.handled_by,
        "closed_at": r.closed_at,
        "outcome": r.outcome,
        "steps": [
            {"at": s.at, "action": s.action, "by": s.actor_label, "note": s.note, "data": s.data}
            for s in r.steps.all()
        ],
    }


@router.get("/privacy/requests", summary="Data-subject requests, soonest due first")
def list_requests(
    request: HttpRequest,
    status: str = "open",
    overdue: bool = False,
    customer_id: int | None = None,
) -> dict[str, Any]:
    _officer(request)
    rows = selectors.requests(status, overdue, customer_id).prefetch_related("steps")[:500]
    return {"requests": [request_out(r) for r in rows]}


@router.post(
    "/privacy/requests",
    response={201: dict, **errors(409)},
    summary="Record a request as received (due LEALTAD_PRIVACY_DUE_DAYS later)",
)
def open_request(request: HttpRequest, body: RequestIn) -> tuple[int, dict[str, Any]]:
    who = _officer(request)
    made = services.open_request(
        body.customer_id,
        body.kind,
        who,
        channel=body.channel,
        details=body.details,
        received_at=body.received_at,
    )
    return 201, request_out(_request(made.pk))


@router.get("/privacy/requests/{request_id}", summary="A request with its steps")
def get_request(request: HttpRequest, request_id: int) -> dict[str, Any]:
    _officer(request)
    return request_out(_request(request_id))


def _act(request_id: int, action: Any) -> dict[str, Any]:
    action(_request(request_id))
    return request_out(_request(request_id))


@router.post(
    "/privacy/requests/{request_id}/verify",
    response={200: dict, **errors(409)},
    summary="The person's identity was verified",
)
def verify(request: HttpRequest, request_id: int, body: VerifyIn) -> dict[str, Any]:
    who = _officer(request)
    return _act(request_id, lambda r: services.verify_identity(r, body.method, who))


@router.post(
    "/privacy/requests/{request_id}/start",
    response={200: dict, **errors(409)},
    summary="Take the request on",
)
def start(request: HttpRequest, request_id: int) -> dict[str, Any]:
    who = _officer(request)
    return _act(request_id, lambda r: services.take_on(r, who))


@router.get(
    "/privacy/requests/{request_id}/export",
    response={200: Any, **errors(409)},
    summary="The person's data as one JSON document (access, portability)",
)
def export(request: HttpRequest, request_id: int) -> HttpResponse:
    who = _officer(request)
    body = services.export(_request(request_id), who)
    answer = HttpResponse(body, content_type="application/json; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="lealtad-request-{request_id}.json"'
    answer["Cache-Control"] = "no-store"
    return answer


@router.post(
    "/privacy/requests/{request_id}/rectify",
    response={200: dict, **errors(409)},
    summary="Correct profile fields (rectification)",
)
def rectify(request: HttpRequest, request_id: int, body: RectifyIn) -> dict[str, Any]:
    who = _officer(request)
    changes = body.changes.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    return _act(request_id, lambda r: services.rectify(r, changes, who))


@router.post(
    "/privacy/requests/{request_id}/object",
    response={200: dict, **errors(409)},
    summary="Withdraw every marketing consent (objection)",
)
def object_to_marketing(request: HttpRequest, request_id: int) -> dict[str, Any]:
    who = _officer(request)
    return _act(request_id, lambda r: services.object_to_marketing(r, who))


@router.post(
    "/privacy/requests/{request_id}/erase",
    response={200: dict, **errors(409)},
    summary="Anonymize the person everywhere (erasure); cannot be undone",
)
def erase(request: HttpRequest, request_id: int, body: EraseIn) -> dict[str, Any]:
    who = _officer(request)
    return _act(request_id, lambda r: services.erase(r, body.confirm, who))


@router.post(
    "/privacy/requests/{request_id}/complete",
    response={200: dict, **errors(409)},
    summary="Close the request as answered",
)
def complete(request: HttpRequest, request_id: int, body: NoteIn) -> dict[str, Any]:
    who = _officer(request)
    return _act(request_id, lambda r: services.complete(r, body.note, who))


@router.post(
    "/privacy/requests/{request_id}/reject",
    response={200: dict, **errors(409)},
    summary="Reject the request, saying why",
)
def reject(request: HttpRequest, request_id: int, body: ReasonIn) -> dict[str, Any]:
    who = _officer(request)
    return _act(request_id, lambda r: services.reject(r, body.reason, who))


def _policy_out(p: retention.Policy) -> dict[str, Any]:
    return {"data_class": p.data_class.value, "months": p.months, "active": p.active}


@router.get("/privacy/retention", summary="Retention policies and the last runs")
def policies(request: HttpRequest) -> dict[str, Any]:
    _officer(request)
    return {
        "policies": [_policy_out(p) for p in retention.policies()],
        "runs": [run_out(r) for r in selectors.last_runs()],
    }


@router.put(
    "/privacy/retention/policies/{data_class}",
    response={200: dict, **errors(404)},
    summary="Set a policy's term and switch it on or off",
)
def set_policy(request: HttpRequest, data_class: DataClassName, body: PolicyIn) -> dict[str, Any]:
    who = _officer(request)
    policy = retention.set_policy(data_class, body.months, body.active, who)
    return _policy_out(policy)


def run_out(r: RetentionRun) -> dict[str, Any]:
    return {
        "id": r.pk,
        "dry_run": r.dry_run,
        "trigger": r.trigger,
        "run_by": r.run_by,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "results": r.results,
    }


@router.post(
    "/privacy/retention/run",
    response={200: dict},
    summary="List (dry run) or remove what the switched-on policies select",
)
def run(request: HttpRequest, body: RunIn) -> dict[str, Any]:
    who = _officer(request)
    return run_out(retention.run(who, dry_run=body.dry_run, trigger="api"))
