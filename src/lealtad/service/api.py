"""The cases over HTTP (``/api/v1/service/cases``): list, open, get, reply, note, status,
assign, resolve. Thin: capability, body, service or selector."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError, ValidationError
from pydantic import ConfigDict
from pydantic import ValidationError as PydanticError

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.audit import Actor
from lealtad.core.roles import Capability
from lealtad.service.models import Case, CaseEntry
from lealtad.service.selectors import cases as reads
from lealtad.service.services import cases, outbound
from lealtad.service.services.cases import CaseNotFound, NewCase
from lealtad.service.services.escalation import escalate

router = Router(tags=["service desk: cases"])
PREFIX = "/service/cases"


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class CaseIn(Strict):
    subject: str = Field(min_length=1, max_length=200)
    category: str = Field(max_length=30)
    subtype: str = Field(default="", max_length=40)
    description: str = Field(default="", max_length=100_000)
    customer_id: int | None = Field(default=None, ge=1)
    requester_id: int | None = Field(default=None, ge=1)
    channel: str = Field(default="api", max_length=40)
    priority: int = Field(default=2, ge=1, le=4)
    group: str = Field(default="", max_length=60)
    order_number: str = Field(default="", max_length=40)
    product_sku: str = Field(default="", max_length=60)
    contract_number: str = Field(default="", max_length=40)
    value_tier: str = Field(default="unknown", max_length=20)


class TextIn(Strict):
    body: str = Field(min_length=1, max_length=100_000)


class StatusIn(Strict):
    status: Literal["open", "pending_customer", "pending_part", "closed"]
    note: str = Field(default="", max_length=10_000)


class AssignIn(Strict):
    group: str = Field(default="", max_length=60)
    assignee_id: int | None = Field(default=None, ge=1)


class ResolveIn(Strict):
    outcome: Literal["resolved", "commitment", "escalated", "transferred"] = "resolved"
    note: str = Field(default="", max_length=10_000)
    follow_up_on: date | None = None


def _actor(request: HttpRequest) -> Actor:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor.for_user(user, channel="api")
    return Actor.system("api")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def summary(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "subject": case.subject,
        "category": case.category,
        "subtype": case.subtype,
        "status": case.status,
        "priority": case.priority,
        "customer_id": case.customer_id,
        "group": case.group.name if case.group else "",
        "assignee_id": case.assignee_id,
        "sla_policy": case.sla_policy.name if case.sla_policy else "",
        "first_response_due": _iso(case.first_response_due),
        "resolution_due": _iso(case.resolution_due),
        "sla_breached": case.sla_breached,
        "outcome": case.outcome,
        "created_at": _iso(case.created_at),
    }


def _line(line: CaseEntry) -> dict[str, Any]:
    return {
        "at": _iso(line.at),
        "kind": line.kind,
        "public": line.public,
        "author": line.author,
        "body": line.body,
        "status": line.status,
        "data": line.data,
        "attachments": [
            {
                "id": a.pk,
                "filename": a.filename,
                "size": a.size,
                "sha256": a.sha256,
                "content_type": a.content_type,
                "stored": bool(a.stored),
            }
            for a in line.attachments.all()
        ],
    }


def _found(case_id: int) -> Case:
    found = reads.case(case_id)
    if found is None:
        raise CaseNotFound("There is no case %(id)s.", field="case", id=case_id)
    return found


@router.get(PREFIX, response={200: list[dict[str, Any]]})
def list_cases(
    request: HttpRequest,
    status: str = "",
    category: str = "",
    group: str = "",
    assignee_id: int | None = None,
    breach_soon: bool = False,
    breached: bool = False,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Open cases (or those in ``status``), most urgent first."""
    require(request, Capability.SERVICE_HANDLE)
    f = reads.QueueFilter(status, category, group, assignee_id, breach_soon, breached, limit=limit)
    return [summary(c) for c in reads.queue(f)]


@router.post(PREFIX, response={201: dict[str, Any], **errors(404, 422)})
def open_case(request: HttpRequest, body: CaseIn) -> tuple[int, dict[str, Any]]:
    require(request, Capability.SERVICE_HANDLE)
    case = cases.open_case(NewCase(**body.model_dump()), _actor(request))
    return 201, summary(_found(case.pk))


