"""Reads for the merge page and the customer's Merges card."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from lealtad.core import sections
from lealtad.core.rules import Reader
from lealtad.customers.models import Customer, Identifier, Interaction, Merge
from lealtad.customers.selectors import _identifiers


@dataclass
class MergeSide:
    """One of the two records as a person compares it before merging."""

    customer: Customer
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    addresses: int = 0
    interactions: int = 0
    orders: int = 0
    cases: int = 0


def merge_side(
    customer: Customer, capabilities: frozenset[Any], reader: Reader | None
) -> MergeSide:
    """Contact points, identifiers and how much history hangs on the record: orders and cases
    come from their contexts' sections of the 360 (the reader's capabilities apply)."""
    found = sections.collect(customer.pk, capabilities)
    return MergeSide(
        customer=customer,
        phones=list(customer.phones.order_by("-is_primary", "pk").values_list("e164", flat=True)),
        emails=list(
            customer.emails.order_by("-is_primary", "pk").values_list("address", flat=True)
        ),
        identifiers=_identifiers(customer, reader),  # a card number shown as the rules say
        addresses=customer.addresses.count(),
        interactions=Interaction.objects.filter(customer=customer).count(),
        orders=len(found.get("orders", [])),
        cases=len(found.get("cases", [])),
    )


def merges_into(customer: Customer) -> QuerySet[Merge]:
    """The merges that folded another record into this one, newest first."""
    return (
        Merge.objects.filter(survivor=customer)
        .select_related("absorbed")
        .order_by("-performed_at", "-pk")
    )
