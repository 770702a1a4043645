"""A contact's life: arrival, offer, answer, hold, transfer, release, wrap-up or abandon.

Each step checks the contact's status inside its transaction (so a late or repeated event
changes nothing), moves the agent's state with it and writes one journal row; the router
follows the journal. The customer's timeline learns of the contact through the hub when it
ends (``contact.ended``), so a slow timeline write never holds a call.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.contactcenter.choices import LIVE_STATUSES, AgentState, ContactStatus, Medium
from lealtad.contactcenter.errors import CenterRefused, NotThere, WrongState
from lealtad.contactcenter.models import Contact, Queue, WrapUpCode
from lealtad.contactcenter.schemas import ContactIn
from lealtad.contactcenter.services import agents, journal, telephony
from lealtad.contactcenter.services.identify import standing_for, who_is
from lealtad.contactcenter.services.setup import center_settings
from lealtad.core import hub
from lealtad.core.audit import Actor

S = ContactStatus
VOICE_SLOTS = (Medium.VOICE, Medium.CALLBACK, Medium.VOICEMAIL)


def _locked(contact_id: int) -> Contact:
    found = Contact.objects.select_for_update(of=("self",)).select_related("queue")
    found = found.filter(pk=contact_id)
    contact = found.first()
    if contact is None:
        raise NotThere(_("There is no contact %(id)s."), field="contact", id=contact_id)
    return contact


def _queue(name: str) -> Queue:
    found = Queue.objects.filter(name=name, active=True).first()
    if found is None:
        raise NotThere(_("There is no queue %(name)s."), field="queue", name=name)
    return found


def _expect(contact: Contact, *statuses: str) -> None:
    if contact.status not in statuses:
        raise WrongState(
            _("Contact %(id)s is %(status)s."),
            field="contact",
            id=contact.pk,
            status=contact.get_status_display(),
        )


def _existing(data: ContactIn) -> Contact | None:
    if not data.external_ref:
        return None
    return Contact.objects.filter(source=data.source, external_ref=data.external_ref).first()


def receive(
    data: ContactIn, actor: Actor, at: datetime | None = None, blocked_by_switch: bool = False
) -> Contact:
    """A contact arrives and waits in its queue; the same outside reference twice is one.

    A call the switch itself refused (all its trunks busy) is recorded as blocked, so the
    wallboard's all-trunks-busy counts it as Lealtad's own trunk limit does."""
    found = _existing(data)
    if found is not None:
        return found
    queue = _queue(data.queue)
    customer_id, candidates = who_is(data)
    standing = standing_for(customer_id)
    now = at or timezone.now()
    with transaction.atomic():
        journal.take_turn()
        contact = Contact(
            medium=data.medium,
            direction=data.direction,
            status=S.QUEUED,
            queue=queue,
            customer_id=customer_id,
            candidates=candidates,
            caller_id=data.caller_id,
            address=data.address,
            subject=data.subject,
            source=data.source,
            external_ref=data.external_ref,
            ivr_data=data.ivr_data,
            place_at=data.place_at or now,
            arrived_at=now,
            queued_at=now,
            **standing,
        )
        blocked = blocked_by_switch or (data.medium == Medium.VOICE and _trunks_full())
        if blocked:
            contact.status, contact.ended_at = S.BLOCKED, now
        contact.save()
        journal.record("contact.blocked" if blocked else "contact.arrived", contact=contact, at=now)
        if blocked:
            _announce_end(contact)
    return contact


def _trunks_full() -> bool:
    live = Contact.objects.filter(medium=Medium.VOICE, status__in=LIVE_STATUSES).count()
    return live >= center_settings().trunks


def offer(contact_id: int, agent_id: int, at: datetime | None = None) -> bool:
    """The router's decision, written only if both are still where it saw them."""
    now = at or timezone.now()
    with transaction.atomic():
        contact = _locked(contact_id)
        agent = agents.locked_agent(agent_id)
        if contact.status != S.QUEUED or agent.presence != AgentState.AVAILABLE:
            return False
        contact.status, contact.agent, contact.offered_at = S.OFFERED, agent, now
        contact.save(update_fields=["status", "agent", "offered_at"])
        journal.record("contact.offered", contact=contact, agent=agent, at=now)
    return True


