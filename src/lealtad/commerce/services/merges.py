"""Following the customers context's merges: orders, returns, cards and lists move with them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.db import models, transaction

from lealtad.commerce.models import (
    CustomerList,
    CustomerRepoint,
    Exchange,
    Order,
    PaymentMethod,
    Return,
)

OWNED: tuple[type[models.Model], ...] = (Order, Return, Exchange, PaymentMethod, CustomerList)


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


@transaction.atomic
def follow_merges(merges: Sequence[Mapping[str, Any]]) -> int:
    """Re-point the commerce rows of a batch of merges (``customer.merged_batch``), a few
    queries for the whole batch; each merge gets its own :class:`CustomerRepoint`, so
    :func:`follow_unmerge` undoes any of them. Merges already followed are skipped; returns
    how many were followed now."""
    followed: set[int] = set()
    for part in _batches([int(m["merge_id"]) for m in merges]):
        found = CustomerRepoint.objects.filter(merge_id__in=part)
        followed.update(found.values_list("merge_id", flat=True))
    todo = [m for m in merges if int(m["merge_id"]) not in followed]
    if not todo:
        return 0
    customers = sorted({int(m[k]) for m in todo for k in ("survivor_id", "absorbed_id")})
    held = {model: _rows_by_customer(model, customers) for model in OWNED}
    owner: dict[type[models.Model], dict[int, int]] = {model: {} for model in OWNED}
    records = []
    for m in todo:  # in order: a later merge may absorb an earlier one's survivor
        survivor, absorbed = int(m["survivor_id"]), int(m["absorbed_id"])
        moved: dict[str, list[int]] = {}
        for model in OWNED:
            rows = held[model].pop(absorbed, [])
            held[model].setdefault(survivor, []).extend(rows)
            owner[model].update(dict.fromkeys(rows, survivor))
            moved[model.__name__] = rows
        records.append(
            CustomerRepoint(
                merge_id=int(m["merge_id"]),
                from_customer_id=absorbed,
                to_customer_id=survivor,
                moved=moved,
            )
        )
    for model, new_owner in owner.items():
        _repoint(model, new_owner)
    CustomerRepoint.objects.bulk_create(records, batch_size=1000)
    return len(records)


def _batches(ids: Sequence[int], size: int = 500) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _rows_by_customer(model: type[models.Model], customers: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for part in _batches(customers):
        rows = model._default_manager.filter(customer_id__in=part).order_by("pk")
        for pk, customer_id in rows.values_list("pk", "customer_id"):
            out[customer_id].append(pk)
    return out


def _repoint(model: type[models.Model], owner: dict[int, int]) -> None:
    """One UPDATE per new owner (most absorbed customers have no commerce rows at all)."""
    by_owner: dict[int, list[int]] = defaultdict(list)
    for row, customer_id in owner.items():
        by_owner[customer_id].append(row)
    for customer_id, rows in by_owner.items():
        for part in _batches(rows):
            model._default_manager.filter(pk__in=part).update(customer_id=customer_id)
