"""CTI: a PBX's call events applied to the contact center, exactly once and in call order.

A PBX link repeats events (after a reconnect) and reorders them (across threads or
requests), and a PBX restarts and forgets its calls. So each event carries its switch, the
switch's ``epoch``, the call id and a per-call ``seq``, and here:

* an event already applied (``seq`` at or below the call's last) is a **duplicate**: nothing
  is written, the answer says so;
* an event ahead of a gap is **held back** (``CtiPending``) and applied when the gap fills;
  a gap still open after ``GAP_TIMEOUT`` is skipped, so a lost event never strands a call;
* the first event of a call (``call.offered``, ``call.dialled``, ``call.blocked``, seq 1)
  must reach Lealtad before the others; anything else about a call Lealtad never saw is
  **refused** (``unknown_call``) and writes nothing — within one batch it is retried after
  the rest of the batch, so a batch may come in any order;
* a new epoch (``switch.restarted``, or any event of a later epoch when the restart was
  lost) **reconciles** the calls of earlier epochs still live in Lealtad: a waiting
  contact is abandoned, a talking one goes to wrap-up, so no agent stays stuck on a call
  the switch no longer has; late events of those epochs are refused (``stale_epoch``).

Each event is applied in its own transaction: one refused event writes nothing and does not
undo the others.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.contact_engine.telephony import CallEvent, SwitchEvent, SwitchRestarted, to_wire
from lealtad.contact_engine.telephony.wire import from_wire
from lealtad.contactcenter.choices import ContactStatus
from lealtad.contactcenter.errors import NotThere, WrongState
from lealtad.contactcenter.models import Contact, CtiCall, CtiPending, CtiSwitch
from lealtad.contactcenter.services import contacts
from lealtad.contactcenter.services.cti_handlers import FIRST_EVENTS, HANDLERS, end_call
from lealtad.contactcenter.services.setup import center_settings
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError

GAP_TIMEOUT = timedelta(seconds=30)
SYSTEM = Actor.system("cti")


@dataclass(frozen=True)
class EventResult:
    """What became of one posted event: ``applied``, ``ignored`` (its turn taken, nothing
    to change: Lealtad was already past it), ``duplicate``, ``held`` (waiting for an earlier
    event of its call) or ``refused`` (nothing written; ``error`` says why)."""

    status: str
    contact_id: int | None = None
    note: str = ""
    error: DomainError | None = None

    @property
    def code(self) -> str:
        return self.error.code if self.error is not None else ""


def apply_events(events: Sequence[SwitchEvent], actor: Actor = SYSTEM) -> list[EventResult]:
    """Apply a batch in order, one transaction each; events of calls not yet known are
    tried again after the rest of the batch (their first event may come later in it)."""
    skip_open_gaps(actor=actor)
    end_overdue_wrap_ups()
    results: list[EventResult] = [apply_event(e, actor) for e in events]
    waiting = [i for i, r in enumerate(results) if r.code == "unknown_call"]
    waiting.sort(key=lambda i: getattr(events[i], "seq", 0))  # a call's events in its order
    while waiting:
        for i in waiting:
            results[i] = apply_event(events[i], actor)
        still = [i for i in waiting if results[i].code == "unknown_call"]
        if len(still) == len(waiting):
            break
        waiting = still
    return results


def apply_event(event: SwitchEvent, actor: Actor = SYSTEM) -> EventResult:
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                if isinstance(event, SwitchRestarted):
                    return _restart(event, actor)
                assert isinstance(event, CallEvent)
                return _call_event(event, actor)
        except DomainError as error:
            return EventResult("refused", error=error)
        except IntegrityError:  # the same call's first event, applied at once elsewhere
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _switch(switch_id: str) -> CtiSwitch:
    """The switch's row, locked: a switch's events are applied one at a time."""
    found = CtiSwitch.objects.select_for_update().filter(switch_id=switch_id).first()
    if found is not None:
        return found
    CtiSwitch.objects.get_or_create(switch_id=switch_id)  # a first event; two may race
    return CtiSwitch.objects.select_for_update().get(switch_id=switch_id)


def _restart(event: SwitchRestarted, actor: Actor) -> EventResult:
    switch = _switch(event.switch_id)
    if event.epoch <= switch.epoch:
        return EventResult("duplicate", note=f"switch already at epoch {switch.epoch}")
    ended = reconcile(switch, event.epoch, actor)
    return EventResult("applied", note=f"epoch {event.epoch}: {ended} calls reconciled")


def reconcile(switch: CtiSwitch, epoch: int, actor: Actor = SYSTEM) -> int:
    """Close in Lealtad every call of an earlier epoch the switch no longer has."""
    stale = CtiCall.objects.select_for_update().filter(
        switch_id=switch.switch_id, epoch__lt=epoch, ended=False
    )
    count = 0
    for call in stale:
        end_call(call, actor)
        call.outcome = call.outcome or "restart"
        call.save()
        call.pending.all().delete()
        count += 1
    switch.epoch, switch.restarted_at = epoch, timezone.now()
    switch.save()
    return count


def _call_event(event: CallEvent, actor: Actor) -> EventResult:
    switch = _switch(event.switch_id)
    if event.epoch > switch.epoch:
        reconcile(switch, event.epoch, actor)  # the restart event itself was lost
    call = (
        CtiCall.objects.select_for_update()
        .filter(switch_id=event.switch_id, epoch=event.epoch, call_ref=event.call_ref)
        .first()
    )
    if call is not None and (
        event.seq <= call.last_seq or call.pending.filter(seq=event.seq).exists()
    ):
        return EventResult("duplicate", call.contact_id, f"seq {event.seq} already received")
    if event.epoch < switch.epoch:
        raise WrongState(
            _("Switch %(switch)s restarted (epoch %(epoch)s): its older calls are closed."),
            field="epoch",
            code="stale_epoch",
            switch=event.switch_id,
            epoch=switch.epoch,
        )
    if call is None:
        if event.seq != 1 or not isinstance(event, FIRST_EVENTS):
            raise NotThere(
                _("Lealtad has no call %(ref)s: send its first event (seq 1) first."),
                field="call_ref",
                code="unknown_call",
                ref=event.call_ref,
            )
        call = CtiCall(switch_id=event.switch_id, epoch=event.epoch, call_ref=event.call_ref)
    elif event.seq > call.last_seq + 1:
        CtiPending.objects.create(call=call, seq=event.seq, event=to_wire(event))
        return EventResult("held", call.contact_id, f"waiting for seq {call.last_seq + 1}")
    status, note = _apply(call, event, actor)
    drained = _drain(call, actor)
    if drained:
        note += f"; then {drained} held events"
    return EventResult(status, call.contact_id, note)


def _apply(call: CtiCall, event: CallEvent, actor: Actor) -> tuple[str, str]:
    """Apply one event in its turn: ``("applied", note)``, or ``("ignored", why)`` when
    Lealtad has already moved past what it says (an echo of the agent's own step at the
    desktop, a hold after the hang-up): the turn is used up so later events are not held
    back. A fact Lealtad cannot place (an unknown agent or queue) is refused instead."""
    if call.ended and not isinstance(event, FIRST_EVENTS):
        return _used(call, event, "ignored", "the call had already ended")
    try:
        with transaction.atomic():
            note = HANDLERS[type(event)](call, event, actor)
    except WrongState as conflict:
        if call.pk is None:
            raise
        call.refresh_from_db()
        return _used(call, event, "ignored", f"no change: {conflict.message}")
    return _used(call, event, "applied", note)


def _used(call: CtiCall, event: CallEvent, status: str, note: str) -> tuple[str, str]:
    call.last_seq = event.seq
    call.save()
    return status, note


def _drain(call: CtiCall, actor: Actor, *, skip_gaps: bool = False) -> int:
    """Apply held events that now follow on; with ``skip_gaps`` all of them, in order."""
    done = 0
    for held in list(call.pending.order_by("seq")):
        if held.seq != call.last_seq + 1 and not skip_gaps:
            break
        event = from_wire(held.event)
        assert isinstance(event, CallEvent)
        try:
            with transaction.atomic():
                _apply(call, event, actor)
        except DomainError:  # refused now as it would have been then: move past it
            call.refresh_from_db()
            call.last_seq = held.seq
            call.save()
        held.delete()
        done += 1
    return done


def skip_open_gaps(older_than: timedelta = GAP_TIMEOUT, actor: Actor = SYSTEM) -> int:
    """Apply the held events of calls whose gap stayed open too long (an event lost on the
    way): the call moves on instead of waiting for ever. Returns how many were applied."""
    cutoff = timezone.now() - older_than
    stuck = CtiPending.objects.filter(received_at__lt=cutoff).values_list("call_id", flat=True)
    done = 0
    for call_id in set(stuck):
        with transaction.atomic():
            call = CtiCall.objects.select_for_update().filter(pk=call_id).first()
            if call is not None:
                done += _drain(call, actor, skip_gaps=True)
    return done


_swept = [0.0]


def end_overdue_wrap_ups(every: float = 1.0) -> int:
    """Close the wrap-ups past their end (at most once per ``every`` seconds). The router
    does it too; this keeps agents usable while no router runs (killed, restarting on a
    busy machine), since a call's end must free its agent within wrap-up + 5 s. Whoever
    comes first closes it, once: the contact service checks the status under lock."""
    if time.monotonic() - _swept[0] < every:
        return 0
    _swept[0] = time.monotonic()
    now = timezone.now()
    wrap_up = timedelta(seconds=center_settings().wrap_up_seconds)
    due = Contact.objects.filter(
        status=ContactStatus.WRAP_UP, released_at__lte=now - wrap_up
    ).values_list("pk", flat=True)
    return sum(contacts.end_wrap_up(pk, at=now) for pk in list(due))


def call_for_contact(contact_id: int) -> CtiCall | None:
    """The live switch call behind a contact (for sending it commands)."""
    return CtiCall.objects.filter(contact_id=contact_id, ended=False).order_by("-id").first()
