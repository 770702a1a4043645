"""The contact center API (``/api/v1/contactcenter``): agents and their states, contacts from
arrival to wrap-up, queues and skills. Thin: checks the capability, validates the body,
calls the services. An agent moves only their own state and contacts; a supervisor any."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict

from lealtad.contactcenter import selectors
from lealtad.contactcenter.models import Agent, Contact
from lealtad.contactcenter.schemas import AgentOut, ContactIn, ContactOut, WrapUpIn
from lealtad.contactcenter.services import agents, contacts, setup
from lealtad.core.access import Principal, require
from lealtad.core.roles import Capability

router = Router(tags=["contact center"])


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class StateIn(Strict):
    state: Literal["available", "break", "training", "admin", "vacation", "sickness"]
    reason: str = Field(default="", max_length=60)


class ContactTransferIn(Strict):
    queue: str = Field(min_length=1, max_length=60)


class ConferenceIn(Strict):
    party: str = Field(min_length=1, max_length=120, description="Extension, number or agent")


class LinkIn(Strict):
    customer_id: int = Field(ge=1)


class SkillIn(Strict):
    name: str = Field(min_length=1, max_length=60, pattern=r"^[-a-z0-9_]+$")
    label: str = Field(default="", max_length=120)


class QueueIn(Strict):
    name: str = Field(min_length=1, max_length=60, pattern=r"^[-a-z0-9_]+$")
    label: str = Field(default="", max_length=120)
    skill: str = Field(min_length=1, max_length=60)
    level: int = Field(default=1, ge=1, le=4)
    min_proficiency: int = Field(default=1, ge=1, le=10)
    relax_after_seconds: int | None = Field(default=60, ge=0, le=86400)
    service_level_seconds: int = Field(default=15, ge=1, le=86400)
    service_level_target: float = Field(default=0.8, gt=0, le=1)
    overflows: list[tuple[int, str]] = Field(default_factory=list, max_length=10)


class AgentIn(Strict):
    name: str = Field(min_length=1, max_length=150)
    username: str | None = Field(default=None, max_length=150)
    skills: dict[str, int] = Field(default_factory=dict)
    capacity: dict[Literal["voice", "email", "chat"], int] | None = None
    max_total: int = Field(default=3, ge=1, le=20)
    team: str = Field(default="", max_length=80)
    extension: str = Field(default="", max_length=40)


def contact_out(found: Contact) -> dict[str, Any]:
    return ContactOut(
        id=found.pk,
        medium=found.medium,
        direction=found.direction,
        status=found.status,
        queue=found.queue.name if found.queue is not None else None,
        agent_id=found.agent_id,
        customer_id=found.customer_id,
        candidates=found.candidates,
        caller_id=found.caller_id,
        subject=found.subject,
        tier=found.tier,
        ivr_data=found.ivr_data,
        place_at=found.place_at,
        arrived_at=found.arrived_at,
        offered_at=found.offered_at,
        answered_at=found.answered_at,
        released_at=found.released_at,
        ended_at=found.ended_at,
        outcome=found.outcome,
        wrap_up_code=found.wrap_up_code,
    ).model_dump()


def agent_out(found: Agent) -> dict[str, Any]:
    return AgentOut(
        id=found.pk,
        name=found.name,
        team=found.team,
        state=found.state,
        state_reason=found.state_reason,
        state_since=found.state_since,
        skills=selectors.skills_of(found),
    ).model_dump()


def _own_agent(request: HttpRequest, agent_id: int) -> Principal:
    """An agent acts for themself; a supervisor for anyone."""
    who = require(request, Capability.CONTACT_HANDLE)
    if who.can(Capability.CONTACT_SUPERVISE):
        return who
    mine = selectors.agent_for_user(who.user)
    if mine is None or mine.pk != agent_id:
        raise HttpError(403, "you act only as your own agent")
    return who


def _own_contact(request: HttpRequest, contact_id: int) -> tuple[Principal, Contact]:
    found = selectors.contact(contact_id)
    if found is None:
        require(request, Capability.CONTACT_HANDLE)
        raise HttpError(404, f"no contact {contact_id}")
    who = require(request, Capability.CONTACT_HANDLE)
    if not who.can(Capability.CONTACT_SUPERVISE):
        mine = selectors.agent_for_user(who.user)
        if mine is None or found.agent_id != mine.pk:
            raise HttpError(403, "this contact is not yours")
    return who, found


@router.get("/contactcenter/me", summary="The signed-in agent and their live contacts")
def me(request: HttpRequest) -> dict[str, Any]:
    who = require(request, Capability.CONTACT_HANDLE)
    mine = selectors.agent_for_user(who.user)
    if mine is None:
        raise HttpError(404, "you are not set up as an agent")
    live = selectors.live_contacts(mine.pk)
    return {"agent": agent_out(mine), "contacts": [contact_out(c) for c in live]}


@router.get("/contactcenter/agents", summary="Agents and their states")
def list_agents(request: HttpRequest) -> list[dict[str, Any]]:
    require(request, Capability.CONTACT_SUPERVISE)
    return [agent_out(a) for a in selectors.agents()]


@router.post("/contactcenter/agents", summary="Add an agent", response={201: dict})
def add_agent(request: HttpRequest, body: AgentIn) -> tuple[int, dict[str, Any]]:
    require(request, Capability.CONTACT_SUPERVISE)
    found = setup.save_agent(
        body.name,
        username=body.username,
        skills=body.skills,
        capacity={str(k): v for k, v in body.capacity.items()} if body.capacity else None,
        max_total=body.max_total,
        team=body.team,
        extension=body.extension,
    )
    return 201, agent_out(found)


@router.post("/contactcenter/agents/{agent_id}/login", summary="Log in to the ACD")
def login(request: HttpRequest, agent_id: int) -> dict[str, Any]:
    who = _own_agent(request, agent_id)
    return agent_out(agents.log_in(agent_id, who.actor))


@router.post("/contactcenter/agents/{agent_id}/state", summary="Change an agent's state")
def change_state(request: HttpRequest, agent_id: int, body: StateIn) -> dict[str, Any]:
    who = _own_agent(request, agent_id)
    return agent_out(agents.set_state(agent_id, body.state, who.actor, body.reason))


@router.post("/contactcenter/agents/{agent_id}/logout", summary="Log out of the ACD")
def logout(request: HttpRequest, agent_id: int) -> dict[str, Any]:
    who = _own_agent(request, agent_id)
    return agent_out(agents.log_out(agent_id, who.actor))


@router.post("/contactcenter/contacts", summary="A contact arrives", response={201: dict})
def receive(request: HttpRequest, body: ContactIn) -> tuple[int, dict[str, Any]]:
    """An e-mail, chat, web call-back or call arrives and waits in its queue. Repeating the
    same ``source`` and ``external_ref`` returns the contact already received."""
    who = require(request, Capability.TELEPHONY)
    return 201, contact_out(contacts.receive(body, who.actor))


@router.get("/contactcenter/contacts/{contact_id}", summary="One contact")
def get_contact(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    _who, found = _own_contact(request, contact_id)
    return contact_out(found)


@router.post("/contactcenter/contacts/{contact_id}/answer", summary="Answer the offered contact")
def answer(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    who, _found = _own_contact(request, contact_id)
    return contact_out(contacts.answer(contact_id, who.actor))


@router.post("/contactcenter/contacts/{contact_id}/decline", summary="Refuse the offer")
def decline(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    """It goes on at once to the next agent in its place; you go to not ready."""
    who, _found = _own_contact(request, contact_id)
    return contact_out(contacts.decline(contact_id, who.actor))


@router.post("/contactcenter/contacts/{contact_id}/hold", summary="Put the call on hold")
def hold(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    who, _found = _own_contact(request, contact_id)
    return contact_out(contacts.hold(contact_id, who.actor))


@router.post("/contactcenter/contacts/{contact_id}/retrieve", summary="Take it off hold")
def retrieve(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    who, _found = _own_contact(request, contact_id)
    return contact_out(contacts.retrieve(contact_id, who.actor))


@router.post("/contactcenter/contacts/{contact_id}/release", summary="End the conversation")
def release(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    """The agent goes to wrap-up (a code and outcome close it; the wrap-up time ends it)."""
    who, _found = _own_contact(request, contact_id)
    return contact_out(contacts.release(contact_id, who.actor))


@router.post("/contactcenter/contacts/{contact_id}/transfer", summary="Transfer to a queue")
def transfer(request: HttpRequest, contact_id: int, body: ContactTransferIn) -> dict[str, Any]:
    """To another queue in the place it had in line (never to the back)."""
    who, _found = _own_contact(request, contact_id)
    return contact_out(contacts.transfer(contact_id, body.queue, who.actor))


@router.post("/contactcenter/contacts/{contact_id}/conference", summary="Three-way call")
def conference(request: HttpRequest, contact_id: int, body: ConferenceIn) -> dict[str, Any]:
    who, _found = _own_contact(request, contact_id)
    return contact_out(contacts.conference(contact_id, body.party, who.actor))


@router.post("/contactcenter/contacts/{contact_id}/wrap-up", summary="Wrap up: code, outcome")
def wrap_up(request: HttpRequest, contact_id: int, body: WrapUpIn) -> dict[str, Any]:
    who, _found = _own_contact(request, contact_id)
    done = contacts.wrap_up(
        contact_id,
        who.actor,
        body.code,
        body.outcome,
        body.notes,
        body.follow_up_on,
        open_case=body.open_case,
    )
    return contact_out(done)


@router.post("/contactcenter/contacts/{contact_id}/customer", summary="Who the caller is")
def link(request: HttpRequest, contact_id: int, body: LinkIn) -> dict[str, Any]:
    """The agent picks the caller from the short list, or names the customer found."""
    who, _found = _own_contact(request, contact_id)
    return contact_out(contacts.link_customer(contact_id, body.customer_id, who.actor))


@router.post("/contactcenter/contacts/{contact_id}/abandon", summary="The customer hung up")
def abandon(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    who = require(request, Capability.TELEPHONY)
    if selectors.contact(contact_id) is None:
        raise HttpError(404, f"no contact {contact_id}")
    return contact_out(contacts.abandon(contact_id, who.actor))


@router.get("/contactcenter/queues", summary="Queues and who waits in them")
def list_queues(request: HttpRequest) -> list[dict[str, Any]]:
    require(request, Capability.CONTACT_HANDLE)
    waiting: dict[str, int] = {}
    for found in selectors.waiting():
        waiting[found.queue.name] = waiting.get(found.queue.name, 0) + 1  # type: ignore[union-attr]
    return [
        {
            "name": q.name,
            "label": q.label,
            "skill": q.skill.name,
            "level": q.level,
            "service_level_seconds": q.service_level_seconds,
            "service_level_target": q.service_level_target,
            "waiting": waiting.get(q.name, 0),
        }
        for q in selectors.queues()
    ]


@router.post("/contactcenter/queues", summary="Add or change a queue", response={201: dict})
def save_queue(request: HttpRequest, body: QueueIn) -> tuple[int, dict[str, Any]]:
    require(request, Capability.CONTACT_SUPERVISE)
    found = setup.save_queue(**body.model_dump())
    return 201, {"name": found.name, "label": found.label, "skill": found.skill.name}


@router.post("/contactcenter/skills", summary="Add or rename a skill", response={201: dict})
def save_skill(request: HttpRequest, body: SkillIn) -> tuple[int, dict[str, Any]]:
    require(request, Capability.CONTACT_SUPERVISE)
    found = setup.save_skill(body.name, body.label)
    return 201, {"name": found.name, "label": found.label}
