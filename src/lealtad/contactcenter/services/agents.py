"""Agents log in to the ACD, change state and log out; each move is journalled.

``busy`` and ``wrap_up`` follow the agent's contacts (see :mod:`.contacts`); the states an
agent chooses are the others. An agent holding a contact cannot go on a break or log out: the
contact would be stranded (they finish it first, then choose).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.contactcenter.choices import LIVE_STATUSES, AgentState, ContactStatus
from lealtad.contactcenter.errors import CenterRefused, NotThere, WrongState
from lealtad.contactcenter.models import Agent, Contact
from lealtad.contactcenter.services import journal
from lealtad.core.audit import Actor

CHOSEN = (
    AgentState.AVAILABLE,
    AgentState.BREAK,
    AgentState.TRAINING,
    AgentState.ADMIN,
    AgentState.VACATION,
    AgentState.SICKNESS,
)
HOLDING = (*LIVE_STATUSES, ContactStatus.WRAP_UP)
DERIVED = (AgentState.BUSY, AgentState.WRAP_UP)  # shown over the presence while holding


def choose_presence(agent: Agent, presence: str, reason: str = "") -> None:
    """While contacts are held only the presence changes (a missed offer: not ready; ready
    again: available): it decides new offers and shows once the contacts end. Journalled as
    ``agent.presence``, which the router follows and the time categories ignore."""
    if agent.presence == presence:
        return
    agent.presence = presence
    agent.save(update_fields=["presence"])
    journal.record("agent.presence", agent=agent, state=presence, reason=reason)


def locked_agent(agent_id: int) -> Agent:
    found = Agent.objects.select_for_update().filter(pk=agent_id, active=True).first()
    if found is None:
        raise NotThere(_("There is no agent %(id)s."), field="agent", id=agent_id)
    return found


def holds_contacts(agent_id: int) -> bool:
    return Contact.objects.filter(agent_id=agent_id, status__in=HOLDING).exists()


def move(agent: Agent, state: str, reason: str = "", now=None) -> None:
    """Write the agent's new state and journal it (inside the caller's transaction)."""
    now = now or timezone.now()
    if state == agent.state and reason == agent.state_reason:
        return
    agent.state, agent.state_reason, agent.state_since = state, reason, now
    if state not in DERIVED:
        agent.presence = state
    if state == AgentState.AVAILABLE:
        agent.idle_since = now  # the longest idle is offered first
    agent.save(update_fields=["state", "state_reason", "state_since", "idle_since", "presence"])
    journal.record("agent.state", agent=agent, at=now, state=state, reason=reason)


def log_in(agent_id: int, actor: Actor) -> Agent:
    """Logging in makes the agent available at once: they logged in to take contacts."""
    with transaction.atomic():
        agent = locked_agent(agent_id)
        if agent.state not in (AgentState.LOGGED_OUT, AgentState.VACATION, AgentState.SICKNESS):
            return agent  # already in: a second click changes nothing
        move(agent, AgentState.AVAILABLE, "login")
    return agent


def set_state(agent_id: int, state: str, actor: Actor, reason: str = "") -> Agent:
    if state not in CHOSEN:
        raise CenterRefused(
            _("An agent may choose available, break, training, admin, vacation or sickness."),
            field="state",
        )
    with transaction.atomic():
        agent = locked_agent(agent_id)
        if agent.state == AgentState.LOGGED_OUT and state not in (
            AgentState.VACATION,
            AgentState.SICKNESS,
        ):
            raise WrongState(_("Log in to the ACD first."), field="state")
        if state != AgentState.AVAILABLE and holds_contacts(agent.pk):
            raise WrongState(_("Finish your contacts first."), field="state")
        if state == AgentState.AVAILABLE and holds_contacts(agent.pk):
            choose_presence(agent, state, reason)  # more contacts welcome on free slots
            return agent
        move(agent, state, reason or state)
    return agent


def log_out(agent_id: int, actor: Actor) -> Agent:
    with transaction.atomic():
        agent = locked_agent(agent_id)
        if holds_contacts(agent.pk):
            raise WrongState(_("Finish your contacts before logging out."), field="state")
        move(agent, AgentState.LOGGED_OUT, "logout")
    return agent
