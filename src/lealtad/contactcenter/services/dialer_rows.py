"""The rows the dialer job reads and writes: the floor of a list's queue, the entries the
rules allow now, and an attempt's end on the attempt and its entry. Split from
``dialer_job`` so the job itself reads as the loop it is."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F

from lealtad.contact_engine.dialer import CallResult, EntryFacts, FloorState, Refusal, check_entry
from lealtad.contact_engine.dialer.zones import zone_for
from lealtad.contactcenter.choices import AgentState, ContactStatus
from lealtad.contactcenter.models import (
    Agent,
    CallList,
    CallListEntry,
    Contact,
    DialAttempt,
    DoNotCallNumber,
)
from lealtad.contactcenter.models.dialer import EntryStatus
from lealtad.contactcenter.services.agents import HOLDING
from lealtad.contactcenter.services.dialer import rules_for
from lealtad.customers.selectors import dialing

NEVER = {
    Refusal.NO_PHONE,
    Refusal.DO_NOT_CALL,
    Refusal.NO_CONSENT,
    Refusal.FINISHED,
    Refusal.MAX_ATTEMPTS,
}


@dataclass
class StepReport:
    dialled: int = 0
    connected: int = 0
    abandoned: int = 0
    held_back: int = 0


def _agents(call_list: CallList):  # type: ignore[no-untyped-def]
    queue = call_list.queue
    return Agent.objects.filter(
        active=True,
        skills__skill_id=queue.skill_id,
        skills__proficiency__gte=queue.min_proficiency,
    )


def floor_of(call_list: CallList) -> FloorState:
    """The list's queue's agents as the pacer counts them: free (available, holding nothing)
    and busy (talking or wrapping up)."""
    agents = _agents(call_list)
    free = agents.filter(state=AgentState.AVAILABLE).exclude(contacts__status__in=HOLDING)
    busy = agents.filter(state__in=[AgentState.BUSY, AgentState.WRAP_UP])
    return FloorState(agents_available=free.distinct().count(), agents_busy=busy.distinct().count())


def free_agent(call_list: CallList) -> Agent | None:
    """The longest-idle free agent of the list's queue."""
    agents = _agents(call_list).filter(state=AgentState.AVAILABLE)
    agents = agents.exclude(contacts__status__in=HOLDING).distinct()
    return agents.order_by(F("idle_since").asc(nulls_first=True), "pk").first()


def dialable_entries(
    call_list: CallList, scan: int, now: datetime, report: StepReport | None = None
) -> Iterator[tuple[CallListEntry, str]]:
    """The list's due entries the rules allow now, with the number to dial, oldest due first;
    the ones held back get their reason and their next try written as they are met."""
    due = (
        call_list.entries.filter(status=EntryStatus.PENDING)
        .exclude(next_try_at__gt=now)
        .order_by(F("next_try_at").asc(nulls_first=True), "pk")
    )
    batch = list(due[:scan])
    facts = dialing.dialing_facts([e.customer_id for e in batch], call_list.purpose)
    phones = [f.phone for f in facts.values() if f.phone]
    blocked = set(DoNotCallNumber.objects.filter(e164__in=phones).values_list("e164", flat=True))
    rules = rules_for(call_list)
    for entry in batch:
        fact = facts.get(entry.customer_id)
        verdict = check_entry(_entry_facts(entry, fact, blocked), now, rules)
        if verdict.dialable and fact is not None:
            yield entry, fact.phone
            continue
        if report is not None:
            report.held_back += 1
        _hold_back(entry, verdict.reason, verdict.retry_at)


def _entry_facts(entry: CallListEntry, fact, blocked: set[str]) -> EntryFacts:  # type: ignore[no-untyped-def]
    if fact is None:  # merged or erased since the list was built
        return EntryFacts(phone=None, phone_consent=False, do_not_call=False)
    return EntryFacts(
        phone=fact.phone or None,
        phone_consent=fact.phone_consent,
        do_not_call=fact.phone_refused or fact.phone in blocked,
        time_zone=zone_for(fact.country, fact.region),
        attempts=entry.attempts,
        last_result=CallResult(entry.last_result) if entry.last_result else None,
        last_attempt_at=entry.last_attempt_at,
    )


def _hold_back(entry: CallListEntry, reason: Refusal | None, retry_at: datetime | None) -> None:
    status = EntryStatus.CLOSED if reason in NEVER else EntryStatus.PENDING
    CallListEntry.objects.filter(pk=entry.pk).update(
        status=status, refusal=reason or "", next_try_at=retry_at
    )


def end_attempt(attempt: DialAttempt, result: CallResult, now: datetime, max_attempts: int) -> None:
    """The attempt's result on the attempt and on its entry, with when to try again."""
    DialAttempt.objects.filter(pk=attempt.pk).update(result=result, ended_at=now)
    entry = attempt.entry
    if result is CallResult.CONNECTED:
        status = EntryStatus.DONE
    elif entry.attempts >= max_attempts:
        status = EntryStatus.CLOSED
    else:
        status = EntryStatus.PENDING
    CallListEntry.objects.filter(pk=entry.pk).update(
        status=status, last_result=result, next_try_at=None, reserved_for=None, reserved_at=None
    )


# Wrap-up codes an agent gives a dialled call that close its entry for good.
CLOSING_CODES = {"wrong_number": CallResult.WRONG_NUMBER, "do_not_call": CallResult.REFUSED}


def sync_wrap_ups(now: datetime) -> int:
    """Entries reached whose contact was wrapped up as a wrong number or a request not to be
    called again: the entry says so, and a refusal puts the number on the do-not-call list.
    Only the last day's connected entries are looked at (a wrap-up takes minutes)."""
    recent = CallListEntry.objects.filter(
        status=EntryStatus.DONE,
        last_result=CallResult.CONNECTED,
        last_attempt_at__gte=now - timedelta(days=1),
        contact_id__isnull=False,
    )
    wrapped = Contact.objects.filter(
        pk__in=recent.values("contact_id"),
        status=ContactStatus.DONE,
        wrap_up_code__in=list(CLOSING_CODES),
    )
    entries = recent.filter(contact_id__in=wrapped.values("pk"))
    done = 0
    for entry in entries:
        found = (
            Contact.objects.filter(pk=entry.contact_id or 0)
            .values("wrap_up_code", "caller_id")
            .first()
        )
        if found is None:
            continue
        result = CLOSING_CODES[found["wrap_up_code"]]
        CallListEntry.objects.filter(pk=entry.pk).update(last_result=result)
        if result is CallResult.REFUSED and found["caller_id"]:
            DoNotCallNumber.objects.get_or_create(
                e164=found["caller_id"], defaults={"source": "asked on a call"}
            )
        done += 1
    return done
