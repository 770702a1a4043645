"""The screen pop: what the agent sees of a contact the moment it rings.

The customer 360's essentials, read through the customers context's selectors with the
agent's own field and record rules (a channel-bound or store-bound reader sees what the 360
would show them): name, cédula masked to its last four digits (enough to confirm who calls,
never the whole number on a screen others pass by), value tier, lifetime value, churn risk,
open orders and the offers the analytics suggest (a plan outgrown: the seed's customer on the
40-hour plan who uses 90). A caller id that matches several customers gives a short list the
agent picks from; an unknown caller is looked up or registered from the desktop.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from lealtad.analytics.selectors.usage import upsell_for
from lealtad.analytics.services import rules as analytics_rules
from lealtad.contactcenter.models import Contact
from lealtad.core import panels, rules
from lealtad.core.access import Principal
from lealtad.core.roles import Capability
from lealtad.customers import selectors as customers

OPEN_ORDER_STATUSES = frozenset({"placed", "partly_shipped", "shipped", "ready"})
SHORT_LIST = 8


def masked_national_id(value: str) -> str:
    return rules.mask(value, rules.Show.LAST4) if value else ""


def _customer_card(customer_id: int, who: Principal) -> dict[str, Any] | None:
    reader = who.reader
    found = customers.readable(customer_id, reader)
    if found is None or found.erased_at is not None:
        return None
    # The pop needs no history, consents or audit: only the sections the 360 always carries.
    allowed = frozenset(who.capabilities) & {Capability.VIEW}
    view = customers.customer_360(found, allowed, reader)
    value = (view.get("value") or [None])[0]
    orders = [o for o in view.get("orders", []) if o.get("status") in OPEN_ORDER_STATUSES]
    return {
        "id": found.pk,
        "name": found.display_name,
        "national_id": masked_national_id(found.national_id),
        "phones": [p.e164 for p in view["phones"]][:3],
        "emails": [e.address for e in view["emails"]][:2] if view["emails"] else [],
        "value": value,
        "open_orders": orders[:5],
        "open_order_count": len(orders),
        "offers": _offers(found.pk, value),
        # Next-best-offers, loyalty … other contexts add to the customer box (core/panels.py).
        "panels": panels.collect(found.pk, "call_center", frozenset(who.capabilities)),
    }


def _offers(customer_id: int, value: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The plans the customer outgrew: from the 360's value section when the analytics have
    run, else straight from the usage readings (a new customer has no value figures yet)."""
    if value is not None:
        return list(value.get("upsell") or [])
    return upsell_for(customer_id, timezone.localdate(), analytics_rules.current().usage)


def _candidates(ids: list[int], who: Principal) -> list[dict[str, Any]]:
    rows = []
    for customer_id in ids[:SHORT_LIST]:
        found = customers.readable(int(customer_id), who.reader)
        if found is not None and found.erased_at is None and found.merged_into_id is None:
            rows.append(
                {
                    "id": found.pk,
                    "name": found.display_name,
                    "national_id": masked_national_id(found.national_id),
                }
            )
    return rows


def sla_deadline(contact: Contact) -> datetime | None:
    """When the contact's wait passes its queue's service-level seconds (from its place in
    line, which a transfer or a call-back keeps)."""
    if contact.queue is None:
        return None
    return contact.place_at + timedelta(seconds=contact.queue.service_level_seconds)


def pop(contact: Contact, who: Principal) -> dict[str, Any]:
    """The pop's content for one contact (each part empty when not known)."""
    card = _customer_card(contact.customer_id, who) if contact.customer_id else None
    return {
        "customer": card,
        "candidates": [] if card else _candidates(list(contact.candidates or []), who),
        "ivr": sorted((str(k), v) for k, v in (contact.ivr_data or {}).items()),
        "sla_deadline": sla_deadline(contact),
        "unknown": card is None and not contact.candidates,
    }


def search(query: str, who: Principal) -> list[dict[str, Any]]:
    """Customers to link an unknown caller to (name, phone, e-mail or cédula)."""
    return [
        {"id": c.pk, "name": c.display_name, "national_id": masked_national_id(c.national_id)}
        for c in customers.search(query, limit=SHORT_LIST, reader=who.reader)
    ]


def search_one(customer_id: int, who: Principal) -> dict[str, Any] | None:
    """The customer with that number if the agent may see them (and they are not merged away
    or erased): what the desktop may link a contact to."""
    found = customers.readable(customer_id, who.reader)
    if found is None or found.erased_at is not None or found.merged_into_id is not None:
        return None
    return {"id": found.pk, "name": found.display_name}
