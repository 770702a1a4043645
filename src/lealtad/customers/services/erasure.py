"""Erasing a person from the customers context: the right to erasure (LOPDP art. 15, GDPR
art. 17) and the retention of lapsed prospects.

A use case of this context (it writes only its own tables). The customer row stays, nameless,
with ``erased_at`` set, so orders, contact counts and lifecycle figures keep their customer;
everything that identifies the person goes: profile fields, phones, emails, addresses,
identifiers (the deterministic identity index), consents, data-quality issues (they hold
the raw values received), household membership, the text of
every timeline step, identity reviews and the snapshots merges kept to be undone. Customers
merged into this one are the same person and are erased with it. The other contexts erase
their copies through their own services, with the values :func:`personal_values` lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lealtad.core import audit
from lealtad.core.redaction import ERASED, Redactor
from lealtad.customers import realtime
from lealtad.customers.models import (
    Address,
    Consent,
    ConsentChange,
    Customer,
    CustomerStanding,
    DataQualityIssue,
    Email,
    Household,
    HouseholdMember,
    Identifier,
    IdentityReview,
    Interaction,
    Merge,
    Phone,
)
from lealtad.customers.selectors.subject import family
from lealtad.customers.services.common import ChangeContext

# Profile fields emptied, with the value each takes.
_CLEARED: dict[str, Any] = {
    "given_names": "",
    "first_surname": "",
    "second_surname": "",
    "organization_name": "",
    "search_name": "",
    "national_id": "",
    "national_id_type": "",
    "national_id_valid": None,
    "gender": "",
    "marital_status": "",
    "birth_date": None,
    "income_band": "",
    "payment_methods": [],
    "purchase_motives": [],
    "health_insurance": "",
    "preferred_channel": "",
}


@dataclass
class Erasure:
    """What one erasure did: the customers it covered and how many rows of each kind."""

    customer_ids: list[int]
    counts: dict[str, int] = field(default_factory=dict)


def personal_values(customer_ids: list[int]) -> list[str]:
    """Every value that identifies the person, wherever a context may have copied it."""
    values: set[str] = set()
    for row in Customer.objects.filter(pk__in=customer_ids).values_list(
        "given_names",
        "first_surname",
        "second_surname",
        "organization_name",
        "display_name",
        "national_id",
        "health_insurance",
    ):
        values.update(row)
        values.add(" ".join(p for p in row[:3] if p))
    owned = Q(customer_id__in=customer_ids)
    values.update(Phone.objects.filter(owned).values_list("e164", flat=True))
    values.update(Phone.objects.filter(owned).values_list("raw", flat=True))
    values.update(Email.objects.filter(owned).values_list("address", flat=True))
    values.update(Identifier.objects.filter(owned).values_list("value", flat=True))
    for line1, line2 in Address.objects.filter(owned).values_list("line1", "line2"):
        values.update((line1, line2))
    for raw, corrected in DataQualityIssue.objects.filter(owned).values_list(
        "raw_value", "corrected_value"
    ):
        values.update((raw, corrected))
    return sorted(v for v in values if v and not v.startswith("#"))


def redactor_for(customer_ids: list[int]) -> Redactor:
    return Redactor(personal_values(customer_ids))


@transaction.atomic
def anonymize_customer(customer_id: int, ctx: ChangeContext) -> Erasure:
    """Erase the person behind ``customer_id`` (and the records merged into it) here.

    Idempotent: erasing an erased customer again removes whatever arrived since.
    """
    ids = family(customer_id)
    counts: dict[str, int] = {}
    profiled = (Phone, Email, Address, Identifier, Consent, ConsentChange, DataQualityIssue)
    for model in (*profiled, CustomerStanding):  # the standing: a profile of the person
        counts[model._meta.model_name or ""] = model.objects.filter(customer_id__in=ids).delete()[0]
    counts["household_member"] = _leave_households(ids)
    counts["interaction"] = Interaction.objects.filter(customer_id__in=ids).update(
        subject="", summary=""
    )
    reviews = IdentityReview.objects.filter(Q(customer_a__in=ids) | Q(customer_b__in=ids))
    counts["identity_review"] = reviews.delete()[0]
    counts["merge"] = Merge.objects.filter(Q(survivor__in=ids) | Q(absorbed__in=ids)).update(
        snapshot={"erased": True}, reason=ERASED, undo_reason=""
    )
    now = timezone.now()
    for customer in Customer.objects.filter(pk__in=ids):
        for name, value in _CLEARED.items():
            setattr(customer, name, value)
        customer.display_name = f"#{customer.pk}"
        customer.erased_at = customer.erased_at or now
        customer.save()
    ctx.audit("erase", "customer", customer_id, {"erased": [None, True]}, customer_id)
    ctx.announce("customer.erased", customer_id, {"customer_ids": ids})
    transaction.on_commit(realtime.forget)
    return Erasure(ids, counts)


def _leave_households(ids: list[int]) -> int:
    """Membership goes; a household left with no member goes with it."""
    households = list(
        HouseholdMember.objects.filter(customer_id__in=ids).values_list("household_id", flat=True)
    )
    removed = HouseholdMember.objects.filter(customer_id__in=ids).delete()[0]
    Household.objects.filter(pk__in=households, members=None).delete()
    return removed


@transaction.atomic
def clear_interaction_texts(ids: list[int], ctx: ChangeContext) -> int:
    """Retention of contact bodies: the steps stay on the timeline (when, channel, kind) for
    the counts; their subject and summary go."""
    cleared = 0
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        cleared += Interaction.objects.filter(pk__in=part).update(subject="", summary="")
    if cleared:
        audit.record(ctx.actor, "retention", "interaction", "*", {"cleared": [None, cleared]})
    return cleared