def answer(
    contact_id: int, actor: Actor, agent_id: int | None = None, from_switch: bool = False
) -> Contact:
    now = timezone.now()
    with transaction.atomic():
        contact = _locked(contact_id)
        if contact.status == S.HANDLING and contact.agent_id == (agent_id or contact.agent_id):
            return contact  # a repeated answer changes nothing
        _expect(contact, S.OFFERED)
        if agent_id is not None and contact.agent_id != agent_id:
            raise WrongState(_("This contact is ringing at another agent."), field="agent")
        contact.status, contact.answered_at = S.HANDLING, now
        contact.save(update_fields=["status", "answered_at"])
        agent = agents.locked_agent(contact.agent_id)  # type: ignore[arg-type]
        journal.record("contact.answered", contact=contact, at=now)
        agents.move(agent, AgentState.BUSY, "contact", now)
        if not from_switch:
            _tell_switch(contact, "answer")
    return contact


def _back_in_line(contact: Contact, kind: str, now: datetime) -> None:
    """The offered agent did not take it: it goes back in ITS place, the agent to not-ready,
    and the agent's other ringing offers go back too (a not-ready agent rings no more)."""
    agent = agents.locked_agent(contact.agent_id)  # type: ignore[arg-type]
    contact.status, contact.agent, contact.offered_at = S.QUEUED, None, None
    contact.save(update_fields=["status", "agent", "offered_at"])
    journal.record(kind, contact=contact, agent=agent, at=now)
    ringing = Contact.objects.select_for_update(of=("self",)).select_related("queue")
    for other in ringing.filter(agent=agent, status=S.OFFERED):
        other.status, other.agent, other.offered_at = S.QUEUED, None, None
        other.save(update_fields=["status", "agent", "offered_at"])
        journal.record(
            "contact.offer_expired", contact=other, agent=agent, at=now, reason="not_ready"
        )
    if agents.holds_contacts(agent.pk):
        agents.choose_presence(agent, AgentState.NOT_READY, kind.split(".")[1])
    else:
        agents.move(agent, AgentState.NOT_READY, kind.split(".")[1], now)


def decline(contact_id: int, actor: Actor) -> Contact:
    with transaction.atomic():
        contact = _locked(contact_id)
        _expect(contact, S.OFFERED)
        _back_in_line(contact, "contact.declined", timezone.now())
    return contact


def expire_offer(contact_id: int, at: datetime | None = None) -> bool:
    with transaction.atomic():
        contact = _locked(contact_id)
        if contact.status != S.OFFERED:
            return False
        _back_in_line(contact, "contact.offer_expired", at or timezone.now())
    return True


def hold(contact_id: int, actor: Actor, from_switch: bool = False) -> Contact:
    return _toggle(contact_id, S.HANDLING, S.HELD, "hold", from_switch)


def retrieve(contact_id: int, actor: Actor, from_switch: bool = False) -> Contact:
    return _toggle(contact_id, S.HELD, S.HANDLING, "retrieve", from_switch)


def _toggle(contact_id: int, before: str, after: str, verb: str, from_switch: bool) -> Contact:
    kind = {"hold": "contact.held", "retrieve": "contact.retrieved"}[verb]
    with transaction.atomic():
        contact = _locked(contact_id)
        if contact.status == after:
            return contact
        _expect(contact, before)
        contact.status = after
        contact.save(update_fields=["status"])
        journal.record(kind, contact=contact)
        if not from_switch:
            _tell_switch(contact, verb)
    return contact


def _tell_switch(contact: Contact, verb: str, *args: Any, **kwargs: Any) -> None:
    """The desktop's action, carried out on the switch the call is on (after commit)."""
    extension = contact.agent.extension if contact.agent is not None else ""
    telephony.after_commit(contact.source, contact.external_ref, verb, extension, *args, **kwargs)


