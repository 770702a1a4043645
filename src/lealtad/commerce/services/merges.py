"""Following the customers context's merges: orders, returns, cards and lists move with them."""

from __future__ import annotations

from django.db import models, transaction

from lealtad.commerce.models import (
    CustomerList,
    CustomerRepoint,
    Order,
    PaymentMethod,
    Return,
)

OWNED: tuple[type[models.Model], ...] = (Order, Return, PaymentMethod, CustomerList)


@transaction.atomic
def follow_merge(merge_id: int, survivor_id: int, absorbed_id: int) -> CustomerRepoint:
    """Re-point the absorbed customer's commerce rows to the survivor (once per merge)."""
    done = CustomerRepoint.objects.filter(merge_id=merge_id).first()
    if done is not None:
        return done
    moved: dict[str, list[int]] = {}
    for model in OWNED:
        rows = model._default_manager.filter(customer_id=absorbed_id)
        moved[model.__name__] = list(rows.values_list("pk", flat=True))
        rows.update(customer_id=survivor_id)
    return CustomerRepoint.objects.create(
        merge_id=merge_id, from_customer_id=absorbed_id, to_customer_id=survivor_id, moved=moved
    )


@transaction.atomic
def follow_unmerge(merge_id: int) -> None:
    """Move back exactly the rows the merge moved; rows made after it stay with the survivor."""
    record = CustomerRepoint.objects.select_for_update().filter(merge_id=merge_id).first()
    if record is None or record.undone:
        return
    by_name = {m.__name__: m for m in OWNED}
    for name, ids in record.moved.items():
        by_name[name]._default_manager.filter(pk__in=ids).update(
            customer_id=record.from_customer_id
        )
    record.undone = True
    record.save(update_fields=["undone"])
