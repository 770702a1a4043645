"""What every commerce use case shares: its errors and how it audits, announces and records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lealtad.core import audit, hub
from lealtad.core.audit import Actor

# Core's lean INSERT and SQLite writer queue, under the names commerce first gave them.
from lealtad.core.db import insert_new as insert_new
from lealtad.core.db import writer_turn as writer_turn
from lealtad.core.errors import DomainError
from lealtad.core.write_batch import WriteBatch
from lealtad.customers import selectors as customer_selectors
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import InteractionRecorded
from lealtad.customers.selectors import references as customer_references
from lealtad.customers.selectors.references import Customer


class CommerceError(DomainError):
    """A refused request: nothing was written. ``status`` (from the kind) is the HTTP answer."""

    code = "commerce_refused"


class Invalid(CommerceError):
    code = "commerce_invalid"


class NotFound(CommerceError):
    code = "commerce_not_found"
    kind = "not_found"


class Conflict(CommerceError):
    code = "commerce_conflict"
    kind = "conflict"


class OutOfStock(Conflict):
    """Not enough units where they were wanted; ``retry`` when another order took them first."""

    code = "out_of_stock"

    def __init__(self, message: str, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry


class PaymentFailed(CommerceError):
    code = "payment_failed"
    kind = "payment_declined"


@dataclass(frozen=True)
class SaleContext:
    """Who acts, on which channel, and (for inbound events) the event that asked."""

    actor: Actor
    channel: str
    event_id: str = ""
    batch: WriteBatch | None = None  # collects audit entries and events (see core.write_batch)

    def audit(
        self, action: str, entity: str, entity_id: Any, changes: dict, customer_id: int | None
    ) -> None:
        entry = audit.build(
            self.actor,
            action,
            entity,
            entity_id,
            audit.jsonable(changes),
            customer_id=customer_id,
            event_id=self.event_id,
            channel=self.channel,
        )
        if self.batch is not None:
            self.batch.entries.append(entry)
        else:
            insert_new([entry])

    def announce(
        self, event_type: str, key: str, customer_id: int | None, payload: dict[str, Any]
    ) -> None:
        """An outbox row whose id is stable (``PED-… #order.placed``): repeats are recognisable."""
        announcement = hub.Announcement(
            event_type,
            audit.jsonable({"customer_id": customer_id, **payload}),
            f"{key}#{event_type}",
            self.channel,
            customer_id,
        )
        if self.batch is not None:
            self.batch.announcements.append(announcement)
        else:
            hub.publish_many([announcement])

    def timeline(
        self, customer: Customer, subject: str, related_type: str, related_id: str, where: str = ""
    ) -> None:
        customer_services.record_interaction(
            customer,
            InteractionRecorded(
                kind="order",
                direction="inbound",
                subject=subject[:200],
                agent=self.actor.label[:150],
                location=where[:150],
                related_type=related_type,
                related_id=related_id,
            ),
            customer_services.ChangeContext(self.actor, self.event_id, self.channel, self.batch),
        )


def live_customer(customer_id: int) -> Customer:
    """The customer (or, if merged, the one it was merged into)."""
    customer = customer_selectors.get_customer(customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    return customer.merged_into or customer


def customer_reference(customer_id: int) -> Customer:
    """The live customer (or, if merged, the one it was merged into) with only its id read;
    any other field is read on first use. Placing an order needs the id alone, and reading
    the whole profile (twice, with the survivor) cost a fifth of the placement."""
    customer = customer_references.live_reference(customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    return customer
