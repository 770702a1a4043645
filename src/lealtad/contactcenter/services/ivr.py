"""IVR flows kept in the database, and calls walking them on the PBX's behalf.

A flow is saved as YAML and checked whole by the engine (``contact_engine.ivr``) and against
the center (its queues exist, its questions have answers) before it is kept; each save is a
new version, and a call stays on the version it started on. A call's session lives in its
row between the PBX's requests; the row is locked while a key press moves it, so two
requests for one call never interleave. When the flow ends in a queue or a voicemail the call
becomes a contact through ``contacts.receive`` with what the IVR learnt, so the agent's
screen pop shows it; a voicemail keeps the caller's place (its place is the call's start).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import lealtad
from lealtad.contact_engine.ivr import (
    Flow,
    FlowError,
    Hangup,
    RouteToQueue,
    Session,
    SessionError,
    Step,
    Voicemail,
)
from lealtad.contact_engine.ivr.nodes import LookupNode, QueueNode, VoicemailNode, placeholders
from lealtad.contactcenter import selectors
from lealtad.contactcenter.errors import CenterRefused, NotThere, WrongState
from lealtad.contactcenter.models import IvrFlow, IvrSession, IvrSessionStatus
from lealtad.contactcenter.schemas import ContactIn
from lealtad.contactcenter.selectors import ivr as ivr_selectors
from lealtad.contactcenter.selectors.ivr_host import QUESTIONS, ContactCenterHost, caller_facts
from lealtad.contactcenter.services import contacts, prompts, setup
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError

EXAMPLES = Path(lealtad.__file__).resolve().parents[2] / "examples" / "ivr"
# Parsed flows by their text: a saved version never changes, and keying by the text (not the
# row id) stays right when ids start over (a restored database, a test's rollback).
_engine_flows: dict[str, Flow] = {}


class FlowRefused(CenterRefused):
    code = "ivr_flow_invalid"
    template = _("This IVR flow cannot be used.")

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems), field="yaml")


def engine_flow(row: IvrFlow) -> Flow:
    found = _engine_flows.get(row.yaml_text)
    if found is None:
        if len(_engine_flows) > 256:
            _engine_flows.clear()
        found = _engine_flows[row.yaml_text] = Flow.from_yaml(row.yaml_text)
    return found


def check_flow(yaml_text: str) -> Flow:
    """The flow, or :class:`FlowRefused` listing every problem (node and field named)."""
    try:
        flow = Flow.from_yaml(yaml_text)
    except FlowError as error:
        raise FlowRefused([str(p) for p in error.problems]) from None
    queues = set(selectors.queues().values_list("name", flat=True))
    problems = []
    for node in flow.nodes.values():
        if isinstance(node, QueueNode | VoicemailNode) and node.queue not in queues:
            problems.append(f"node {node.name}, field queue: there is no queue {node.queue!r}")
        if isinstance(node, LookupNode) and node.question not in QUESTIONS:
            problems.append(
                f"node {node.name}, field question: the contact center does not answer "
                f"{node.question!r} (it answers {', '.join(sorted(QUESTIONS))})"
            )
    if problems:
        raise FlowRefused(problems)
    return flow


def save_flow(yaml_text: str, actor: Actor, *, activate: bool = True) -> IvrFlow:
    """Keep a new version of the flow (the same text as the latest version is that version)."""
    flow = check_flow(yaml_text)
    with transaction.atomic():
        versions = IvrFlow.objects.select_for_update().filter(name=flow.name)
        latest = versions.order_by("-version").first()
        if latest is not None and latest.yaml_text == yaml_text:
            row = latest
        else:
            row = IvrFlow.objects.create(
                name=flow.name,
                version=latest.version + 1 if latest else 1,
                yaml_text=yaml_text,
                description=str(_description(yaml_text))[:200],
                created_by=actor.label[:150],
            )
        if activate and not row.active:
            _activate(row)
    return row


def _description(yaml_text: str) -> str:
    for line in yaml_text.splitlines():
        if line.startswith("description:"):
            return line.split(":", 1)[1].strip().strip("\"'")
    return ""


def activate_flow(name: str, version: int, actor: Actor) -> IvrFlow:
    """Make a saved version the one new calls start on (calls already in keep theirs)."""
    with transaction.atomic():
        row = IvrFlow.objects.select_for_update().filter(name=name, version=version).first()
        if row is None:
            raise NotThere(
                _("There is no IVR flow %(name)s version %(version)s."),
                field="version",
                name=name,
                version=version,
            )
        check_flow(row.yaml_text)  # a queue may have gone since it was saved
        if not row.active:
            _activate(row)
    return row


def _activate(row: IvrFlow) -> None:
    IvrFlow.objects.filter(name=row.name, active=True).update(active=False)
    row.active = True
    row.save(update_fields=["active"])


def start_session(
    flow_name: str,
    call_id: str,
    actor: Actor,
    *,
    caller_id: str = "",
    source: str = "",
    at: datetime | None = None,
) -> tuple[IvrSession, dict[str, Any]]:
    """A call enters the IVR: its session and first step. The same (source, call id) again
    (a PBX retrying) is the session already started, with its last step."""
    existing = IvrSession.objects.filter(source=source, call_id=call_id).first()
    if existing is not None:
        return existing, existing.state["step"]
    row = ivr_selectors.active_flow(flow_name)
    if row is None:
        raise NotThere(_("There is no active IVR flow %(name)s."), field="flow", name=flow_name)
    facts = {**caller_facts(caller_id), "call_id": call_id}
    host = ContactCenterHost(facts.get("customer_id"))
    session, step = Session.start(engine_flow(row), facts, host)
    try:
        with transaction.atomic():
            found = IvrSession.objects.create(
                flow=row,
                source=source,
                call_id=call_id,
                caller_id=caller_id,
                customer_id=host.customer_id,
                state=session.to_dict(),
                started_at=at or timezone.now(),
            )
            if step.terminal:
                _hand_off(found, step, actor)
                found.save()
    except IntegrityError:  # the same call started twice at once: the first one stands
        found = IvrSession.objects.get(source=source, call_id=call_id)
    return found, found.state["step"]


def press(
    session_id: str, digits: str, actor: Actor, *, seq: int | None = None
) -> tuple[IvrSession, dict[str, Any]]:
    """The caller pressed ``digits``; ``seq`` (1 for the first input of the call) lets a PBX
    retry a request safely: the input already taken answers its step again."""
    return _move(session_id, actor, seq, lambda session: session.input(digits))


def time_out(
    session_id: str, actor: Actor, *, seq: int | None = None
) -> tuple[IvrSession, dict[str, Any]]:
    return _move(session_id, actor, seq, lambda session: session.timeout())


def _move(
    session_id: str, actor: Actor, seq: int | None, move: Callable[[Session], Step]
) -> tuple[IvrSession, dict[str, Any]]:
    with transaction.atomic():
        row = _locked(session_id)
        if seq is not None and seq == row.inputs:
            return row, row.state["step"]
        if seq is not None and seq != row.inputs + 1:
            raise WrongState(
                _("Input %(seq)s is out of turn: the next is %(next)s."),
                field="seq",
                seq=seq,
                next=row.inputs + 1,
            )
        if row.status != IvrSessionStatus.ACTIVE:
            raise WrongState(_("This call has left the IVR."))
        host = ContactCenterHost(row.customer_id)
        try:
            session = Session.from_dict(engine_flow(row.flow), row.state, host)
            step = move(session)
        except SessionError as error:
            raise WrongState(str(error)) from None
        row.state = session.to_dict()
        row.inputs += 1
        row.customer_id = host.customer_id or row.customer_id
        if step.terminal:
            _hand_off(row, step, actor)
        row.save()
    return row, row.state["step"]


def hang_up(session_id: str, actor: Actor) -> IvrSession:
    """The caller hung up inside the IVR (the PBX says so): the session ends where it was, so
    no session waits forever for keys that will never come. Repeating it changes nothing."""
    with transaction.atomic():
        row = _locked(session_id)
        if row.status == IvrSessionStatus.ACTIVE:
            row.status = IvrSessionStatus.ENDED
            row.ended_at = timezone.now()
            row.state = {**row.state, "hung_up_at": row.state.get("node")}
            row.save(update_fields=["status", "ended_at", "state", "updated_at"])
    return row


def _locked(session_id: str) -> IvrSession:
    found = ivr_selectors.ivr_session(session_id)
    if found is None:
        raise NotThere(_("There is no such IVR session."), field="session_id")
    return IvrSession.objects.select_for_update().select_related("flow").get(pk=found.pk)


def _hand_off(row: IvrSession, step: Step, actor: Actor) -> None:
    """The flow ended: queue the call (or the call-back) with what the IVR learnt."""
    action = step.action
    row.ended_at = timezone.now()
    if isinstance(action, Hangup) or action is None:
        row.status = IvrSessionStatus.ENDED
        return
    data = {**action.data, "priority": action.priority, "ivr_session": str(row.pk)}
    if isinstance(action, RouteToQueue):
        row.status = IvrSessionStatus.QUEUED
        incoming = ContactIn(
            medium="voice",
            queue=action.queue,
            caller_id=row.caller_id[:40],
            customer_id=row.customer_id,
            source=row.source or "ivr",
            external_ref=row.call_id,
            ivr_data=data,
        )
    else:
        assert isinstance(action, Voicemail)
        row.status = IvrSessionStatus.VOICEMAIL
        incoming = ContactIn(
            medium="voicemail",
            queue=action.queue,
            caller_id=action.callback_to[:40],
            customer_id=row.customer_id,
            source=row.source or "ivr",
            external_ref=f"{row.call_id}:voicemail"[:120],
            ivr_data=data,
            subject=str(_("Call-back request")),
            place_at=row.started_at,
        )
    try:
        row.contact = contacts.receive(incoming, actor)
    except DomainError as error:  # the caller is on the line: tell the PBX, keep the call
        row.state = {**row.state, "handoff_error": str(error)}
    row.state = {**row.state, "step": {**row.state["step"], "contact_id": row.contact_id}}


def seed_examples(
    actor: Actor, directory: Path | None = None, *, create_queues: bool = False
) -> list[IvrFlow]:
    """Load the example flows (``examples/ivr``) for the demo; with ``create_queues`` the
    queues they route to are created first where missing (one skill per queue)."""
    folder = directory or EXAMPLES
    rows = []
    for path in sorted(folder.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if create_queues:
            _ensure_queues(text)
        rows.append(save_flow(text, actor))
    return rows


def _ensure_queues(yaml_text: str) -> None:
    try:
        flow = Flow.from_yaml(yaml_text)
    except FlowError as error:
        raise FlowRefused([str(p) for p in error.problems]) from None
    have = set(selectors.queues().values_list("name", flat=True))
    for node in flow.nodes.values():
        if isinstance(node, QueueNode | VoicemailNode) and node.queue not in have:
            setup.save_skill(node.queue, node.queue.replace("_", " ").capitalize())
            setup.save_queue(node.queue, node.queue.replace("_", " ").capitalize(), node.queue)
            have.add(node.queue)


def prompt_wav(prompt_id: str, language: str) -> Path | None:
    """The WAV of a step's audio key, or of a flow's prompt id (``bank.main_menu``,
    ``bank.messages.goodbye``) in the active version; None if there is no such prompt or
    it renders variables (those are fetched by the key their step gave)."""
    if prompt_id.startswith("t") and prompts.KEY.match(prompt_id):
        return prompts.wav_for_key(prompt_id)
    text = _prompt_text(prompt_id, language)
    return prompts.speak(text, language) if text is not None else None


def _prompt_text(prompt_id: str, language: str) -> str | None:
    flow_name, _dot, rest = prompt_id.partition(".")
    row = ivr_selectors.active_flow(flow_name)
    if row is None or not rest:
        return None
    flow = engine_flow(row)
    if rest.startswith("messages."):
        texts = flow.messages.get(rest.removeprefix("messages."))
    else:
        name, _dot, part = rest.partition(".")
        node = flow.nodes.get(name)
        texts = getattr(node, part or "prompt", None) if part in ("", "invalid") else None
    template = texts.get(language) if texts else None
    if template is None or placeholders(template):
        return None
    return template