def conference(contact_id: int, party: str, actor: Actor, from_switch: bool = False) -> Contact:
    """A three-way call: the contact stays with its agent; the journal says who joined."""
    with transaction.atomic():
        contact = _locked(contact_id)
        _expect(contact, S.HANDLING, S.HELD)
        journal.record("contact.conferenced", contact=contact, data={"party": party[:120]})
        if not from_switch:
            _tell_switch(contact, "conference", party)
    return contact


def transfer(contact_id: int, to_queue: str, actor: Actor, from_switch: bool = False) -> Contact:
    """To another queue, keeping its place in line (never to the back); the agent wraps up."""
    target = _queue(to_queue)
    now = timezone.now()
    with transaction.atomic():
        contact = _locked(contact_id)
        _expect(contact, S.QUEUED, S.OFFERED, S.HANDLING, S.HELD)
        agent_id, was = contact.agent_id, contact.status
        if not from_switch and was in (S.HANDLING, S.HELD):
            _tell_switch(contact, "transfer", to_queue=target.name)
        journal.record(
            "contact.transferred", contact=contact, at=now, data={"to_queue": target.name}
        )
        contact.queue, contact.status, contact.agent = target, S.QUEUED, None
        contact.offered_at, contact.queued_at = None, now
        contact.save(update_fields=["queue", "status", "agent", "offered_at", "queued_at"])
        if agent_id is not None and was in (S.HANDLING, S.HELD):
            _agent_after_contact(agent_id, now)
    return contact


def release(contact_id: int, actor: Actor, from_switch: bool = False) -> Contact:
    """The conversation ended: the agent wraps it up (its wrap-up time counts as handling)."""
    now = timezone.now()
    with transaction.atomic():
        contact = _locked(contact_id)
        if contact.status == S.WRAP_UP:
            return contact
        _expect(contact, S.HANDLING, S.HELD)
        contact.status, contact.released_at = S.WRAP_UP, now
        contact.save(update_fields=["status", "released_at"])
        journal.record("contact.released", contact=contact, at=now)
        if not from_switch:
            _tell_switch(contact, "release")
        agent = agents.locked_agent(contact.agent_id)  # type: ignore[arg-type]
        if not Contact.objects.filter(agent=agent, status__in=LIVE_STATUSES).exists():
            agents.move(agent, AgentState.WRAP_UP, "contact", now)
    return contact


def wrap_up(
    contact_id: int,
    actor: Actor,
    code: str = "",
    outcome: str = "resolved",
    notes: str = "",
    follow_up_on: date | None = None,
    open_case: bool = False,
) -> Contact:
    """The contact closes with its code, outcome and notes; with ``open_case`` the service
    desk opens a case for it when it hears of the end (``contact.ended``)."""
    if outcome == "commitment" and follow_up_on is None:
        raise CenterRefused(_("A commitment needs a follow-up date."), field="follow_up_on")
    now = timezone.now()
    with transaction.atomic():
        contact = _locked(contact_id)
        if contact.status == S.HANDLING:
            release(contact_id, actor)
            contact.refresh_from_db()
        _expect(contact, S.WRAP_UP)
        contact.status, contact.ended_at = S.DONE, now
        contact.wrap_up_code, contact.outcome = code, outcome
        contact.notes, contact.follow_up_on = notes, follow_up_on
        contact.save()
        journal.record("contact.wrapped", contact=contact, at=now, reason=outcome)
        _agent_after_contact(contact.agent_id, now)  # type: ignore[arg-type]
        _announce_end(contact, open_case=open_case)
    return contact


def end_wrap_up(contact_id: int, at: datetime | None = None) -> bool:
    """Wrap-up time ran out with no code given: the contact closes with no outcome recorded."""
    with transaction.atomic():
        contact = _locked(contact_id)
        if contact.status != S.WRAP_UP:
            return False
        wrap_up(contact_id, Actor.system("acd"), outcome="")
    return True


