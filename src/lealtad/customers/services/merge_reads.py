"""What a chunk of merges reads before it works them out: a few set-based queries for
thousands of customers, each giving every customer's rows at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, models
from django.db.models.expressions import RawSQL

from lealtad.core.models import AuditEntry
from lealtad.customers.models import Consent, Customer, IdentityReview

ID_BATCH = 1000  # ids per ``IN (…)``


@dataclass
class ConsentRow:
    id: int
    customer_id: int
    channel: str
    purpose: str
    granted: bool
    updated_at: datetime

    def as_snapshot(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "purpose": self.purpose,
            "granted": self.granted,
            "updated_at": self.updated_at.isoformat(),
        }


def batches(ids: Sequence[int], size: int = ID_BATCH) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _of_customers(ids: Sequence[int], column: str = "customer_id") -> Iterator[RawSQL]:
    """``column IN (…)`` over ``ids``, a batch at a time. The ids are our own integers,
    written into the SQL: the ORM's ``__in`` prepares each value through its field, which
    costs more than reading the rows when a dedupe names every customer of the base."""
    quoted = connection.ops.quote_name(column)
    for part in batches(ids):
        listed = ",".join(str(int(i)) for i in part)
        yield RawSQL(f"{quoted} IN ({listed})", [], output_field=models.BooleanField())


def locked_customers(ids: list[int]) -> dict[int, Customer]:
    """The customers, locked until the chunk commits (in id order, so two runs never
    deadlock; on SQLite the write transaction already excludes every other writer)."""
    out: dict[int, Customer] = {}
    for of in _of_customers(ids, "id"):
        out.update(
            (c.pk, c) for c in Customer.objects.select_for_update().filter(of).order_by("pk")
        )
    return out


def profile_entries(ids: list[int]) -> dict[int, list[tuple[Any, str, datetime]]]:
    """Each customer's audit entries that set profile fields, oldest first (what
    :func:`~.golden_record.provenance_of` reads)."""
    entries: dict[int, list[tuple[Any, str, datetime]]] = defaultdict(list)
    for of in _of_customers(ids):
        rows = (
            AuditEntry.objects.filter(of, entity_type="customer", action__in=["update", "merge"])
            .order_by("occurred_at", "id")
            .values_list("customer_id", "changes", "channel", "occurred_at")
        )
        for customer_id, changes, channel, occurred_at in rows:
            entries[customer_id or 0].append((changes, channel, occurred_at))
    return entries


def consents(ids: list[int]) -> dict[int, dict[tuple[str, str], ConsentRow]]:
    out: dict[int, dict[tuple[str, str], ConsentRow]] = defaultdict(dict)
    fields = ("id", "customer_id", "channel", "purpose", "granted", "updated_at")
    for of in _of_customers(ids):
        for values in Consent.objects.filter(of).values_list(*fields):
            row = ConsentRow(*values)
            out[row.customer_id][(row.channel, row.purpose)] = row
    return out


def grouped(
    model: type[models.Model],
    ids: list[int],
    *fields: str,
    order: Sequence[str] | None = None,
) -> dict[int, list[Any]]:
    """``fields`` of each customer's rows, in the model's own order (the order a merge lists
    what moved)."""
    out: dict[int, list[Any]] = defaultdict(list)
    for of in _of_customers(ids):
        rows = model._default_manager.filter(of)
        if order is not None:
            rows = rows.order_by(*order)
        for customer_id, *values in rows.values_list("customer_id", *fields):
            out[customer_id].append(values[0] if len(values) == 1 else tuple(values))
    return out


def open_reviews(ids: set[int]) -> list[tuple[int, int, int]]:
    """Open or deferred reviews between two of ``ids``: (id, customer a, customer b)."""
    out = []
    for of in _of_customers(sorted(ids), "customer_a_id"):
        rows = IdentityReview.objects.filter(of, status__in=["open", "deferred"])
        out += [
            r
            for r in rows.values_list("pk", "customer_a_id", "customer_b_id")
            if r[1] in ids and r[2] in ids
        ]
    return out


def plain(values: dict[str, Any]) -> dict[str, Any]:
    """A customer's column values as JSON (what :func:`audit.jsonable` makes of them)."""
    return {
        name: value.isoformat()
        if isinstance(value, date)
        else list(value)
        if isinstance(value, list)
        else value
        for name, value in values.items()
    }


def consent_snapshot(consents: dict[tuple[str, str], ConsentRow]) -> list[dict[str, Any]]:
    return [consents[key].as_snapshot() for key in sorted(consents)]
