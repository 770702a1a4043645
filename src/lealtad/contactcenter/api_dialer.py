"""The outbound dialer's API (``/api/v1/contactcenter/dialer``): call lists, their entries,
and the do-not-call numbers. Thin: checks the capability (a supervisor's), validates the
body, calls the services."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from lealtad.contactcenter import selectors
from lealtad.contactcenter.errors import NotThere
from lealtad.contactcenter.selectors import dialer as reads
from lealtad.contactcenter.services import dialer, dialer_preview
from lealtad.core.access import require
from lealtad.core.roles import Capability

router = Router(tags=["contact center"])


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class CallListIn(Strict):
    name: str = Field(min_length=1, max_length=60, pattern=r"^[-a-z0-9_]+$")
    label: str = Field(default="", max_length=120)
    queue: str = Field(min_length=1, max_length=60)
    mode: Literal["preview", "progressive", "predictive"]
    purpose: str = Field(default="marketing", max_length=12)
    abandon_cap: float = Field(default=0.03, gt=0, le=0.05)
    max_attempts: int = Field(default=5, ge=1, le=20)
    hours: dict[str, Any] = Field(
        default_factory=dict,
        description='e.g. {"weekdays": "09:00-20:00", "saturday": "09:00-14:00", '
        '"sunday": null, "holidays": ["2026-12-25"]}',
    )
    default_time_zone: str = Field(default="America/Guayaquil", max_length=60)


class CallListCsvIn(Strict):
    csv: str = Field(min_length=1, max_length=5_000_000, description="A customer_id column")


class CallListSegmentIn(Strict):
    tiers: list[str] = Field(default_factory=list, max_length=10)
    stages: list[str] = Field(default_factory=list, max_length=10)
    churn_bands: list[str] = Field(default_factory=list, max_length=10)
    limit: int | None = Field(default=None, ge=1, le=1_000_000)


class DoNotCallIn(Strict):
    numbers: list[str] = Field(min_length=1, max_length=100_000)
    source: str = Field(default="", max_length=60)
    region: str = Field(default="EC", pattern=r"^[A-Z]{2}$")


def _found(name: str):  # type: ignore[no-untyped-def]
    found = reads.call_list(name)
    if found is None:
        raise NotThere(field="name")
    return found


@router.get("/contactcenter/dialer/lists", summary="Call lists with their figures")
def lists(request: HttpRequest) -> list[dict[str, Any]]:
    require(request, Capability.CONTACT_SUPERVISE)
    return [reads.list_figures(found) for found in reads.call_lists()]


@router.post("/contactcenter/dialer/lists", summary="Create a call list", response={201: dict})
def create(request: HttpRequest, body: CallListIn) -> tuple[int, dict[str, Any]]:
    who = require(request, Capability.CONTACT_SUPERVISE)
    data = body.model_dump()
    made = dialer.create_list(
        data.pop("name"), data.pop("queue"), data.pop("mode"), who.actor, **data
    )
    return 201, reads.list_figures(made)


@router.get("/contactcenter/dialer/lists/{name}", summary="One call list and its figures")
def one(request: HttpRequest, name: str) -> dict[str, Any]:
    require(request, Capability.CONTACT_SUPERVISE)
    return reads.list_figures(_found(name))


@router.get("/contactcenter/dialer/lists/{name}/entries", summary="A list's entries")
def entries(
    request: HttpRequest,
    name: str,
    status: Literal["pending", "dialling", "done", "closed"] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    require(request, Capability.CONTACT_SUPERVISE)
    limit, offset = max(1, min(limit, 1000)), max(0, offset)
    return [reads.entry_out(e) for e in reads.entries(_found(name), status, limit, offset)]


@router.post("/contactcenter/dialer/lists/{name}/csv", summary="Add customers from a CSV")
def add_csv(request: HttpRequest, name: str, body: CallListCsvIn) -> dict[str, Any]:
    who = require(request, Capability.CONTACT_SUPERVISE)
    return {"added": dialer.add_from_csv(name, body.csv, who.actor)}


@router.post("/contactcenter/dialer/lists/{name}/segment", summary="Add a segment's customers")
def add_segment(request: HttpRequest, name: str, body: CallListSegmentIn) -> dict[str, Any]:
    who = require(request, Capability.CONTACT_SUPERVISE)
    added = dialer.add_from_segment(
        name,
        who.actor,
        tiers=body.tiers,
        stages=body.stages,
        churn_bands=body.churn_bands,
        limit=body.limit,
    )
    return {"added": added}


def _move(request: HttpRequest, name: str, action: str) -> dict[str, Any]:
    who = require(request, Capability.CONTACT_SUPERVISE)
    return reads.list_figures(dialer.move_list(name, action, who.actor))


@router.post("/contactcenter/dialer/lists/{name}/start", summary="Start or resume a list")
def start(request: HttpRequest, name: str) -> dict[str, Any]:
    return _move(request, name, "start")


@router.post("/contactcenter/dialer/lists/{name}/pause", summary="Pause a list")
def pause(request: HttpRequest, name: str) -> dict[str, Any]:
    return _move(request, name, "pause")


@router.post("/contactcenter/dialer/lists/{name}/finish", summary="Finish a list for good")
def finish(request: HttpRequest, name: str) -> dict[str, Any]:
    return _move(request, name, "finish")


@router.post("/contactcenter/dialer/do-not-call", summary="Add numbers nobody may dial")
def do_not_call(request: HttpRequest, body: DoNotCallIn) -> dict[str, Any]:
    who = require(request, Capability.CONTACT_SUPERVISE)
    return {"added": dialer.add_do_not_call(body.numbers, body.source, who.actor, body.region)}


class PreviewDecisionIn(Strict):
    accept: bool


def _my_agent_id(request: HttpRequest) -> int:
    who = require(request, Capability.CONTACT_HANDLE)
    agent = selectors.agent_for_user(who.user)
    if agent is None:
        raise NotThere(field="agent")
    return agent.pk


@router.post(
    "/contactcenter/dialer/lists/{name}/preview",
    summary="The next record for the signed-in agent to preview",
    response={200: dict, 204: None},
)
def preview(request: HttpRequest, name: str) -> Any:
    entry = dialer_preview.preview_next(name, _my_agent_id(request))
    if entry is None:
        return 204, None
    out = reads.entry_out(entry)
    out["customer_name"] = reads.customer_names([entry.customer_id]).get(entry.customer_id, "")
    return out


@router.post(
    "/contactcenter/dialer/entries/{entry_id}/decision",
    summary="Accept (dial now) or reject the previewed record",
)
def decide(request: HttpRequest, entry_id: int, body: PreviewDecisionIn) -> dict[str, Any]:
    entry = dialer_preview.preview_decide(entry_id, _my_agent_id(request), body.accept)
    return reads.entry_out(entry)
