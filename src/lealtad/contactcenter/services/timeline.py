"""Each ended contact on the customer's timeline, written by a hub subscriber.

The contact is in the center's own tables the moment it happens; the timeline learns of it
after commit through ``contact.ended`` (at least once: a repeat finds its step and stops).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from lealtad.core.audit import Actor
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import InteractionRecorded
from lealtad.customers.selectors import get_customer
from lealtad.customers.selectors.references import interactions_of_kind

KIND = "contact"


def _subject(payload: dict[str, Any]) -> str:
    words = {
        "abandoned": _("hung up while waiting"),
        "blocked": _("all trunks busy"),
    }
    medium = payload.get("medium", "voice")
    how = words.get(payload.get("status", "")) or payload.get("outcome") or _("handled")
    queue = payload.get("queue") or ""
    return f"{medium} · {queue} · {how}"[:200]


def _summary(payload: dict[str, Any]) -> str:
    parts = [payload.get("notes") or ""]
    if payload.get("wrap_up_code"):
        parts.append(f"{_('Code')}: {payload['wrap_up_code']}")
    if payload.get("recording_id"):
        parts.append(f"{_('Recording')}: {payload['recording_id']}")
    if payload.get("ivr_data"):
        parts.append(f"IVR: {payload['ivr_data']}")
    return "\n".join(p for p in parts if p)[:10000]


def record_ended(customer_id: int, payload: dict[str, Any], event_id: str) -> None:
    contact_id = str(payload["contact_id"])
    customer = get_customer(customer_id)
    if customer is None:
        return  # erased since: nothing to tell
    customer = customer.merged_into or customer
    done = interactions_of_kind(customer.pk, KIND)
    if any(step.related_id == contact_id for step in done):
        return
    when = payload.get("ended_at") or payload.get("arrived_at")
    customer_services.record_interaction(
        customer,
        InteractionRecorded(
            kind=KIND,
            direction=payload.get("direction", "inbound"),
            subject=_subject(payload),
            summary=_summary(payload),
            agent=(payload.get("agent") or "")[:150],
            related_type="contact",
            related_id=contact_id,
        ),
        customer_services.ChangeContext(Actor.system("contact center"), event_id, "call_center"),
        at=datetime.fromisoformat(when) if when else None,
    )
