"""Stock transfers between locations (a store asks the warehouse, a store sends to another).

Life of a transfer::

    requested ──ship──▶ in_transit ──receive──▶ received
        │ ──cancel──▶ cancelled

Units are never sold twice: on request they are *reserved* at the source with the same
conditional update orders use (so no order can take them, and a request for more than is free
is refused); on shipping they leave the source's shelf and are available nowhere while on the
road; on receipt they go on the destination's shelf. Units that did not arrive are recorded
as short (in the audit and the ``transfer.received`` event), not invented.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lealtad.commerce.models import Location, Stock, Transfer, TransferLine, Variant
from lealtad.commerce.schemas import TransferIn, TransferReceiveIn, TransferShipIn
from lealtad.commerce.services import stock
from lealtad.commerce.services.common import Conflict, NotFound, OutOfStock, SaleContext
from lealtad.commerce.services.placement import new_number


def get_transfer(number: str) -> Transfer:
    found = Transfer.objects.filter(number=number).first()
    if found is None:
        raise NotFound(f"no transfer {number}")
    return found


def request_transfer(data: TransferIn, ctx: SaleContext) -> tuple[Transfer, bool]:
    """Ask for units to move; ``(transfer, False)`` when the idempotency key was used."""
    if data.idempotency_key:
        found = Transfer.objects.filter(idempotency_key=data.idempotency_key).first()
        if found is not None:
            return found, False
    if data.from_location == data.to_location:
        # A rule between two fields, which JSON Schema cannot state: 409, as documented.
        raise Conflict("to_location: a transfer goes between two different locations")
    places = {
        loc.code: loc
        for loc in Location.objects.filter(
            code__in=[data.from_location, data.to_location], active=True
        )
    }
    for field, code in (("from_location", data.from_location), ("to_location", data.to_location)):
        if code not in places:
            raise NotFound(f"{field}: unknown location {code}")
    wanted: dict[str, int] = defaultdict(int)
    for line in data.lines:
        wanted[line.sku] += line.quantity
    variants = {v.sku: v for v in Variant.objects.filter(sku__in=wanted, active=True)}
    missing = sorted(set(wanted) - set(variants))
    if missing:
        raise NotFound(f"lines.sku: unknown SKU {', '.join(missing)}")
    try:
        with transaction.atomic():
            return (
                _request(
                    data,
                    places[data.from_location],
                    places[data.to_location],
                    wanted,
                    variants,
                    ctx,
                ),
                True,
            )
    except IntegrityError:
        found = (
            Transfer.objects.filter(idempotency_key=data.idempotency_key).first()
            if data.idempotency_key
            else None
        )
        if found is None:
            raise
        return found, False


def _request(
    data: TransferIn,
    source: Location,
    target: Location,
    wanted: dict[str, int],
    variants: dict[str, Variant],
    ctx: SaleContext,
) -> Transfer:
    rows = {
        r.variant_id: r
        for r in Stock.objects.filter(
            location=source, variant_id__in=[v.pk for v in variants.values()]
        )
    }
    holds = []
    for sku, quantity in wanted.items():
        row = rows.get(variants[sku].pk)
        free = row.available if row else 0
        if row is None or free < quantity:
            raise OutOfStock(f"{sku}: {quantity} wanted from {source.code}, {max(free, 0)} free")
        holds.append(stock.Hold(row.pk, row.variant_id, source.pk, quantity))
    try:
        stock.reserve(holds)
    except OutOfStock as exc:
        raise OutOfStock(f"an order took units at {source.code} first: {exc}") from exc
    transfer = Transfer.objects.create(
        number=new_number("TRF"),
        from_location=source,
        to_location=target,
        note=data.note,
        idempotency_key=data.idempotency_key,
        requested_at=timezone.now(),
        requested_by=ctx.actor.label[:150],
    )
    TransferLine.objects.bulk_create(
        [
            TransferLine(transfer=transfer, variant=variants[sku], quantity=quantity)
            for sku, quantity in wanted.items()
        ]
    )
    ctx.audit(
        "request_transfer",
        "transfer",
        transfer.number,
        {"status": [None, transfer.status], "lines": [None, dict(wanted)]},
        None,
    )
    ctx.announce("transfer.requested", transfer.number, None, payload(transfer))
    return transfer


def _move(transfer: Transfer, before: str, after: str, **fields: Any) -> Transfer:
    """Change the status only from the expected one: a repeated or racing request loses."""
    done = Transfer.objects.filter(pk=transfer.pk, status=before).update(status=after, **fields)
    if done != 1:
        transfer.refresh_from_db()
        raise Conflict(f"transfer {transfer.number} is {transfer.status}; this needs it {before}")
    transfer.refresh_from_db()
    return transfer


@transaction.atomic
def ship_transfer(transfer: Transfer, data: TransferShipIn, ctx: SaleContext) -> Transfer:
    """The units leave the source: off its shelf, and available nowhere until received."""
    transfer = _move(
        transfer,
        Transfer.Status.REQUESTED,
        Transfer.Status.IN_TRANSIT,
        carrier=data.carrier,
        tracking=data.tracking or new_number("TRK"),
        shipped_at=timezone.now(),
    )
    for line in transfer.lines.order_by("variant_id"):
        stock.take_out(line.variant_id, transfer.from_location_id, line.quantity)
    ctx.audit(
        "ship_transfer",
        "transfer",
        transfer.number,
        {"status": ["requested", "in_transit"], "tracking": [None, transfer.tracking]},
        None,
    )
    ctx.announce("transfer.shipped", transfer.number, None, payload(transfer))
    return transfer


@transaction.atomic
def receive_transfer(transfer: Transfer, data: TransferReceiveIn, ctx: SaleContext) -> Transfer:
    """What arrived goes on the destination's shelf; what did not is recorded as short."""
    lines = {line.variant.sku: line for line in transfer.lines.select_related("variant")}
    arrived = {sku: line.quantity for sku, line in lines.items()}
    if data.lines:
        arrived = dict.fromkeys(lines, 0)
        for item in data.lines:
            if item.sku not in lines:
                raise Conflict(f"{item.sku} is not on transfer {transfer.number}")
            arrived[item.sku] += item.quantity
        for sku, quantity in arrived.items():
            if quantity > lines[sku].quantity:
                raise Conflict(f"{sku}: {quantity} received but {lines[sku].quantity} were sent")
    transfer = _move(
        transfer,
        Transfer.Status.IN_TRANSIT,
        Transfer.Status.RECEIVED,
        received_at=timezone.now(),
    )
    short = {}
    for sku, line in lines.items():
        line.received = arrived[sku]
        line.save(update_fields=["received"])
        if line.received:
            stock.put_back(line.variant_id, transfer.to_location, line.received)
        if line.received < line.quantity:
            short[sku] = line.quantity - line.received
    ctx.audit(
        "receive_transfer",
        "transfer",
        transfer.number,
        {"status": ["in_transit", "received"], "received": [None, arrived], "short": [None, short]},
        None,
    )
    ctx.announce("transfer.received", transfer.number, None, {**payload(transfer), "short": short})
    return transfer


