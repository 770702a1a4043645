"""Hub wiring of sales: the ``lead.captured`` event type other systems send (web forms,
event apps, campaign tools, dialers) and the events the context publishes on the outbox.

Published, each in the transaction of its change (see :mod:`.services`): ``lead.captured``
for every lead kept (its ``lead_id``, source, owner, team: the inbound event of that name
becomes one), ``lead.converted`` (lead, opportunity, pipeline, owner),
``opportunity.stage_changed`` (from, to, probability, amount), and ``opportunity.won`` /
``opportunity.lost`` when a deal closes (with the reason given).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from lealtad.core import envelope
from lealtad.core.audit import Actor
from lealtad.core.envelope import ValidEvent
from lealtad.sales.schemas import LeadCapturedEvent
from lealtad.sales.services import leads

PUBLISHED = (
    "lead.captured",
    "lead.converted",
    "opportunity.stage_changed",
    "opportunity.won",
    "opportunity.lost",
)


def apply_lead_events(events: Sequence[ValidEvent], actor: Actor) -> list[int]:
    """Capture the leads, once per event id; the customer each names, or none yet (a lead is
    not a customer until it converts)."""
    batch = [_new_lead(event, i, len(events)) for i, event in enumerate(events)]
    captured = leads.capture_leads(batch, actor)
    # The ingestion log keeps a customer per event; a lead nobody knows yet has none.
    return cast(list[int], [c.lead.customer_id for c in captured])


def _new_lead(event: ValidEvent, index: int, size: int) -> leads.NewLead:
    payload = event.payload
    assert isinstance(payload, LeadCapturedEvent)
    ref = event.envelope.customer
    values = {
        "source": payload.source,
        "external_id": event.envelope.id,
        "person_name": payload.person_name or ref.name,
        "company_name": payload.company_name,
        "email": ref.email,
        "phone": ref.phone,
        "national_id": ref.national_id,
        "region": payload.region,
        "campaign": payload.campaign,
        "notes": payload.notes,
        "team": payload.team,
    }
    return leads.check_lead(values, index, size)


envelope.register(
    "lead.captured",
    LeadCapturedEvent,
    apply_lead_events,
    "Someone who may buy, met through a web form, an event, a campaign or a call list: "
    "kept as a sales lead, linked to the customer it names, assigned to a seller.",
)
from lealtad.sales import events_commissions  # noqa: E402, F401  (commissions follow orders)
