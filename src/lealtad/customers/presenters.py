"""Plain-dict views of customer records for the API and exports (no ORM objects leak out)."""

from __future__ import annotations

from typing import Any

from lealtad.core import sections
from lealtad.customers.models import (
    Address,
    Consent,
    ConsentChange,
    Customer,
    Interaction,
    Merge,
)
from lealtad.customers.selectors.search_page import FoundCustomer


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def customer_summary(c: Customer) -> dict[str, Any]:
    return {
        "id": c.pk,
        "display_name": c.display_name,
        "kind": c.kind,
        "lifecycle_status": c.lifecycle_status,
        "national_id": c.national_id,
        "merged_into": c.merged_into_id,
    }


def found_customer(row: FoundCustomer) -> dict[str, Any]:
    """A search result: the summary and what tells namesakes apart (codes; the page shows
    words)."""
    return {
        **customer_summary(row.customer),
        "phone": row.phone,
        "city": row.city,
        "value_tier": row.tier_code,
        "last_contact_at": _iso(row.last_contact_at),
        "last_contact_channel": row.last_contact_channel_code,
    }


def customer_profile(c: Customer) -> dict[str, Any]:
    return {
        **customer_summary(c),
        "given_names": c.given_names,
        "first_surname": c.first_surname,
        "second_surname": c.second_surname,
        "organization_name": c.organization_name,
        "national_id_type": c.national_id_type,
        "national_id_valid": c.national_id_valid,
        "gender": c.gender,
        "language": c.language,
        "marital_status": c.marital_status,
        "birth_date": _iso(c.birth_date),
        "income_band": c.income_band,
        "payment_methods": c.payment_methods,
        "purchase_motives": c.purchase_motives,
        "health_insurance": c.health_insurance,
        "preferred_channel": c.preferred_channel,
        "first_contact_at": _iso(c.first_contact_at),
        "first_contact_channel": c.first_contact_channel,
        "created_at": _iso(c.created_at),
        "created_by": c.created_by,
        "updated_at": _iso(c.updated_at),
    }


def address(a: Address) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "line1": a.line1,
        "line2": a.line2,
        "city": a.city,
        "region": a.region,
        "postal_code": a.postal_code,
        "country": a.country,
        "valid_from": _iso(a.valid_from),
        "valid_to": _iso(a.valid_to),
    }


def interaction(i: Interaction) -> dict[str, Any]:
    return {
        "id": i.pk,
        "occurred_at": _iso(i.occurred_at),
        "channel": i.channel,
        "kind": i.kind,
        "direction": i.direction,
        "subject": i.subject,
        "summary": i.summary,
        "agent": i.agent,
        "location": i.location,
        "related": {"type": i.related_type, "id": i.related_id} if i.related_type else None,
    }


def consent(c: Consent) -> dict[str, Any]:
    return {
        "channel": c.channel,
        "purpose": c.purpose,
        "granted": c.granted,
        "updated_at": _iso(c.updated_at),
    }


def consent_change(c: ConsentChange) -> dict[str, Any]:
    return {
        "channel": c.channel,
        "purpose": c.purpose,
        "granted": c.granted,
        "recorded_at": _iso(c.recorded_at),
        "recorded_by": c.recorded_by,
        "method": c.method,
        "source_channel": c.source_channel,
        "proof": c.proof,
        "proof_reference": c.proof_reference,
        "status": c.status,
        "confirmed_at": _iso(c.confirmed_at),
    }


def view_360(view: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "profile": customer_profile(view["customer"]),
        "phones": [_phone(p) for p in view["phones"]],
        "emails": [{"address": e.address, "is_primary": e.is_primary} for e in view["emails"]],
        "addresses": [address(a) for a in view["addresses"]],
        "identifiers": [
            {"kind": i.kind, "system": i.system, "value": getattr(i, "shown_value", i.value)}
            for i in view["identifiers"]
        ],
        "households": view["households"],
        **{name: view[name] for name in sections.DEFAULT_SECTIONS},
        **{name: rows for name, rows in view.items() if name in sections.registered()},
        "hidden_sections": view["hidden"],
    }
    if "channels" in view:  # the channel summary; hidden from some roles (core.rules)
        out["channels"] = [_channel_activity(a) for a in view["channels"]]
    if "interactions" in view:
        out["interactions"] = [interaction(i) for i in view["interactions"]]
    if "consents" in view:
        out["consents"] = [consent(c) for c in view["consents"]]
        out["consent_history"] = [consent_change(c) for c in view["consent_history"]]
    if "audit" in view:
        out["audit"] = [_audit_entry(a) for a in view["audit"]]
    return out


def _phone(p: Any) -> dict[str, Any]:
    return {
        "e164": p.e164,
        "kind": p.kind,
        "is_mobile": p.is_mobile,
        "is_primary": p.is_primary,
        "validity": p.validity,
    }


def _channel_activity(a: Any) -> dict[str, Any]:
    return {
        "channel": a.channel,
        "contacts": a.contacts,
        "last_contact_at": _iso(a.last_contact_at),
    }


def _audit_entry(a: Any) -> dict[str, Any]:
    return {
        "occurred_at": _iso(a.occurred_at),
        "actor": a.actor_label,
        "channel": a.channel,
        "action": a.action,
        "entity": f"{a.entity_type}:{a.entity_id}",
        "changes": a.changes,
    }


def merge(m: Merge) -> dict[str, Any]:
    return {
        "id": m.pk,
        "survivor_id": m.survivor_id,
        "absorbed_id": m.absorbed_id,
        "reason": m.reason,
        "performed_by": m.performed_by_label,
        "performed_at": _iso(m.performed_at),
        "moved": {name: len(ids) for name, ids in m.moved.items()},
        "undone_at": _iso(m.undone_at),
        "undone_by": m.undone_by_label,
        "undo_reason": m.undo_reason,
    }
