"""Telesales: call lists built from a marketing segment or from open leads, handed to the
contact center's outbound dialer as one of its lists (through its services, never its
tables).

Who may be called is decided twice. Here, when the list is built: a customer with no phone,
who withdrew phone calls for the list's purpose, or who never granted them (the customers'
dialing selector) is left out and counted by reason; a lead that is no customer yet has no
consent on record and is left out too. Then the dialer checks again before every attempt
(consent withdrawn since, the do-not-call numbers, calling hours; docs/contactcenter-dialer.md).

Each customer on the list stands for one lead or opportunity (:class:`TelesalesTarget`): a
segment's customer for their open opportunity, else their open lead, else a telemarketing
lead made for them now. What the calls answer comes back in :mod:`.telesales_outcomes`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.contactcenter.services import dialer
from lealtad.core.audit import Actor
from lealtad.customers.selectors import dialing, subject
from lealtad.marketing.selectors import segments
from lealtad.sales.choices import OPEN_LEAD_STATUSES, LeadSource, StageKind
from lealtad.sales.models import Lead, Opportunity, TelesalesList, TelesalesTarget
from lealtad.sales.models.telesales import TelesalesListSource
from lealtad.sales.services import leads as lead_capture
from lealtad.sales.services.common import SalesConflict, SalesNotFound, SalesRefused, chunks

NAME = re.compile(r"^[a-z0-9][-a-z0-9_]{0,59}$")
MAX_TARGETS = 200_000
NO_PHONE, REFUSED, NO_CONSENT, NO_CUSTOMER = "no_phone", "do_not_call", "no_consent", "no_customer"


@dataclass
class ListReport:
    """A list built: how many customers went to the dialer, and who was left out and why."""

    name: str
    source: str
    added: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    new_leads: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "added": self.added,
            "skipped": self.skipped,
            "new_leads": self.new_leads,
        }


@dataclass(frozen=True)
class ListSettings:
    name: str
    queue: str
    mode: str = "preview"
    purpose: str = "marketing"
    limit: int | None = None


def list_from_segment(segment_id: int, setup: ListSettings, actor: Actor) -> ListReport:
    """A call list of the segment's members who may be called."""
    if segments.get(segment_id) is None:
        raise SalesNotFound(_("There is no segment %(id)s."), field="segment", id=segment_id)
    ids: list[int] = []
    for part in segments.member_ids(segment_id):
        ids.extend(part)
        if len(ids) >= (setup.limit or MAX_TARGETS):
            break
    ids = ids[: setup.limit or MAX_TARGETS]
    return _build(setup, TelesalesListSource.SEGMENT, segment_id, _segment_targets(ids), actor)


def list_from_leads(
    setup: ListSettings,
    actor: Actor,
    *,
    lead_ids: Sequence[int] = (),
    min_score: int | None = None,
) -> ListReport:
    """A call list of open leads (those named, else every open one), best scores first."""
    rows = Lead.objects.filter(status__in=OPEN_LEAD_STATUSES)
    if lead_ids:
        rows = rows.filter(pk__in=sorted(set(lead_ids)))
    if min_score is not None:
        if not 1 <= min_score <= 99:
            raise SalesRefused(_("A score is between 1 and 99."), field="min_score")
        rows = rows.filter(score__gte=min_score)
    found = list(rows.order_by("-score", "pk")[: setup.limit or MAX_TARGETS])
    targets = [(lead.customer_id, lead, None) for lead in found]
    return _build(setup, TelesalesListSource.LEADS, None, targets, actor)


Target = tuple[int | None, Lead | None, Opportunity | None]


def _segment_targets(customer_ids: list[int]) -> list[Target]:
    """Each customer with their open opportunity, else their open lead (newest first)."""
    opportunities: dict[int, Opportunity] = {}
    open_leads: dict[int, Lead] = {}
    for part in chunks(customer_ids):
        rows = Opportunity.objects.filter(customer_id__in=part, stage__kind=StageKind.OPEN)
        for o in rows.order_by("-created_at", "-id"):
            opportunities.setdefault(o.customer_id or 0, o)
        found = Lead.objects.filter(customer_id__in=part, status__in=OPEN_LEAD_STATUSES)
        for lead in found.order_by("-created_at", "-id"):
            open_leads.setdefault(lead.customer_id or 0, lead)
    return [
        (cid, None if cid in opportunities else open_leads.get(cid), opportunities.get(cid))
        for cid in customer_ids
    ]


