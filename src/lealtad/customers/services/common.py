"""Shared pieces of the customers context's writes: the change context every use case
takes (who acts, on which channel, into which batch), naming and the batch's pending rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lealtad.core import audit, hub
from lealtad.core.audit import Actor
from lealtad.core.db import insert_new, new_row
from lealtad.core.envelope import CustomerRef
from lealtad.core.models import AuditEntry
from lealtad.core.normalize import fold
from lealtad.core.write_batch import WriteBatch
from lealtad.customers.models import (
    Customer,
)
from lealtad.customers.names import display_name, split_full_name
from lealtad.customers.schemas import PROFILE_FIELDS, CustomerProfile


def _naming(customer: Customer) -> None:
    customer.display_name = display_name(
        customer.given_names,
        customer.first_surname,
        customer.second_surname,
        customer.organization_name,
    )[:250] or str(customer.pk or "")
    customer.search_name = fold(customer.display_name)


def _snapshot(customer: Customer, fields: Sequence[str] = PROFILE_FIELDS) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in fields}


def build_customer(
    pk: int, ref: CustomerRef, occurred_at: datetime, channel: str, actor: Actor
) -> Customer:
    """A new customer as its first event names it, with its reserved id (see
    :func:`lealtad.core.db.reserve_ids`); written when its batch is flushed."""
    given, first, second = split_full_name(ref.name or "")
    customer = new_row(
        Customer,
        id=pk,
        given_names=given[:120],
        first_surname=first[:80],
        second_surname=second[:80],
        first_contact_at=occurred_at,
        first_contact_channel=channel,
        created_by=actor.label,
    )
    if ref.national_id:
        _set_national_id(customer, ref.national_id, ref.national_id_type or "")
    _naming(customer)
    if not customer.display_name:
        customer.display_name = f"#{customer.pk}"
    return customer


def _set_national_id(customer: Customer, value: str, id_type: str) -> None:
    from lealtad.core.normalize import national_id

    parsed = national_id(value, id_type)
    customer.national_id = parsed.value
    customer.national_id_type = parsed.type
    customer.national_id_valid = parsed.valid


@dataclass(frozen=True)
class ChangeContext:
    actor: Actor
    event_id: str = ""
    channel: str = ""
    batch: WriteBatch | None = None  # collects audit entries and events (see core.write_batch)

    def audit(self, action: str, entity: str, entity_id: Any, changes: dict, customer_id: int):
        entry = audit.build(
            self.actor,
            action,
            entity,
            entity_id,
            changes,
            customer_id=customer_id,
            event_id=self.event_id,
            channel=self.channel,
        )
        self.keep([entry], [])

    def announce(self, event_type: str, customer_id: int, payload: dict[str, Any]) -> None:
        self.keep([], [self.announcement(event_type, customer_id, payload)])

    def announcement(
        self, event_type: str, customer_id: int | None, payload: dict[str, Any]
    ) -> hub.Announcement:
        """An event of this change, its id derived from the event that caused it; one about
        many customers (``customer_id`` None) carries no customer."""
        body = audit.jsonable(payload)
        return hub.Announcement(
            event_type,
            body if customer_id is None else {"customer_id": customer_id, **body},
            f"{self.event_id or 'local'}#{event_type}#{uuid.uuid4().hex[:12]}",
            self.channel,
            customer_id,
        )

    def keep(self, entries: list[AuditEntry], announcements: list[hub.Announcement]) -> None:
        """Write audit entries and announce events: now, or with the batch this change is
        part of (one writer for both, so a merge or an edit reads the same either way)."""
        if self.batch is not None:
            self.batch.entries.extend(entries)
            self.batch.announcements.extend(announcements)
            return
        insert_new(entries)  # the rows ``save`` wrote, without its machinery (see core.db)
        if announcements:
            hub.publish_many(announcements)


EDITABLE_FIELDS = (*PROFILE_FIELDS, "national_id", "national_id_type")


def _storable(name: str, value: Any) -> Any:
    """An explicit null clears a field: empty text or list where the column holds no null."""
    field = Customer._meta.get_field(name)
    if value is None and not getattr(field, "null", False):
        return [] if name in ("payment_methods", "purchase_motives") else ""
    return value


def _profile_changes(profile: CustomerProfile, ref: CustomerRef) -> dict[str, Any]:
    changes = {
        name: getattr(profile, name)
        for name in PROFILE_FIELDS
        if getattr(profile, name) is not None
    }
    # ``ref.name`` names a customer only when it is created: how a channel spells a known
    # customer ("JUAREZ O. RODRIGO") must not overwrite the record.
    if ref.national_id:
        changes["national_id"] = ref.national_id
        if profile.national_id_type:
            changes["national_id_type"] = profile.national_id_type
    return changes
