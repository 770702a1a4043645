"""Spare parts: stock per location with a minimum; taking parts below the minimum drafts a
purchase order to the part's supplier, and receiving that order restocks.

A part taken is refused whole when the location has too few (nothing written). At most one
open (draft or sent) purchase-order line per part and location: a second shortage before the
first order arrives adds nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.service.models import PartStock, PurchaseOrder, PurchaseOrderLine, SparePart
from lealtad.service.services.field_common import (
    FieldNotFound,
    FieldRefused,
    FieldState,
    announce,
    numbered,
    placeholder,
)

OPEN_PO = (PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.SENT)


@dataclass
class NewPart:
    sku: str
    name: str
    supplier: str
    unit_cost: Decimal
    reorder_quantity: int = 10


def save_part(new: NewPart) -> SparePart:
    if not new.sku.strip():
        raise FieldRefused(_("A part needs a SKU."), field="sku")
    if not new.supplier.strip():
        raise FieldRefused(_("A part needs a supplier."), field="supplier")
    if new.unit_cost < 0:
        raise FieldRefused(_("A cost cannot be negative."), field="unit_cost")
    if new.reorder_quantity < 1:
        raise FieldRefused(_("Order at least one unit."), field="reorder_quantity")
    part, _created = SparePart.objects.update_or_create(
        sku=new.sku.strip(),
        defaults={
            "name": new.name.strip() or new.sku.strip(),
            "supplier": new.supplier.strip(),
            "unit_cost": new.unit_cost,
            "reorder_quantity": new.reorder_quantity,
        },
    )
    return part


def _part(sku: str) -> SparePart:
    found = SparePart.objects.filter(sku=sku).first()
    if found is None:
        raise FieldNotFound(_("There is no spare part %(s)s."), field="part", s=sku)
    return found


def set_stock(sku: str, location: str, on_hand: int, minimum: int) -> PartStock:
    """Count a location's stock (an inventory) and its minimum."""
    if on_hand < 0:
        raise FieldRefused(_("Stock cannot be negative."), field="on_hand")
    if minimum < 0:
        raise FieldRefused(_("A minimum cannot be negative."), field="minimum")
    if not location.strip():
        raise FieldRefused(_("Stock is kept at a location."), field="location")
    part = _part(sku)
    row, _created = PartStock.objects.update_or_create(
        part=part, location=location.strip(), defaults={"on_hand": on_hand, "minimum": minimum}
    )
    return row


def take(sku: str, location: str, quantity: int) -> tuple[SparePart, PurchaseOrder | None]:
    """Take ``quantity`` units off ``location`` (inside the caller's transaction); the purchase
    order drafted or extended when the stock fell below its minimum."""
    if quantity < 1:
        raise FieldRefused(_("Use at least one unit."), field="quantity")
    part = _part(sku)
    row = PartStock.objects.select_for_update().filter(part=part, location=location).first()
    if row is None or row.on_hand < quantity:
        raise FieldState(
            _("Only %(n)s of %(s)s in stock at %(l)s."),
            field="quantity",
            n=row.on_hand if row else 0,
            s=sku,
            l=location,
        )
    PartStock.objects.filter(pk=row.pk).update(on_hand=F("on_hand") - quantity)
    row.on_hand -= quantity
    return part, reorder(row)


def reorder(row: PartStock) -> PurchaseOrder | None:
    """A line on the supplier's draft order for this location, unless one is already open."""
    if row.on_hand >= row.minimum:
        return None
    open_line = PurchaseOrderLine.objects.filter(
        part=row.part, order__location=row.location, order__status__in=OPEN_PO
    ).exists()
    if open_line:
        return None
    part = row.part
    order = (
        PurchaseOrder.objects.select_for_update()
        .filter(supplier=part.supplier, location=row.location, status=PurchaseOrder.Status.DRAFT)
        .first()
    )
    if order is None:
        order = PurchaseOrder.objects.create(
            number=placeholder(),
            supplier=part.supplier,
            location=row.location,
            created_at=timezone.now(),
        )
        numbered(order, "OC")
    quantity = max(part.reorder_quantity, row.minimum - row.on_hand)
    PurchaseOrderLine.objects.create(
        order=order, part=part, quantity=quantity, unit_cost=part.unit_cost
    )
    announce(
        "purchase_order.drafted",
        f"{order.number}:{part.sku}",
        {"order": order.number, "supplier": order.supplier, "sku": part.sku, "quantity": quantity},
    )
    return order


def _locked_po(number: str) -> PurchaseOrder:
    found = PurchaseOrder.objects.select_for_update().filter(number=number).first()
    if found is None:
        raise FieldNotFound(_("There is no purchase order %(n)s."), field="number", n=number)
    return found


def send_purchase_order(number: str, actor: Actor) -> PurchaseOrder:
    with transaction.atomic():
        order = _locked_po(number)
        if order.status != PurchaseOrder.Status.DRAFT:
            raise FieldState(
                _("Purchase order %(n)s is %(s)s, not a draft."),
                field="status",
                n=number,
                s=order.status,
            )
        order.status, order.sent_at = PurchaseOrder.Status.SENT, timezone.now()
        order.save(update_fields=["status", "sent_at"])
        announce("purchase_order.sent", order.number, {"order": number, "supplier": order.supplier})
    return order


def receive_purchase_order(number: str, actor: Actor) -> PurchaseOrder:
    """The supplier delivered: every line's units go on the order's location."""
    with transaction.atomic():
        order = _locked_po(number)
        if order.status == PurchaseOrder.Status.RECEIVED:
            raise FieldState(
                _("Purchase order %(n)s was already received."), field="status", n=number
            )
        for line in order.lines.select_related("part"):
            row, _created = PartStock.objects.select_for_update().get_or_create(
                part=line.part, location=order.location
            )
            PartStock.objects.filter(pk=row.pk).update(on_hand=F("on_hand") + line.quantity)
        order.status, order.received_at = PurchaseOrder.Status.RECEIVED, timezone.now()
        order.save(update_fields=["status", "received_at"])
        announce(
            "purchase_order.received",
            order.number,
            {"order": number, "supplier": order.supplier, "by": actor.label},
        )
    return order