def _build(
    setup: ListSettings,
    source: str,
    segment_id: int | None,
    targets: Sequence[Target],
    actor: Actor,
) -> ListReport:
    _check_name(setup.name)
    report = ListReport(setup.name, source)
    callable_targets = _callable(targets, setup.purpose, report.skipped)
    with transaction.atomic():
        dialer.create_list(
            setup.name, setup.queue, setup.mode, actor, label=setup.name, purpose=setup.purpose
        )
        made = _leads_for_segment(setup.name, callable_targets, actor)
        report.new_leads = len(made)
        callable_targets = [(cid, made.get(cid, lead), opp) for cid, lead, opp in callable_targets]
        kept = TelesalesList.objects.create(
            name=setup.name,
            source=source,
            segment_id=segment_id,
            queue=setup.queue,
            purpose=setup.purpose,
            skipped=report.skipped,
            created_at=timezone.now(),
            created_by=actor.label,
        )
        TelesalesTarget.objects.bulk_create(
            (
                TelesalesTarget(telesales_list=kept, customer_id=cid, lead=lead, opportunity=opp)
                for cid, lead, opp in callable_targets
            ),
            batch_size=1000,
        )
        report.added = dialer.add_customers(setup.name, [t[0] for t in callable_targets])
    return report


def _check_name(name: str) -> None:
    if not NAME.match(name):
        raise SalesRefused(
            _("A list's name is 1 to 60 lower-case letters, digits, - or _."), field="name"
        )
    if TelesalesList.objects.filter(name=name).exists():
        raise SalesConflict(
            _("There is a telesales list %(name)s already."), field="name", name=name
        )


def _callable(
    targets: Sequence[Target], purpose: str, skipped: dict[str, int]
) -> list[tuple[int, Lead | None, Opportunity | None]]:
    """The targets the customers' records allow to call for ``purpose``; the others
    counted in ``skipped`` by reason. A customer twice is called once."""
    reasons: Counter[str] = Counter()
    ids = [cid for cid, _lead, _opp in targets if cid]
    facts: dict[int, dialing.DialingFacts] = {}
    for part in chunks(sorted(set(ids)), 5000):
        facts.update(dialing.dialing_facts(part, purpose))
    out: list[tuple[int, Lead | None, Opportunity | None]] = []
    seen: set[int] = set()
    for cid, lead, opp in targets:
        reason = _refusal(facts.get(cid) if cid else None, cid)
        if reason:
            reasons[reason] += 1
        elif cid is not None and cid not in seen:
            seen.add(cid)
            out.append((cid, lead, opp))
    skipped.update(sorted(reasons.items()))
    return out


def _refusal(fact: dialing.DialingFacts | None, customer_id: int | None) -> str:
    if customer_id is None or fact is None:
        return NO_CUSTOMER  # no record, so no consent to call: not a customer (or erased)
    if not fact.phone:
        return NO_PHONE
    if fact.phone_refused:
        return REFUSED
    if not fact.phone_consent:
        return NO_CONSENT
    return ""


def _leads_for_segment(
    list_name: str, targets: Iterable[tuple[int, Lead | None, Opportunity | None]], actor: Actor
) -> dict[int, Lead]:
    """A telemarketing lead for each customer with neither an open lead nor an open
    opportunity (captured through the lead service: once per list and customer)."""
    bare = [cid for cid, lead, opp in targets if lead is None and opp is None]
    if not bare:
        return {}
    names = subject.display_names(bare)
    phones = {cid: f.phone for cid, f in dialing.dialing_facts(bare, "marketing").items()}
    batch = [
        lead_capture.NewLead(
            source=LeadSource.TELEMARKETING,
            external_id=f"telesales:{list_name}:{cid}",
            person_name=(names.get(cid) or f"#{cid}")[:160],
            phone=phones.get(cid, ""),
            campaign=list_name[:80],
        )
        for cid in bare
    ]
    captured = lead_capture.capture_leads(batch, actor)
    made = {cid: c.lead for cid, c in zip(bare, captured, strict=True)}
    unlinked = [lead for cid, lead in made.items() if lead.customer_id != cid]
    for cid, lead in made.items():
        lead.customer_id = cid  # the customer the segment named, whatever the phone matched
    Lead.objects.bulk_update(unlinked, ["customer_id"], batch_size=500)
    return made


def lists(limit: int = 100) -> list[TelesalesList]:
    return list(TelesalesList.objects.order_by("-created_at", "-id")[:limit])


def outcome_counts(telesales_list: TelesalesList) -> dict[str, int]:
    rows = telesales_list.targets.values_list("outcome", flat=True)
    counts = Counter(o or "pending" for o in rows)
    return dict(sorted(counts.items()))