def _agent_after_contact(agent_id: int, now: datetime) -> None:
    agent = agents.locked_agent(agent_id)
    if Contact.objects.filter(agent=agent, status__in=LIVE_STATUSES).exists():
        agents.move(agent, AgentState.BUSY, "contact", now)
    elif Contact.objects.filter(agent=agent, status=S.WRAP_UP).exists():
        agents.move(agent, AgentState.WRAP_UP, "contact", now)
    elif agent.state in (AgentState.BUSY, AgentState.WRAP_UP):
        agents.move(agent, agent.presence or AgentState.AVAILABLE, "", now)


def abandon(contact_id: int, actor: Actor | None = None, at: datetime | None = None) -> Contact:
    """The customer hung up (or left the chat) before an agent took it."""
    now = at or timezone.now()
    with transaction.atomic():
        contact = _locked(contact_id)
        if contact.status in (S.ABANDONED, S.DONE, S.BLOCKED):
            return contact
        _expect(contact, S.IVR, S.QUEUED, S.OFFERED)
        ringing = contact.agent_id if contact.status == S.OFFERED else None
        contact.status, contact.ended_at = S.ABANDONED, now
        contact.save(update_fields=["status", "ended_at"])
        journal.record("contact.abandoned", contact=contact, at=now)
        if ringing is not None:
            _agent_after_contact(ringing, now)
        _announce_end(contact)
    return contact


def link_customer(contact_id: int, customer_id: int, actor: Actor) -> Contact:
    """The agent picked the caller from the short list, or created or found them."""
    with transaction.atomic():
        contact = _locked(contact_id)
        contact.customer_id, contact.candidates = customer_id, []
        contact.save(update_fields=["customer_id", "candidates"])
        journal.record("contact.linked", contact=contact, data={"customer_id": customer_id})
    return contact


def start_outbound(
    customer_id: int,
    queue: str,
    agent_id: int,
    actor: Actor,
    phone: str = "",
    source: str = "",
    external_ref: str = "",
) -> Contact:
    """A dialled call that connected: offered straight to the agent the dialer chose."""
    data = ContactIn(
        medium="voice",
        queue=queue,
        direction="outbound",
        caller_id=phone,
        customer_id=customer_id,
        source=source,
        external_ref=external_ref,
    )
    contact = receive(data, actor)
    if contact.status == S.QUEUED and not offer(contact.pk, agent_id):
        raise WrongState(_("The agent is not free for this call."), field="agent")
    return contact


def _announce_end(contact: Contact, open_case: bool = False) -> None:
    """``contact.ended`` for the customer's timeline and whoever else listens."""
    hub.publish(
        "contact.ended",
        {**ended_payload(contact), "open_case": open_case, "case_category": _category(contact)},
        event_id=f"contact-{contact.pk}#contact.ended",
        channel="call_center",
        customer_id=contact.customer_id,
    )


def _category(contact: Contact) -> str:
    """What the wrap-up code says the contact was about (its category in the taxonomy)."""
    if not contact.wrap_up_code:
        return ""
    found = WrapUpCode.objects.filter(code=contact.wrap_up_code).first()
    return found.category if found is not None else ""


def ended_payload(contact: Contact) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "contact_id": contact.pk,
        "medium": contact.medium,
        "direction": contact.direction,
        "status": contact.status,
        "queue": contact.queue.name if contact.queue is not None else "",
        "agent": contact.agent.name if contact.agent is not None else "",
        "subject": contact.subject,
        "arrived_at": iso(contact.arrived_at),
        "answered_at": iso(contact.answered_at),
        "ended_at": iso(contact.ended_at),
        "outcome": contact.outcome,
        "wrap_up_code": contact.wrap_up_code,
        "notes": contact.notes,
        "recording_id": contact.recording_id,
        "ivr_data": contact.ivr_data,
    }
