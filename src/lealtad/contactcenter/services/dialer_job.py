"""The dialer job: for every running call list, ask the pacer how many lines to start, pick
the entries the rules allow now, dial them on a switch, and act on what the switch reports.

A line a person answers becomes an outbound voice contact offered to a free agent of the
list's queue (``contacts.start_outbound``); with no agent free it waits at most the two
seconds the abandonment rule allows, then the dialer hangs up and counts it abandoned. Every
outcome is written on the entry (attempts, last result, when to try again) and on its
attempt row, so a restarted job loses nothing but the pacer's warm statistics (it starts
again from its priors, which are cautious).

The switch is any ``TelephonyAdapter``: the built-in simulator decides in demos and tests
whether a line connects, rings out, is busy or reaches a machine; a real PBX does it live.
Whoever reads the switch's events hands them to :meth:`DialerJob.apply` first: it answers
whether the event was one of the dialer's calls.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lealtad.contact_engine.dialer import (
    CallResult,
    DialMode,
    FloorState,
    Pacer,
    PacingSettings,
)
from lealtad.contact_engine.telephony.adapter import (
    CallAbandoned,
    CallAnswered,
    CallFailed,
    CallOffered,
    DialOutcome,
    SwitchEvent,
    SwitchRestarted,
    TelephonyAdapter,
    TelephonyError,
)
from lealtad.contactcenter.models import (
    Agent,
    CallList,
    CallListEntry,
    DialAttempt,
)
from lealtad.contactcenter.models.dialer import EntryStatus, ListStatus
from lealtad.contactcenter.services import contacts
from lealtad.contactcenter.services.dialer_rows import (
    StepReport,
    dialable_entries,
    end_attempt,
    floor_of,
    free_agent,
    sync_wrap_ups,
)
from lealtad.core.audit import Actor
from lealtad.core.errors import DomainError

log = logging.getLogger(__name__)
ABANDON_AFTER = timedelta(seconds=2)
PREVIEW_HOLD = timedelta(minutes=2)  # a record read longer than this goes back to the list
SILENT_LINE = timedelta(seconds=120)  # longer than any ring-out a switch allows
_RUNNING: list[DialerJob] = []
RESULT_OF = {
    DialOutcome.NO_ANSWER: CallResult.NO_ANSWER,
    DialOutcome.BUSY: CallResult.BUSY,
    DialOutcome.MACHINE: CallResult.MACHINE,
    DialOutcome.BLOCKED: CallResult.BUSY,
}


class DialerJob:
    def __init__(
        self,
        adapter: TelephonyAdapter,
        actor: Actor | None = None,
        pacing: Mapping[str, Any] | None = None,
    ) -> None:
        """``pacing`` overrides the pacer's settings (its priors, window, limits) for every
        list; the mode and the cap are always the list's own."""
        self.adapter = adapter
        self.actor = actor or Actor.system("dialer")
        self.pacing = dict(pacing or {})
        self.pacers: dict[int, Pacer] = {}
        self._epochs: dict[str, int] = {}

    def pacer(self, call_list: CallList) -> Pacer:
        if call_list.pk not in self.pacers:
            mode = DialMode(call_list.mode)
            settings = PacingSettings(
                **{**self.pacing, "mode": mode, "abandon_cap": call_list.abandon_cap}
            )
            pacer = self.pacers[call_list.pk] = Pacer(settings)
            # A restarted job goes on from the list's counters (its answer rate, and the
            # abandonment since the start that the brake watches) and takes over the lines
            # its predecessor left open.
            open_lines = DialAttempt.objects.filter(entry__call_list=call_list, result="")
            still, waiting = open_lines.count(), open_lines.filter(answered=True).count()
            done = call_list.connected + call_list.abandoned
            pacer.resume(
                answered=done,
                unanswered=max(0, call_list.dialled - call_list.answered - (still - waiting)),
                connected=call_list.connected,
                abandoned=call_list.abandoned,
            )
            pacer.dialled(still)
            for _ in range(waiting):
                pacer.answered()
        return self.pacers[call_list.pk]

    # --- one pass -----------------------------------------------------------------------
    def step(self, now: datetime | None = None) -> StepReport:
        """One pass over the running lists (preview lists dial only when an agent accepts)."""
        now = now or timezone.now()
        report = StepReport()
        running = CallList.objects.select_related("queue").filter(status=ListStatus.RUNNING)
        CallListEntry.objects.filter(
            status=EntryStatus.PREVIEWING, reserved_at__lt=now - PREVIEW_HOLD
        ).update(status=EntryStatus.PENDING, reserved_for=None, reserved_at=None)
        self._end_silent_lines(now)
        sync_wrap_ups(now)
        dialling = list(running.exclude(mode=DialMode.PREVIEW))
        for call_list in dialling:
            self._serve_waiting(call_list, now, report)
            floor = self._floor(call_list, dialling)
            lines = self.pacer(call_list).lines_to_dial(floor)
            if lines:
                self._dial_due(call_list, lines, now, report)
        return report

    def _floor(self, call_list: CallList, dialling: list[CallList]) -> FloorState:
        """The queue's agents less those the other lists of the same queue have claimed:
        their answered calls waiting, and the answers their lines in flight will bring."""
        floor = floor_of(call_list)
        claimed = 0.0
        for other in dialling:
            if other.pk != call_list.pk and other.queue_id == call_list.queue_id:
                theirs = self.pacer(other)
                share = 1.0 if other.mode != DialMode.PREDICTIVE else theirs.answer_rate
                claimed += theirs.answered_waiting + theirs.lines_in_flight * share
        free = max(0, floor.agents_available - math.ceil(claimed))
        return FloorState(agents_available=free, agents_busy=floor.agents_busy)

    def _end_silent_lines(self, now: datetime) -> None:
        """A line the switch never reported on (lost events, a switch that died) is ended
        as unanswered after ``SILENT_LINE``, so it holds no agent and no pacer slot."""
        silent = DialAttempt.objects.select_related("entry__call_list").filter(
            result="", answered=False, started_at__lt=now - SILENT_LINE
        )
        for attempt in silent:
            self._ended_unanswered(attempt, CallResult.NO_ANSWER, now)

    def _dial_due(self, call_list: CallList, lines: int, now: datetime, report: StepReport):  # type: ignore[no-untyped-def]
        for entry, phone in dialable_entries(call_list, lines * 4, now, report):
            if self._dial(call_list, entry, phone, now):
                report.dialled += 1
            if report.dialled >= lines:
                break

    def _dial(
        self,
        call_list: CallList,
        entry: CallListEntry,
        phone: str,
        now: datetime,
        agent: Agent | None = None,
    ) -> bool:
        with transaction.atomic():
            attempt = DialAttempt.objects.create(
                entry=entry, number=phone, switch_id=self.adapter.switch_id, started_at=now
            )
            entry.status, entry.attempts, entry.last_attempt_at = (
                "dialling",
                entry.attempts + 1,
                now,
            )
            entry.refusal = ""
            entry.save(update_fields=["status", "attempts", "last_attempt_at", "refusal"])
            CallList.objects.filter(pk=call_list.pk).update(dialled=F("dialled") + 1)
        try:
            if agent is not None:  # preview: the line rings out from the agent's phone
                ref = self.adapter.dial(phone, agent=agent.extension)
            else:
                ref = self.adapter.dial(phone, queue=call_list.queue.name)
        except TelephonyError:
            end_attempt(attempt, CallResult.BUSY, now, call_list.max_attempts)
            return False
        # The switch just gave this id to a new call: a line still open under it belongs to
        # a life of the switch before a restart nobody reported, and is over.
        stale = DialAttempt.objects.select_related("entry__call_list").filter(
            switch_id=self.adapter.switch_id, call_ref=ref, result=""
        )
        for old in stale:
            self._ended_unanswered(old, CallResult.NO_ANSWER, now)
        DialAttempt.objects.filter(pk=attempt.pk).update(call_ref=ref)
        self.pacer(call_list).dialled(1)
        return True

    def dial_for_agent(self, entry: CallListEntry, phone: str, agent: Agent, now: datetime) -> bool:
        """Preview: the agent accepted the record; its line rings from the agent's phone."""
        return self._dial(entry.call_list, entry, phone, now, agent)

    # --- what the switch reports ----------------------------------------------------------
    def apply(self, event: SwitchEvent, now: datetime | None = None) -> bool:
        """Acts on a switch event if it is about one of the dialer's lines."""
        self._epochs[event.switch_id] = event.epoch
        if isinstance(event, SwitchRestarted):
            self.switch_restarted(event.switch_id, now or event.at)
            return False  # the others who read the switch need it too
        call_ref = getattr(event, "call_ref", "")
        kinds = CallFailed | CallOffered | CallAnswered | CallAbandoned
        if not call_ref or not isinstance(event, kinds):
            return False
        attempt = (
            DialAttempt.objects.select_related("entry__call_list__queue")
            .filter(switch_id=event.switch_id, call_ref=call_ref, result="")
            .first()
        )
        if attempt is None and isinstance(event, CallAbandoned):
            return self._hung_up_before_bridged(event, now or event.at)
        if attempt is None:
            return False
        now = now or event.at
        call_list = attempt.entry.call_list
        pacer = self.pacer(call_list)
        if isinstance(event, CallFailed):
            self._ended_unanswered(attempt, RESULT_OF[event.outcome], now)
        elif isinstance(event, CallOffered | CallAnswered) and not attempt.answered:
            ring = (now - attempt.started_at).total_seconds()
            if pacer.lines_in_flight:
                pacer.answered(ring_seconds=max(ring, 0.0))
            DialAttempt.objects.filter(pk=attempt.pk).update(answered=True, answered_at=now)
            CallList.objects.filter(pk=call_list.pk).update(answered=F("answered") + 1)
            attempt.answered, attempt.answered_at = True, now
            if isinstance(event, CallAnswered):  # preview: the agent's phone is on the call
                self._connect(call_list, attempt, now, attempt.entry.reserved_for, bridged=True)
            else:
                self._connect(call_list, attempt, now)
        elif isinstance(event, CallAbandoned) and attempt.answered:
            self._abandon(call_list, attempt, now, hang_up=False)
        return True

    def _ended_unanswered(self, attempt: DialAttempt, result: CallResult, now: datetime) -> None:
        call_list = attempt.entry.call_list
        pacer = self.pacer(call_list)
        if pacer.lines_in_flight:
            pacer.unanswered()
        end_attempt(attempt, result, now, call_list.max_attempts)

    def switch_restarted(self, switch_id: str, now: datetime) -> int:
        """The switch dropped every call: open lines end unanswered, answered ones that
        waited for an agent count as abandoned (a person answered and nobody spoke)."""
        lines = DialAttempt.objects.select_related("entry__call_list").filter(
            switch_id=switch_id, result=""
        )
        ended = 0
        for attempt in lines:
            if attempt.answered:
                self._abandon(attempt.entry.call_list, attempt, now, hang_up=False)
            else:
                self._ended_unanswered(attempt, CallResult.NO_ANSWER, now)
            ended += 1
        return ended

    def _hung_up_before_bridged(self, event: CallAbandoned, now: datetime) -> bool:
        """The person hung up while the dialer was handing the call to an agent: the line
        counted connected was abandoned; its contact ends so the agent is free."""
        attempt = (
            DialAttempt.objects.select_related("entry__call_list")
            .filter(
                switch_id=event.switch_id,
                call_ref=event.call_ref,
                result=CallResult.CONNECTED,
                ended_at__gte=now - SILENT_LINE,
            )
            .order_by("-pk")
            .first()
        )
        if attempt is None:
            return False
        call_list = attempt.entry.call_list
        with transaction.atomic():
            DialAttempt.objects.filter(pk=attempt.pk).update(result=CallResult.ABANDONED)
            CallListEntry.objects.filter(pk=attempt.entry_id).update(
                status=EntryStatus.PENDING, last_result=CallResult.ABANDONED, contact_id=None
            )
            CallList.objects.filter(pk=call_list.pk).update(
                connected=F("connected") - 1, abandoned=F("abandoned") + 1
            )
        pacer = self.pacer(call_list)
        if pacer.connected_total:
            pacer.abandoned_after_all()
        if attempt.contact_id is not None:
            with contextlib.suppress(DomainError):  # the CTI may have ended it already
                contacts.release(attempt.contact_id, self.actor, from_switch=True)
        return True

    def _serve_waiting(self, call_list: CallList, now: datetime, report: StepReport) -> None:
        """Answered lines still waiting: an agent now, or abandoned after two seconds."""
        waiting = DialAttempt.objects.filter(
            entry__call_list=call_list, answered=True, result=""
        ).order_by("answered_at", "pk")
        for attempt in waiting.select_related("entry"):
            handed = self._connect(call_list, attempt, now)
            if handed == "connected":
                report.connected += 1
            elif handed == "abandoned":
                report.abandoned += 1
            elif attempt.answered_at and now - attempt.answered_at >= ABANDON_AFTER:
                self._abandon(call_list, attempt, now, hang_up=True)
                report.abandoned += 1

    def _contact_keys(self, attempt: DialAttempt) -> tuple[str, str]:
        """The contact's (source, external_ref) as the CTI feed writes them (see
        ``cti_handlers.source_of`` and ``external_ref_of``): when both read the switch, the
        dialer's contact and the CTI's are one. A call id is unique within one life (epoch)
        of the switch only."""
        epoch = self._epochs.get(attempt.switch_id, getattr(self.adapter, "epoch", 0))
        return f"cti:{attempt.switch_id}"[:60], f"{epoch}:{attempt.call_ref}"

    def _connect(
        self,
        call_list: CallList,
        attempt: DialAttempt,
        now: datetime,
        agent: Agent | None = None,
        bridged: bool = False,
    ) -> str | None:
        """Hands an answered line to an agent: ``connected``, ``abandoned`` (the person hung
        up before the agent was on the line), or ``None`` while no agent is free."""
        agent = agent or free_agent(call_list)
        if agent is None:
            return None
        source, ref = self._contact_keys(attempt)
        try:
            contact = contacts.start_outbound(
                attempt.entry.customer_id,
                call_list.queue.name,
                agent.pk,
                self.actor,
                phone=attempt.number,
                source=source,
                external_ref=ref,
            )
            # Progressive and predictive calls are passed to the agent, who cannot reject
            # them: answered at once, and the dialer bridges the agent's phone itself.
            contacts.answer(contact.pk, self.actor, agent_id=agent.pk, from_switch=True)
        except DomainError:
            return None  # the agent was taken meanwhile: the next pass tries again
        if not bridged and not self._bridge(attempt, agent):
            with contextlib.suppress(DomainError):
                contacts.release(contact.pk, self.actor, from_switch=True)
            self._abandon(call_list, attempt, now, hang_up=False)
            return "abandoned"
        with transaction.atomic():
            DialAttempt.objects.filter(pk=attempt.pk).update(contact_id=contact.pk)
            attempt.contact_id = contact.pk
            end_attempt(attempt, CallResult.CONNECTED, now, call_list.max_attempts)
            CallListEntry.objects.filter(pk=attempt.entry_id).update(contact_id=contact.pk)
            CallList.objects.filter(pk=call_list.pk).update(connected=F("connected") + 1)
        pacer = self.pacer(call_list)
        if pacer.answered_waiting:
            pacer.connected()
        return "connected"

    def _bridge(self, attempt: DialAttempt, agent: Agent) -> bool:
        """Puts the agent's phone on the line; False when the person already hung up."""
        try:
            self.adapter.answer(attempt.call_ref, agent.extension)
        except TelephonyError as exc:
            if exc.field == "call_ref":
                return False
            log.warning("switch %s: agent %s not bridged: %s", attempt.switch_id, agent.pk, exc)
        return True

    def _abandon(self, call_list: CallList, attempt: DialAttempt, now: datetime, hang_up: bool):  # type: ignore[no-untyped-def]
        with transaction.atomic():
            end_attempt(attempt, CallResult.ABANDONED, now, call_list.max_attempts)
            CallList.objects.filter(pk=call_list.pk).update(abandoned=F("abandoned") + 1)
        pacer = self.pacer(call_list)
        if pacer.answered_waiting:
            pacer.abandoned()
        if hang_up:
            with contextlib.suppress(TelephonyError):  # the caller hung up first
                self.adapter.release(attempt.call_ref)


def register_job(job: DialerJob) -> None:
    """The process's dialer, for the preview accepts that arrive over the API."""
    _RUNNING[:] = [job]


def running_job() -> DialerJob | None:
    return _RUNNING[0] if _RUNNING else None
