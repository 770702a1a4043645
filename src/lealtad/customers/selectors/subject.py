"""Everything the customers context holds about one person, for access and portability.

Read-only, JSON-ready, in the customer's own words (the values as stored, choices as codes so
another system can read them). Records merged into the customer are the same person: their
rows are included and named in ``merged_records``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q

from lealtad.core.audit import jsonable
from lealtad.core.models import AuditEntry
from lealtad.customers.models import (
    Address,
    ChannelActivity,
    Consent,
    ConsentChange,
    Customer,
    DataQualityIssue,
    Email,
    HouseholdMember,
    Identifier,
    IdentityReview,
    Interaction,
    Merge,
    Phone,
)

PROFILE = (
    "id",
    "kind",
    "given_names",
    "first_surname",
    "second_surname",
    "organization_name",
    "display_name",
    "national_id",
    "national_id_type",
    "national_id_valid",
    "gender",
    "language",
    "marital_status",
    "birth_date",
    "income_band",
    "payment_methods",
    "purchase_motives",
    "health_insurance",
    "preferred_channel",
    "lifecycle_status",
    "first_contact_at",
    "first_contact_channel",
    "created_at",
    "created_by",
    "updated_at",
)


def family(customer_id: int) -> list[int]:
    """The customer and every record merged into it, at any depth: one person."""
    found = [customer_id]
    frontier = [customer_id]
    while frontier:
        frontier = list(
            Customer.objects.filter(merged_into__in=frontier).values_list("pk", flat=True)
        )
        found += [pk for pk in frontier if pk not in found]
    return sorted(found)


def _rows(queryset: Any, *fields: str) -> list[dict[str, Any]]:
    return [jsonable(row) for row in queryset.values(*fields)]


def customer_record(customer_id: int) -> dict[str, Any]:
    """The profile, contact points, identifiers, households, timeline, consents with their
    history, channel counts, identity reviews and merges of the person behind the id."""
    ids = family(customer_id)
    mine = Q(customer_id__in=ids)
    profile = Customer.objects.filter(pk=customer_id).values(*PROFILE).first() or {}
    return {
        "profile": jsonable(profile),
        "merged_records": [i for i in ids if i != customer_id],
        **_contact_points(mine),
        **_timeline_and_consents(mine),
        **_identity_history(ids),
    }


def _contact_points(mine: Q) -> dict[str, Any]:
    return {
        "phones": _rows(Phone.objects.filter(mine), "e164", "raw", "kind", "is_mobile", "source"),
        "emails": _rows(Email.objects.filter(mine), "address", "is_primary", "source"),
        "addresses": _rows(
            Address.objects.filter(mine),
            "kind",
            "line1",
            "line2",
            "city",
            "region",
            "postal_code",
            "country",
            "valid_from",
            "valid_to",
            "source",
        ),
        "identifiers": _rows(Identifier.objects.filter(mine), "kind", "system", "value"),
        "households": _rows(
            HouseholdMember.objects.filter(mine), "household__name", "role", "household_id"
        ),
    }


def _timeline_and_consents(mine: Q) -> dict[str, Any]:
    return {
        "timeline": _rows(
            Interaction.objects.filter(mine).order_by("occurred_at", "id"),
            "occurred_at",
            "channel",
            "kind",
            "direction",
            "subject",
            "summary",
            "agent",
            "location",
            "related_type",
            "related_id",
        ),
        "consents": _rows(
            Consent.objects.filter(mine), "channel", "purpose", "granted", "updated_at"
        ),
        "consent_history": _rows(
            ConsentChange.objects.filter(mine).order_by("recorded_at", "id"),
            "channel",
            "purpose",
            "granted",
            "recorded_at",
            "recorded_by",
            "method",
            "source_channel",
        ),
        "data_quality_issues": _rows(
            DataQualityIssue.objects.filter(mine),
            "field",
            "raw_value",
            "reason",
            "status",
            "corrected_value",
            "created_at",
        ),
        "channel_activity": _rows(
            ChannelActivity.objects.filter(mine), "channel", "contacts", "last_contact_at"
        ),
    }


def _identity_history(ids: list[int]) -> dict[str, Any]:
    """A review or merge names the person on either side of a pair, so these take the ids
    rather than the ``mine`` filter."""
    return {
        "identity_reviews": _rows(
            IdentityReview.objects.filter(Q(customer_a__in=ids) | Q(customer_b__in=ids)),
            "customer_a_id",
            "customer_b_id",
            "reason",
            "status",
            "created_at",
            "decided_at",
            "decided_by",
        ),
        "merges": _rows(
            Merge.objects.filter(Q(survivor__in=ids) | Q(absorbed__in=ids)),
            "survivor_id",
            "absorbed_id",
            "reason",
            "performed_by_label",
            "performed_at",
            "undone_at",
        ),
        "audit": _rows(
            AuditEntry.objects.filter(customer_id__in=ids).order_by("occurred_at", "id"),
            "occurred_at",
            "actor_label",
            "channel",
            "action",
            "entity_type",
            "entity_id",
            "changes",
        ),
    }


def display_names(ids: list[int]) -> dict[int, str]:
    """Names for lists of requests (an erased customer shows its number)."""
    return dict(Customer.objects.filter(pk__in=ids).values_list("pk", "display_name"))


# Retention: what a policy would remove ---------------------------------------------------------


def interactions_with_text_before(cutoff: datetime) -> list[tuple[int, str]]:
    """Timeline steps older than ``cutoff`` that still carry a subject or summary, as
    ``(id, label)``; the label names no one (date, channel, customer number)."""
    rows = (
        Interaction.objects.filter(occurred_at__lt=cutoff)
        .exclude(subject="", summary="")
        .order_by("pk")
        .values_list("pk", "occurred_at", "channel", "customer_id")
    )
    return [(pk, f"{at:%Y-%m-%d} {channel} · customer #{cid}") for pk, at, channel, cid in rows]


def lapsed_prospects(cutoff: datetime) -> list[tuple[int, str]]:
    """Prospects (never customers) untouched since ``cutoff``: not created, changed or
    contacted since, not yet erased, not merged away; as ``(id, label)``."""
    recent = Interaction.objects.filter(customer_id=OuterRef("pk"), occurred_at__gte=cutoff)
    rows = (
        Customer.objects.filter(
            lifecycle_status="prospect",
            erased_at=None,
            merged_into=None,
            created_at__lt=cutoff,
            updated_at__lt=cutoff,
        )
        .exclude(Exists(recent))
        .order_by("pk")
        .values_list("pk", "updated_at")
    )
    return [(pk, f"customer #{pk} · last change {at:%Y-%m-%d}") for pk, at in rows]
