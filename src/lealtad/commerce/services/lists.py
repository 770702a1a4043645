"""Carts, shopping lists and gift registries: lines a customer keeps on any channel."""

from __future__ import annotations

from django.db import transaction

from lealtad.commerce.models import CustomerList, ListItem, Variant
from lealtad.commerce.schemas import ListIn, ListItemIn
from lealtad.commerce.services.common import (
    Conflict,
    NotFound,
    SaleContext,
    live_customer,
)


@transaction.atomic
def create_list(data: ListIn, ctx: SaleContext) -> CustomerList:
    customer = live_customer(data.customer_id)
    row = CustomerList.objects.create(
        customer_id=customer.pk, kind=data.kind, name=data.name, channel=data.channel
    )
    ctx.audit("create_list", data.kind, row.pk, {"name": [None, data.name]}, customer.pk)
    ctx.announce(f"{data.kind}.created", f"LIST-{row.pk}", customer.pk, {"list": row.pk})
    return row


@transaction.atomic
def set_item(owner: CustomerList, data: ListItemIn, ctx: SaleContext) -> ListItem | None:
    """Put ``quantity`` of a SKU on the list (0 takes it off); a checked-out cart is final."""
    if owner.order_id is not None:
        raise Conflict("this cart was checked out: it can no longer change")
    variant = Variant.objects.filter(sku=data.sku, active=True).first()
    if variant is None:
        raise NotFound(f"sku: unknown SKU {data.sku}")
    item = ListItem.objects.filter(owner=owner, variant=variant).first()
    before = item.quantity if item else 0
    if data.quantity == 0:
        if item:
            item.delete()
        item = None
    elif item is None:
        item = ListItem.objects.create(owner=owner, variant=variant, quantity=data.quantity)
    else:
        item.quantity = data.quantity
        item.save(update_fields=["quantity"])
    owner.save(update_fields=["updated_at"])
    if before != data.quantity:
        ctx.audit(
            "set_list_item",
            owner.kind,
            owner.pk,
            {data.sku: [before, data.quantity]},
            owner.customer_id,
        )
    return item