@router.get(PREFIX + "/{case_id}", response={200: dict[str, Any], **errors(404)})
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """The case, its thread (public and internal) and the SLA clock."""
    require(request, Capability.SERVICE_HANDLE)
    found = _found(case_id)
    clock = reads.clock_of(found)
    for target in clock["targets"]:
        target["due"], target["met_at"] = _iso(target["due"]), _iso(target["met_at"])
    return {**summary(found), "thread": [_line(x) for x in reads.thread(case_id)], "sla": clock}


_REPLY_DOC = {
    "requestBody": {
        "required": True,
        "description": 'The answer as JSON (`{"body": "…"}`), or as a multipart form with '
        "`body` and any number of `files` (each at most the case's mailbox's largest "
        "attachment, 20 MiB unless set; at most 10 files).",
        "content": {
            "application/json": {"schema": TextIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["body"],
                    "properties": {
                        "body": {"type": "string", "minLength": 1, "maxLength": 100_000},
                        "files": {
                            "type": "array",
                            "maxItems": 10,
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                }
            },
        },
    }
}


def _reply_input(request: HttpRequest) -> tuple[TextIn, list[UploadedFile]]:
    """The answer and its files, from JSON or a multipart form (one schema for both)."""
    if request.content_type == "multipart/form-data":
        data: Any = {"body": request.POST.get("body", "")}
        files = request.FILES.getlist("files")
    else:
        try:
            data, files = json.loads(request.body or b"null"), []
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HttpError(400, f"the body is not JSON: {exc}") from exc
    try:
        return TextIn.model_validate(data), files
    except PydanticError as exc:
        raise ValidationError([dict(e) for e in exc.errors(include_url=False)]) from exc


@router.post(
    PREFIX + "/{case_id}/reply",
    openapi_extra=_REPLY_DOC,
    response={200: dict[str, Any], **errors(404, 409, 422)},
)
def reply(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """A public answer, mailed to the customer with its files (JSON, or multipart with
    ``files``); the files are listed on the case's thread."""
    require(request, Capability.SERVICE_HANDLE)
    body, files = _reply_input(request)
    outbound.reply(case_id, body.body, _actor(request), files)
    return summary(_found(case_id))


@router.post(PREFIX + "/{case_id}/note", response={200: dict[str, Any], **errors(404, 409, 422)})
def note(request: HttpRequest, case_id: int, body: TextIn) -> dict[str, Any]:
    require(request, Capability.SERVICE_HANDLE)
    cases.note(case_id, body.body, _actor(request))
    return summary(_found(case_id))


@router.post(PREFIX + "/{case_id}/status", response={200: dict[str, Any], **errors(404, 409, 422)})
def status(request: HttpRequest, case_id: int, body: StatusIn) -> dict[str, Any]:
    require(request, Capability.SERVICE_HANDLE)
    cases.set_status(case_id, body.status, _actor(request), body.note)
    return summary(_found(case_id))


@router.post(PREFIX + "/{case_id}/assign", response={200: dict[str, Any], **errors(404, 409, 422)})
def assign(request: HttpRequest, case_id: int, body: AssignIn) -> dict[str, Any]:
    """Reassigning is a supervisor's move."""
    require(request, Capability.SERVICE_SUPERVISE)
    cases.assign(case_id, _actor(request), body.group, body.assignee_id)
    return summary(_found(case_id))


class EscalateIn(Strict):
    note: str = Field(default="", max_length=10_000)


@router.post(PREFIX + "/{case_id}/escalate", response={200: dict[str, Any], **errors(404, 409)})
def escalate_case(request: HttpRequest, case_id: int, body: EscalateIn) -> dict[str, Any]:
    """To the group's next tier, unassigned; 409 when the group has none."""
    require(request, Capability.SERVICE_HANDLE)
    escalate(case_id, _actor(request), body.note)
    return summary(_found(case_id))


@router.post(PREFIX + "/{case_id}/resolve", response={200: dict[str, Any], **errors(404, 409, 422)})
def resolve(request: HttpRequest, case_id: int, body: ResolveIn) -> dict[str, Any]:
    require(request, Capability.SERVICE_HANDLE)
    cases.resolve(case_id, _actor(request), body.outcome, body.note, body.follow_up_on)
    return summary(_found(case_id))
