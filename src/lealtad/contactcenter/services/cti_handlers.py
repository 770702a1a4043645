"""What each CTI event does to the contact center, through the contact services.

The switch is the truth about the call (who is on it, whether it still exists); Lealtad is
the truth about routing (who it was offered to, the place in line). Each handler turns one
switch fact into the contact service that records it, and refuses — writing nothing — when
the fact names an agent or a queue Lealtad does not know, or contradicts what Lealtad
decided (answered by another agent than the one it rings). Runs inside the caller's
transaction; :mod:`lealtad.contactcenter.services.cti` decides order and repeats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from lealtad.contact_engine.telephony import (
    CallAbandoned,
    CallAnswered,
    CallBlocked,
    CallConferenced,
    CallDialled,
    CallEvent,
    CallFailed,
    CallHeld,
    CallOffered,
    CallReleased,
    CallRetrieved,
    CallTransferred,
    DigitsCollected,
)
from lealtad.contactcenter.choices import AgentState, ContactStatus
from lealtad.contactcenter.errors import CenterRefused, NotThere, WrongState
from lealtad.contactcenter.models import Agent, AgentSkill, Contact, CtiCall, Queue
from lealtad.contactcenter.schemas import ContactIn
from lealtad.contactcenter.services import contacts
from lealtad.core.audit import Actor

S = ContactStatus
WAITING = (S.IVR, S.QUEUED, S.OFFERED)
TALKING = (S.HANDLING, S.HELD)


def source_of(switch_id: str) -> str:
    """The contact's ``source`` for calls of one switch (with ``external_ref``, its key)."""
    return f"cti:{switch_id}"[:60]


def external_ref_of(epoch: int, call_ref: str) -> str:
    """A call id is unique within one life of the switch only: the epoch goes with it."""
    return f"{epoch}:{call_ref}"


def agent_with_extension(extension: str, field: str = "agent") -> Agent:
    found = Agent.objects.filter(extension=extension, active=True).first()
    if found is None or not extension:
        raise NotThere(
            _("No agent has the extension %(ext)s."),
            field=field,
            code="unknown_agent",
            ext=extension,
        )
    return found


def _contact(call: CtiCall) -> Contact:
    if call.contact_id is None:
        raise WrongState(_("Call %(ref)s has no contact yet."), field="call_ref", ref=call.call_ref)
    return Contact.objects.select_related("queue").get(pk=call.contact_id)


