"""The IVR over HTTP (``/api/v1/contactcenter/ivr``), driven by whatever PBX fronts it: a call
enters a flow, each key press (or silence) answers the next step, and prompts come as WAV.
Flows are saved and activated by supervisors. Thin: capability, body, service."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict

from lealtad.contactcenter.models import IvrFlow, IvrSession
from lealtad.contactcenter.selectors import ivr as ivr_selectors
from lealtad.contactcenter.services import ivr, prompts
from lealtad.core.access import require
from lealtad.core.roles import Capability

router = Router(tags=["contact center"])
PREFIX = "/api/v1/contactcenter/ivr"


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class SessionIn(Strict):
    flow: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_-]+$")
    call_id: str = Field(min_length=1, max_length=120, description="The PBX's id of the call")
    caller_id: str = Field(default="", max_length=40, description="ANI, as the PBX has it")
    source: str = Field(default="", max_length=60, description="Which PBX (call ids are its)")


class InputIn(Strict):
    digits: str = Field(max_length=64, pattern=r"^[0-9*#]*$", description="Keys pressed")
    seq: int | None = Field(
        default=None,
        ge=1,
        description="1 for the call's first input: a retried request with "
        "the same seq answers the same step instead of pressing again",
    )


class TimeoutIn(Strict):
    seq: int | None = Field(default=None, ge=1)


class FlowIn(Strict):
    yaml: str = Field(min_length=1, max_length=200_000, description="The flow, as YAML")
    activate: bool = True


def step_out(step: dict[str, Any]) -> dict[str, Any]:
    """The step with a WAV address for each prompt (remembered so the PBX can fetch it)."""
    out = dict(step)
    out["prompts"] = [
        {**p, "audio": f"{PREFIX}/prompts/{prompts.remember(p['text'], p['language'])}.wav"}
        for p in step.get("prompts", [])
    ]
    return out


def session_out(found: IvrSession, step: dict[str, Any]) -> dict[str, Any]:
    return {
        "session_id": str(found.pk),
        "flow": found.flow.name,
        "flow_version": found.flow.version,
        "status": found.status,
        "inputs": found.inputs,
        "customer_id": found.customer_id,
        "contact_id": found.contact_id,
        "step": step_out(step),
    }


def flow_out(row: IvrFlow, with_yaml: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": row.name,
        "version": row.version,
        "active": row.active,
        "description": row.description,
        "created_at": row.created_at,
        "created_by": row.created_by,
    }
    if with_yaml:
        out["yaml"] = row.yaml_text
    return out


@router.post(
    "/contactcenter/ivr/sessions", summary="A call enters an IVR flow", response={201: dict}
)
def start(request: HttpRequest, body: SessionIn) -> tuple[int, dict[str, Any]]:
    """The first step of the flow for this caller (menus chosen by caller id). The same
    ``source`` and ``call_id`` again answers the session already started."""
    who = require(request, Capability.TELEPHONY)
    found, step = ivr.start_session(
        body.flow, body.call_id, who.actor, caller_id=body.caller_id, source=body.source
    )
    return 201, session_out(found, step)


@router.post("/contactcenter/ivr/sessions/{session_id}/input", summary="The caller pressed keys")
def press(request: HttpRequest, session_id: str, body: InputIn) -> dict[str, Any]:
    who = require(request, Capability.TELEPHONY)
    found, step = ivr.press(session_id, body.digits, who.actor, seq=body.seq)
    return session_out(found, step)


@router.post(
    "/contactcenter/ivr/sessions/{session_id}/timeout", summary="The caller pressed nothing in time"
)
def silence(request: HttpRequest, session_id: str, body: TimeoutIn) -> dict[str, Any]:
    who = require(request, Capability.TELEPHONY)
    found, step = ivr.time_out(session_id, who.actor, seq=body.seq)
    return session_out(found, step)


@router.post(
    "/contactcenter/ivr/sessions/{session_id}/hangup", summary="The caller hung up inside the IVR"
)
def hang_up(request: HttpRequest, session_id: str) -> dict[str, Any]:
    who = require(request, Capability.TELEPHONY)
    found = ivr.hang_up(session_id, who.actor)
    return session_out(found, found.state.get("step") or {})


@router.get("/contactcenter/ivr/sessions/{session_id}", summary="An IVR session and its step")
def get_session(request: HttpRequest, session_id: str) -> dict[str, Any]:
    require(request, Capability.TELEPHONY)
    found = ivr_selectors.ivr_session(session_id)
    if found is None:
        raise HttpError(404, "no such IVR session")
    out = session_out(found, found.state.get("step") or {})
    out["path"] = found.state.get("path", [])
    out["variables"] = found.state.get("variables", {})
    return out


@router.get("/contactcenter/ivr/prompts/{prompt_id}.wav", summary="A prompt as audio (WAV)")
def prompt_audio(request: HttpRequest, prompt_id: str, lang: str = "es") -> FileResponse:
    """``prompt_id`` is a step's audio key (``t`` + 40 hex) or a flow's prompt id
    (``bank.main_menu``) in ``lang``, from the active version of that flow."""
    require(request, Capability.TELEPHONY)
    try:
        wav = ivr.prompt_wav(prompt_id, lang)
    except prompts.AudioUnavailable as error:
        raise HttpError(503, f"audio unavailable: {error}") from None
    if wav is None:
        raise HttpError(404, f"no prompt {prompt_id} in {lang}")
    return FileResponse(wav.open("rb"), content_type="audio/wav")


@router.get("/contactcenter/ivr/flows", summary="IVR flows and their versions")
def list_flows(request: HttpRequest) -> list[dict[str, Any]]:
    require(request, Capability.CONTACT_SUPERVISE)
    return [flow_out(row) for row in ivr_selectors.flows()]


@router.post(
    "/contactcenter/ivr/flows", summary="Save an IVR flow (a new version)", response={201: dict}
)
def save_flow(request: HttpRequest, body: FlowIn) -> tuple[int, dict[str, Any]]:
    """The whole flow is checked first; a refusal lists every problem by node and field."""
    who = require(request, Capability.CONTACT_SUPERVISE)
    return 201, flow_out(ivr.save_flow(body.yaml, who.actor, activate=body.activate), True)


@router.get("/contactcenter/ivr/flows/{name}", summary="The active version of a flow")
def get_flow(request: HttpRequest, name: str) -> dict[str, Any]:
    require(request, Capability.CONTACT_SUPERVISE)
    row = ivr_selectors.active_flow(name)
    if row is None:
        raise HttpError(404, f"no active IVR flow {name}")
    return flow_out(row, True)


@router.post(
    "/contactcenter/ivr/flows/{name}/versions/{version}/activate",
    summary="Make a saved version the one new calls start on",
)
def activate(request: HttpRequest, name: str, version: int) -> dict[str, Any]:
    who = require(request, Capability.CONTACT_SUPERVISE)
    return flow_out(ivr.activate_flow(name, version, who.actor))
