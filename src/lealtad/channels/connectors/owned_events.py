"""Event types the example connectors need and no context owns yet (commerce will take them
over): their payload schemas and the appliers that store them.

What each applier does, honestly:

* every type keeps the latest report per key in :class:`~lealtad.channels.models.ExternalRecord`
  (an invoice, an account balance, a reservation, a shipment), newer reports
  winning over older ones;
* types about a customer resolve the customer through the customers context (creating a
  prospect if no key is known, as every other event does) and announce the event on the hub;
  those marked ``timeline`` also add an interaction to the customer's timeline. The customers
  context is reached through the applier and payload model it registered with the core for
  ``interaction.recorded`` (:func:`_customers`), not imported: customers imports channels
  (its bulk import feeds the ingestion), so an import back would make a cycle;
* ``stock.level_reported`` is about no customer and sets commerce's stock: it lives in
  :mod:`.state_reports` (registered from here), applied as sets, a file chunk at a time.

:func:`register_missing` registers only the types no other context registered first, so when
commerce registers one of them, its own applier wins without a change here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from lealtad.channels.connectors import state_reports
from lealtad.channels.models import ExternalRecord
from lealtad.core import envelope
from lealtad.core.audit import Actor
from lealtad.core.db import upsert_rows
from lealtad.core.envelope import ValidEvent


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _currency() -> Any:
    return Field(default="USD", pattern=r"^[A-Z]{3}$")


class InvoiceIssued(_Strict):
    """``invoice.issued``: a channel (a store's POS, the web shop) issued an invoice."""

    invoice_number: str = Field(min_length=1, max_length=60)
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: str = _currency()
    issued_on: date
    due_on: date | None = None
    order_ref: str = Field(default="", max_length=80)
    location: str = Field(default="", max_length=150)


class PaymentReceived(_Strict):
    """``payment.received``: a channel took a payment from the customer."""

    payment_ref: str = Field(min_length=1, max_length=60)
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    currency: str = _currency()
    method: Literal["cash", "card", "transfer", "check", "other"] = "other"
    invoice_number: str = Field(default="", max_length=60)
    received_on: date | None = None


class AccountBalanceReported(_Strict):
    """``account.balance_reported``: the billing system's balance of a customer's account."""

    account: str = Field(min_length=1, max_length=60)
    balance: Decimal = Field(max_digits=14, decimal_places=2)
    currency: str = _currency()
    overdue: Decimal = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2)
    status: Literal["current", "overdue", "blocked", "closed"] = "current"
    as_of: date | None = None


class StockReservationRequested(_Strict):
    """``stock.reservation_requested``: a channel holds units of a SKU for a customer."""

    reservation_id: str = Field(min_length=1, max_length=60)
    sku: str = Field(min_length=1, max_length=64)
    location: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=10**6)
    hold_until: AwareDatetime | None = None


class ShipItem(_Strict):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=10**6)


