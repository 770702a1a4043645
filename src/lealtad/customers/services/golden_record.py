"""The golden record of two customers who are one person: field by field, the value the
survivorship rules keep (see :mod:`lealtad.customers.survivorship`), knowing which channel set
each value and when. Shared by the merge and by the merge page's preview, so what a person
is shown is what the merge does."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings

from lealtad.customers import survivorship
from lealtad.customers.models import Customer
from lealtad.customers.services.common import EDITABLE_FIELDS

Provenance = dict[str, tuple[str, datetime | None]]
RESTORED_FIELDS = (*EDITABLE_FIELDS, "first_contact_at", "first_contact_channel")
_EMPTY: tuple[Any, ...] = (None, "", [])  # what survivorship never chooses


def survivorship_rules() -> survivorship.Rules:
    return survivorship.Rules(
        order=tuple(settings.LEALTAD_SURVIVORSHIP_RULES),
        sources=tuple(settings.LEALTAD_SURVIVORSHIP_SOURCES),
    )


def provenance(customer: Customer) -> Provenance:
    """For each profile field, the channel that last set it and when (from the audit trail)."""
    from lealtad.core.models import AuditEntry

    entries = AuditEntry.objects.filter(
        customer_id=customer.pk, entity_type="customer", action__in=["update", "merge"]
    ).order_by("occurred_at", "id")
    return provenance_of(customer, entries.values_list("changes", "channel", "occurred_at"))


def provenance_of(customer: Customer, entries: Iterable[tuple[Any, str, datetime]]) -> Provenance:
    """For each profile field, the channel that last set it and when: the customer's first
    contact, overridden by its ``update``/``merge`` audit entries (``changes, channel,
    occurred_at``, oldest first)."""
    found: Provenance = {
        name: (customer.first_contact_channel, customer.created_at) for name in EDITABLE_FIELDS
    }
    for changes, channel, occurred_at in entries:
        for name in changes:
            if name in found:
                found[name] = (channel, occurred_at)
    return found


def fold_profile(
    survivor: Customer,
    absorbed: Customer,
    mine: Provenance,
    theirs: Provenance,
    rules: survivorship.Rules,
) -> None:
    """Give ``survivor`` the golden record of the two, field by field, and the earlier first
    contact."""
    for name in EDITABLE_FIELDS:
        offered = getattr(absorbed, name)
        if offered in _EMPTY or offered == getattr(survivor, name):
            continue  # nothing the rules could change
        winner = survivorship.choose(
            name,
            [
                survivorship.Candidate(getattr(survivor, name), *mine[name], is_survivor=True),
                survivorship.Candidate(offered, *theirs[name]),
            ],
            rules,
        )
        if winner is not None:
            setattr(survivor, name, winner.value)
    if absorbed.first_contact_at and (
        not survivor.first_contact_at or absorbed.first_contact_at < survivor.first_contact_at
    ):
        survivor.first_contact_at = absorbed.first_contact_at
        survivor.first_contact_channel = absorbed.first_contact_channel


def apply_choices(
    survivor: Customer, absorbed: Customer, before: dict[str, Any], chosen: dict[str, str]
) -> None:
    """A person's choices over the rules': each named field takes the value of the side they
    chose (``before`` is the survivor as it was before the rules ran)."""
    for name, side in chosen.items():
        setattr(survivor, name, before[name] if side == "survivor" else getattr(absorbed, name))
