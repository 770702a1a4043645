"""Light reads other contexts make of a customer they only refer to by id.

Commerce keeps a ``customer_id`` on its orders and reads, through these functions, the live
customer behind it (a merged one's survivor), the current address an order ships to, who an
inbound event's keys belong to and the customer's steps of a kind on the timeline: it never
queries the customers' tables itself. Each is one indexed query.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from lealtad.core.envelope import CustomerRef
from lealtad.customers import identity
from lealtad.customers.models import Address, Customer, Interaction

__all__ = [
    "Customer",
    "address_ids_by_kind",
    "current_address",
    "current_addresses",
    "current_cities",
    "interactions_of_kind",
    "live_reference",
    "owner_of",
]

SHIP_TO_FIELDS = ("kind", "line1", "line2", "city", "region", "postal_code", "country")


def live_reference(customer_id: int) -> Customer | None:
    """The live customer (a merged one's survivor) with only its id read; any other field is
    read on first use. Placing an order needs the id alone, and reading the whole profile
    (twice, with the survivor) cost a fifth of the placement."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, merged_into_id FROM {Customer._meta.db_table} WHERE id = %s",
            [customer_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return Customer.from_db(connection.alias, ["id"], [row[1] or row[0]])


def current_address(
    customer_id: int, address_id: int | None = None, kind: str | None = None
) -> dict[str, Any] | None:
    """A current address (by id, or the latest-starting of a kind; one with no start counts
    as the oldest) as an order keeps it: ``id`` and :data:`SHIP_TO_FIELDS`."""
    sql = (
        f"SELECT id, {', '.join(SHIP_TO_FIELDS)} FROM {Address._meta.db_table} "
        "WHERE customer_id = %s AND (valid_to IS NULL OR valid_to >= %s) AND "
    )
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    if address_id is not None:
        sql, params = sql + "id = %s", [customer_id, today, address_id]
    else:
        sql += "kind = %s ORDER BY valid_from IS NULL, valid_from DESC, id DESC LIMIT 1"
        params = [customer_id, today, kind]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else dict(zip(("id", *SHIP_TO_FIELDS), row, strict=True))


def current_addresses(customer_id: int) -> list[Address]:
    """The addresses on file that have not ended, for a clerk to ship to."""
    return list(Address.objects.filter(customer_id=customer_id, valid_to=None))


def address_ids_by_kind(customer_id: int) -> dict[str, int]:
    return {a.kind: a.pk for a in Address.objects.filter(customer_id=customer_id)}


def owner_of(ref: CustomerRef) -> int | None:
    """The customer owning the most trusted of the reference's keys, if any."""
    keys = identity.keys_of(ref)
    return identity.resolve(keys, identity.find_owners(keys)).customer_id


def interactions_of_kind(customer_id: int, kind: str) -> list[Interaction]:
    """The customer's timeline steps of one kind, oldest first."""
    found = Interaction.objects.filter(customer_id=customer_id, kind=kind)
    return list(found.order_by("occurred_at", "id"))


def current_cities(customer_ids: list[int]) -> dict[int, str]:
    """Each customer's city from an address on file that has not ended (the latest-starting
    one), for telling apart customers who share a name or a phone: one query."""
    found: dict[int, str] = {}
    rows = Address.objects.filter(customer_id__in=customer_ids, valid_to=None).exclude(city="")
    for customer_id, city in rows.order_by("customer_id", "-valid_from", "-id").values_list(
        "customer_id", "city"
    ):
        found.setdefault(customer_id, city)
    return found
