"""A lead's life after capture: qualified, disqualified (with the reason), or converted in
one step into a customer and an opportunity.

Converting links the customer the lead already names (a lead for a known customer never makes
a duplicate), else the one identity resolution finds now, else a new customer made through
the customers context's own service. The opportunity opens in the first open stage of the
pipeline. A lead converts once: converting it again is a conflict and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from lealtad.core import hub
from lealtad.core.audit import Actor
from lealtad.core.envelope import CustomerRef
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import CustomerProfile
from lealtad.sales.choices import LeadStatus
from lealtad.sales.models import Lead, Opportunity
from lealtad.sales.services import matching, opportunities, pipelines
from lealtad.sales.services.common import SalesConflict, SalesNotFound, SalesRefused, where

DEFAULT_CLOSE_DAYS = 30
# The customer's first channel, for the sources that have one.
FIRST_CHANNEL = {"web_form": "web", "telemarketing": "call_center", "event": "field"}


@dataclass(frozen=True)
class Conversion:
    lead_id: int
    pipeline: str = ""  # its code; the default pipeline when empty
    name: str = ""  # the opportunity's; the lead's company or person when empty
    amount: Decimal = Decimal("0.00")
    close_date: date | None = None  # 30 days from today when left out


def qualify(lead_ids: Sequence[int], actor: Actor) -> list[Lead]:
    """Mark the leads qualified (a qualified one stays as it is)."""
    with transaction.atomic():
        leads = _locked(lead_ids, "qualify")
        now = timezone.now()
        for lead in leads:
            if lead.status != LeadStatus.QUALIFIED:
                lead.status, lead.qualified_at, lead.updated_at = LeadStatus.QUALIFIED, now, now
        Lead.objects.bulk_update(leads, ["status", "qualified_at", "updated_at"])
    return leads


def disqualify(lead_ids: Sequence[int], reason: str, actor: Actor) -> list[Lead]:
    """Mark the leads disqualified, with the reason the seller gives."""
    reason = " ".join(reason.split())
    if not reason or len(reason) > 200:
        raise SalesRefused(_("Say why, in 1 to 200 characters."), field="reason")
    with transaction.atomic():
        leads = _locked(lead_ids, "disqualify")
        now = timezone.now()
        for lead in leads:
            lead.status, lead.disqualified_reason, lead.updated_at = (
                LeadStatus.DISQUALIFIED,
                reason,
                now,
            )
        Lead.objects.bulk_update(leads, ["status", "disqualified_reason", "updated_at"])
    return leads


def convert(batch: Sequence[Conversion], actor: Actor) -> list[Opportunity]:
    """Each lead into its customer and an opportunity; all or nothing."""
    with transaction.atomic():
        leads = _locked([c.lead_id for c in batch], "convert")
        news = [
            _new_opportunity(c, lead, i, len(batch))
            for i, (c, lead) in enumerate(zip(batch, leads, strict=True))
        ]
        customers = _customers(leads, actor)
        news = [
            replace(new, customer_id=customer_id)
            for new, customer_id in zip(news, customers, strict=True)
        ]
        made = opportunities.open_opportunities(news, actor)
        now = timezone.now()
        for lead, customer_id in zip(leads, customers, strict=True):
            lead.status, lead.customer_id = LeadStatus.CONVERTED, customer_id
            lead.converted_at = lead.updated_at = now
        Lead.objects.bulk_update(leads, ["status", "customer_id", "converted_at", "updated_at"])
        hub.publish_many([_converted(lead, o, actor) for lead, o in zip(leads, made, strict=True)])
    return made


def _locked(lead_ids: Sequence[int], action: str) -> list[Lead]:
    """The leads in the order asked, locked; refused whole if one is missing, repeated or
    (for every action) converted already, or (to convert or qualify) disqualified."""
    rows = Lead.objects.select_for_update().filter(pk__in=sorted(set(lead_ids))).order_by("pk")
    found = {lead.pk: lead for lead in rows}
    size = len(lead_ids)
    seen: set[int] = set()
    leads = []
    for i, pk in enumerate(lead_ids):
        field = where(i, size, "lead")
        lead = found.get(pk)
        if lead is None:
            raise SalesNotFound(_("There is no lead %(id)s."), field=field, id=pk)
        if pk in seen:
            raise SalesRefused(_("Lead %(id)s is in the list twice."), field=field, id=pk)
        seen.add(pk)
        _check_state(lead, action, field)
        leads.append(lead)
    return leads


def _check_state(lead: Lead, action: str, field: str) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise SalesConflict(
            _("Lead %(id)s was converted already (on %(day)s)."),
            field=field,
            code="lead_converted",
            id=lead.pk,
            day=timezone.localdate(lead.converted_at).isoformat() if lead.converted_at else "?",
        )
    if lead.status == LeadStatus.DISQUALIFIED and action != "disqualify":
        raise SalesConflict(
            _("Lead %(id)s is disqualified (%(reason)s)."),
            field=field,
            code="lead_disqualified",
            id=lead.pk,
            reason=lead.disqualified_reason,
        )


def _new_opportunity(
    c: Conversion, lead: Lead, index: int, size: int
) -> opportunities.NewOpportunity:
    if c.amount < 0:
        raise SalesRefused(_("An amount is 0 or more."), field=where(index, size, "amount"))
    pipeline = pipelines.pipeline_for(c.pipeline)
    today = timezone.localdate()
    close = c.close_date or today + timedelta(days=DEFAULT_CLOSE_DAYS)
    return opportunities.NewOpportunity(
        pipeline=pipeline,
        stage=pipelines.first_open_stage(pipeline),
        name=c.name.strip() or lead.company_name or lead.person_name or str(lead),
        close_date=close,
        lead=lead,
        amount=c.amount,
        owner_id=lead.owner_id,
        team=lead.team,
    )


def _customers(leads: Sequence[Lead], actor: Actor) -> list[int]:
    """The customer each lead is: linked already (its survivor if merged since), found by
    identity resolution now, or made now."""
    linked = matching.live_customers([lead.customer_id for lead in leads if lead.customer_id])
    found = matching.customers_for(
        [matching.Keys(lead.national_id, lead.email, lead.phone) for lead in leads]
    )
    ids = []
    for lead, match in zip(leads, found, strict=True):
        known = linked.get(lead.customer_id or 0) or match
        ids.append(known if known is not None else _new_customer(lead, actor))
    return ids


def _new_customer(lead: Lead, actor: Actor) -> int:
    try:
        ref = CustomerRef(
            email=lead.email or None,
            phone=lead.phone or None,
            national_id=lead.national_id or None,
            name=lead.person_name or None,
        )
    except ValidationError as exc:  # a lead kept before today's rules (an old import)
        raise SalesRefused(
            _("Lead %(id)s cannot become a customer: %(why)s"),
            field="lead",
            id=lead.pk,
            why=exc.errors()[0]["msg"],
        ) from None
    if lead.person_name:
        profile = CustomerProfile(kind="person", lifecycle_status="prospect")
    else:
        profile = CustomerProfile(
            kind="organization", organization_name=lead.company_name, lifecycle_status="prospect"
        )
    ctx = customer_services.ChangeContext(
        actor=actor, event_id=f"lead-{lead.pk}", channel=FIRST_CHANNEL.get(lead.source, "")
    )
    try:
        return customer_services.create_customer(profile, ref, ctx).pk
    except customer_services.IdentifierTaken as taken:
        return taken.customer_id  # a key the lead shares with one customer: that customer


def _converted(lead: Lead, opportunity: Opportunity, actor: Actor) -> hub.Announcement:
    payload = {
        "lead_id": lead.pk,
        "source": lead.source,
        "campaign": lead.campaign,
        "opportunity_id": opportunity.pk,
        "number": opportunity.number,
        "pipeline": opportunity.pipeline.code,
        "owner_id": lead.owner_id,
        "by": actor.label,
    }
    return hub.Announcement(
        "lead.converted", payload, f"lead-{lead.pk}#lead.converted", "sales", lead.customer_id
    )