def _receive(call: CtiCall, data: dict[str, Any], actor: Actor) -> Contact:
    try:
        incoming = ContactIn(
            medium="voice",
            source=source_of(call.switch_id),
            external_ref=external_ref_of(call.epoch, call.call_ref),
            **data,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "event"
        raise CenterRefused(first["msg"], field=field) from None
    contact = contacts.receive(incoming, actor)
    call.contact = contact
    if contact.status == S.BLOCKED:
        call.ended, call.outcome = True, "blocked"
    return contact


def end_call(call: CtiCall, actor: Actor) -> str:
    """The call is gone: a waiting contact is abandoned, a talking one goes to wrap-up (its
    agent finishes and is free), an ended one stays as it is."""
    call.ended = True
    if call.contact_id is None:
        return "ended"
    contact = _contact(call)
    if contact.status in WAITING:
        contacts.abandon(contact.pk, actor)
        return "abandoned"
    if contact.status in TALKING:
        contacts.release(contact.pk, actor, from_switch=True)
        return "released"
    return f"already {contact.status}"


def on_offered(call: CtiCall, event: CallOffered, actor: Actor) -> str:
    if call.contact_id is not None:  # a dialler's call that a person answered
        return "already known"
    call.queue = event.queue or call.queue
    call.number, call.direction = event.caller_id[:40], event.direction.value
    data = {
        "queue": call.queue,
        "direction": call.direction,
        "caller_id": call.number,
        "ivr_data": dict(event.collected),
    }
    contact = _receive(call, data, actor)
    return "blocked" if contact.status == S.BLOCKED else "arrived"


def on_dialled(call: CtiCall, event: CallDialled, actor: Actor) -> str:
    if event.agent:
        agent_with_extension(event.agent)
    call.direction, call.number = "outbound", event.number[:40]
    call.agent, call.queue = event.agent, event.queue
    ref = external_ref_of(call.epoch, call.call_ref)
    call.contact = Contact.objects.filter(
        source=source_of(call.switch_id), external_ref=ref
    ).first()  # the dialer may have opened the contact before dialling
    return "dialling"


def _queue_for(agent: Agent, wanted: str) -> str:
    if wanted:
        return wanted
    skills = AgentSkill.objects.filter(agent=agent).values_list("skill_id", flat=True)
    queue = Queue.objects.filter(active=True, skill_id__in=skills).order_by("level", "id").first()
    if queue is None:
        raise CenterRefused(_("The call names no queue."), field="queue")
    return queue.name


def _take(contact: Contact, agent: Agent, actor: Actor) -> str:
    """The switch says this agent has the caller: offer (if still waiting) and answer."""
    if contact.status in TALKING and contact.agent_id == agent.pk:
        return "already answered"
    if agent.state == AgentState.WRAP_UP:  # the phone took a new call: wrap-up is over
        done = Contact.objects.filter(agent=agent, status=S.WRAP_UP).values_list("pk", flat=True)
        for wrapped in list(done):
            contacts.end_wrap_up(wrapped)
    if contact.status == S.QUEUED and not contacts.offer(contact.pk, agent.pk):
        raise WrongState(
            _("Agent %(name)s is not available in Lealtad."), field="agent", name=agent.name
        )
    contact.refresh_from_db()
    if contact.status != S.OFFERED or contact.agent_id != agent.pk:
        raise WrongState(
            _("Contact %(id)s is %(status)s in Lealtad, not ringing at %(name)s."),
            field="agent",
            id=contact.pk,
            status=contact.get_status_display(),
            name=agent.name,
        )
    contacts.answer(contact.pk, actor, agent_id=agent.pk, from_switch=True)
    return "answered"


def on_answered(call: CtiCall, event: CallAnswered, actor: Actor) -> str:
    agent = agent_with_extension(event.agent)
    if call.contact_id is None:  # an agent's own outbound call reached a person
        queue = _queue_for(agent, call.queue)
        _receive(call, {"queue": queue, "direction": "outbound", "caller_id": call.number}, actor)
    call.agent = event.agent
    return _take(_contact(call), agent, actor)


def on_held(call: CtiCall, event: CallHeld, actor: Actor) -> str:
    agent_with_extension(event.agent)
    contacts.hold(_contact(call).pk, actor, from_switch=True)
    return "held"


def on_retrieved(call: CtiCall, event: CallRetrieved, actor: Actor) -> str:
    agent_with_extension(event.agent)
    contacts.retrieve(_contact(call).pk, actor, from_switch=True)
    return "retrieved"


def on_transferred(call: CtiCall, event: CallTransferred, actor: Actor) -> str:
    agent_with_extension(event.agent)
    contact = _contact(call)
    if event.to_queue:
        contacts.transfer(contact.pk, event.to_queue, actor, from_switch=True)
        call.agent = ""
        return "transferred to a queue"
    target = agent_with_extension(event.to_agent, field="to_agent")
    queue = contact.queue.name if contact.queue is not None else _queue_for(target, "")
    contacts.transfer(contact.pk, queue, actor, from_switch=True)  # keeps its place in line
    contact.refresh_from_db()
    call.agent = event.to_agent
    _take(contact, target, actor)
    return "transferred to an agent"


def on_conferenced(call: CtiCall, event: CallConferenced, actor: Actor) -> str:
    agent_with_extension(event.agent)
    party = agent_with_extension(event.party, field="party")
    contacts.conference(_contact(call).pk, party.name, actor, from_switch=True)
    return "conferenced"


def on_released(call: CtiCall, event: CallReleased, actor: Actor) -> str:
    if not event.call_ended:
        agent_with_extension(event.agent)
        return "agent left the conference"
    return end_call(call, actor)


def on_abandoned(call: CtiCall, event: CallAbandoned, actor: Actor) -> str:
    return end_call(call, actor)


def on_blocked(call: CtiCall, event: CallBlocked, actor: Actor) -> str:
    call.number, call.queue = event.caller_id[:40], event.dialled[:60]
    call.ended, call.outcome = True, "blocked"
    return "counted as blocked"


def on_failed(call: CtiCall, event: CallFailed, actor: Actor) -> str:
    call.outcome = event.outcome.value
    end_call(call, actor)
    return event.outcome.value


def on_digits(call: CtiCall, event: DigitsCollected, actor: Actor) -> str:
    return "ignored: the IVR takes digits at its own endpoint"


Handler = Callable[[CtiCall, Any, Actor], str]
HANDLERS: dict[type[CallEvent], Handler] = {
    CallOffered: on_offered,
    CallDialled: on_dialled,
    CallAnswered: on_answered,
    CallHeld: on_held,
    CallRetrieved: on_retrieved,
    CallTransferred: on_transferred,
    CallConferenced: on_conferenced,
    CallReleased: on_released,
    CallAbandoned: on_abandoned,
    CallBlocked: on_blocked,
    CallFailed: on_failed,
    DigitsCollected: on_digits,
}
FIRST_EVENTS = (CallOffered, CallDialled, CallBlocked)