@transaction.atomic
def cancel_transfer(transfer: Transfer, ctx: SaleContext) -> Transfer:
    """A transfer not yet shipped is called off: the units held at the source are free again."""
    transfer = _move(transfer, Transfer.Status.REQUESTED, Transfer.Status.CANCELLED)
    held = {
        r.variant_id: r.pk
        for r in Stock.objects.filter(
            location_id=transfer.from_location_id,
            variant_id__in=transfer.lines.values_list("variant_id", flat=True),
        )
    }
    stock.release(
        stock.Hold(held[line.variant_id], line.variant_id, transfer.from_location_id, line.quantity)
        for line in transfer.lines.all()
    )
    ctx.audit(
        "cancel_transfer", "transfer", transfer.number, {"status": ["requested", "cancelled"]}, None
    )
    ctx.announce("transfer.cancelled", transfer.number, None, payload(transfer))
    return transfer


def payload(t: Transfer) -> dict[str, Any]:
    return {
        "transfer": t.number,
        "status": t.status,
        "from": t.from_location.code,
        "to": t.to_location.code,
        "carrier": t.carrier,
        "tracking": t.tracking,
        "note": t.note,
        "lines": [
            {"sku": line.variant.sku, "quantity": line.quantity, "received": line.received}
            for line in t.lines.select_related("variant")
        ],
    }