class ShipTo(_Strict):
    name: str = Field(min_length=1, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field(default="", max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str = Field(default="", max_length=100)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="EC", pattern=r"^[A-Z]{2}$")
    phone: str = Field(default="", max_length=40)


class ShipmentRequested(_Strict):
    """``shipment.requested``: a channel asks for an order to be shipped to an address."""

    shipment_id: str = Field(min_length=1, max_length=60)
    order_ref: str = Field(default="", max_length=80)
    ship_to: ShipTo
    items: list[ShipItem] = Field(min_length=1, max_length=500)
    service: Literal["standard", "express", "same_day"] = "standard"


class ShipmentStatusReported(_Strict):
    """``shipment.status_reported``: the fulfilment house's news of a shipment."""

    shipment_id: str = Field(min_length=1, max_length=60)
    status: Literal["received", "picked", "shipped", "in_transit", "delivered", "failed"]
    carrier: str = Field(default="", max_length=80)
    tracking: str = Field(default="", max_length=80)
    order_ref: str = Field(default="", max_length=80)
    at: AwareDatetime | None = None
    note: str = Field(default="", max_length=500)


# Appliers ----------------------------------------------------------------------------------------

Timeline = Callable[[Any], tuple[str, str]]  # payload → (kind, subject)


@dataclass(frozen=True)
class Owned:
    name: str
    model: type[BaseModel]
    kind: str  # ExternalRecord.kind
    key: Callable[[Any], str]
    description: str
    timeline: Timeline | None = None


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


OWNED: tuple[Owned, ...] = (
    Owned(
        "invoice.issued",
        InvoiceIssued,
        "invoice",
        lambda p: p.invoice_number,
        InvoiceIssued.__doc__ or "",
        lambda p: ("invoice", f"Factura {p.invoice_number} por {_money(p.amount, p.currency)}"),
    ),
    Owned(
        "payment.received",
        PaymentReceived,
        "payment",
        lambda p: p.payment_ref,
        PaymentReceived.__doc__ or "",
        lambda p: ("payment", f"Pago {p.payment_ref} de {_money(p.amount, p.currency)}"),
    ),
    Owned(
        "account.balance_reported",
        AccountBalanceReported,
        "account_balance",
        lambda p: p.account,
        AccountBalanceReported.__doc__ or "",
    ),
    Owned(
        "stock.reservation_requested",
        StockReservationRequested,
        "reservation",
        lambda p: p.reservation_id,
        StockReservationRequested.__doc__ or "",
        lambda p: ("reservation", f"Reserva de {p.quantity} u. de {p.sku} en {p.location}"),
    ),
    Owned(
        "shipment.requested",
        ShipmentRequested,
        "shipment_request",
        lambda p: p.shipment_id,
        ShipmentRequested.__doc__ or "",
        lambda p: ("shipment", f"Envío {p.shipment_id} solicitado a {p.ship_to.city}"),
    ),
    Owned(
        "shipment.status_reported",
        ShipmentStatusReported,
        "shipment",
        lambda p: p.shipment_id,
        ShipmentStatusReported.__doc__ or "",
        lambda p: ("shipment", f"Envío {p.shipment_id}: {p.status.replace('_', ' ')}"),
    ),
)
NOT_ABOUT_CUSTOMER = frozenset([state_reports.STOCK_LEVEL])
CUSTOMER_CONTACT = "interaction.recorded"


def register_missing() -> list[str]:
    """Register the owned types no other context registered; return their names."""
    done = state_reports.register_missing()
    for owned in OWNED:
        if envelope.event_type(owned.name) is None:
            envelope.register(owned.name, owned.model, _applier(owned), owned.description)
            done.append(owned.name)
    return done


def _applier(owned: Owned) -> envelope.Applier:
    def apply(events: Sequence[ValidEvent], actor: Actor) -> list[int]:
        ids = _customers().apply(_for_customers(owned, events), actor)
        _keep(owned, events, ids)
        return ids

    apply.__qualname__ = f"apply_{owned.kind}"
    return apply


def _for_customers(owned: Owned, events: Sequence[ValidEvent]) -> list[ValidEvent]:
    """The events as the customers context applies them: the hub announces the validated
    payload (defaults filled in); with a timeline, each is recorded as an interaction too."""
    out = []
    note_model = _customers().payload_model  # the customers context's InteractionRecorded
    for event in events:
        announced = _validated(event)
        if owned.timeline is None:
            out.append(ValidEvent(announced, event.payload))
            continue
        kind, subject = owned.timeline(event.payload)
        note = note_model(
            kind=kind,
            direction="inbound",
            subject=subject[:200],
            related_type=owned.kind,
            related_id=owned.key(event.payload)[:80],
        )
        out.append(ValidEvent(announced, note))
    return out


def _customers() -> envelope.EventType:
    """The customers context's ``interaction.recorded``: its applier resolves each event's
    customer, records the interaction it carries (if any) and announces the event."""
    registered = envelope.event_type(CUSTOMER_CONTACT)
    if registered is None:  # the customers app registers it at start-up (its events module)
        raise LookupError(f"no context registered {CUSTOMER_CONTACT!r}: is customers installed?")
    return registered


def _validated(event: ValidEvent) -> envelope.Envelope:
    return event.envelope.model_copy(update={"payload": event.payload.model_dump(mode="json")})


_COLUMNS = ("system", "kind", "key", "customer_id", "data", "event_id", "occurred_at", "updated_at")


def _keep(
    owned: Owned,
    events: Sequence[ValidEvent],
    ids: Sequence[int | None],
    payloads: Sequence[dict[str, Any]] | None = None,
) -> None:
    """Upsert the latest report per (system, kind, key); an older report changes nothing."""
    if payloads is None:
        payloads = [e.payload.model_dump(mode="json") for e in events]
    now = timezone.now()
    rows = [
        (
            e.envelope.channel,
            owned.kind,
            _key(owned.key(e.payload)),
            cid,
            payload,
            e.envelope.id,
            e.envelope.occurred_at,
            now,
        )
        for e, cid, payload in zip(events, ids, payloads, strict=True)
    ]
    upsert_rows(
        ExternalRecord,
        _COLUMNS,
        rows,
        key=_COLUMNS[:3],
        when="excluded.occurred_at >= {table}.occurred_at",
    )


def _key(key: str) -> str:
    return key if len(key) <= 200 else hashlib.sha256(key.encode()).hexdigest()


def latest(system: str, kind: str, key: str) -> dict[str, Any] | None:
    """What ``system`` last reported for ``key`` (a selector for tests and other contexts)."""
    row = ExternalRecord.objects.filter(system=system, kind=kind, key=key).first()
    return None if row is None else {"data": row.data, "customer_id": row.customer_id}
