"""Stock movements: reserve, release, ship out, take back, receive.

No oversell, on SQLite and PostgreSQL alike. A reservation is one conditional update::

    UPDATE commerce_stock SET reserved = reserved + n
     WHERE id = ? AND on_hand >= reserved + n       -- i.e. on_hand - reserved >= n

and the row count says whether the units were there. It runs inside the order's transaction,
so a later failure (a declined card) gives the units back by rolling back. Rows are updated in
one documented order, **ascending stock id**, so two orders wanting the same rows queue on
the first one instead of deadlocking (PostgreSQL row locks; SQLite's IMMEDIATE transactions
already serialize writers). The check constraint ``stock_never_oversold`` (0 ≤ reserved ≤
on_hand) backs this in the schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import F

from lealtad.commerce.models import Location, Stock
from lealtad.commerce.services.common import OutOfStock


@dataclass(frozen=True)
class Hold:
    """Units of a variant to take from one stock row."""

    stock_id: int
    variant_id: int
    location_id: int
    quantity: int


def reserve(holds: Iterable[Hold]) -> None:
    """Reserve every hold or raise :class:`OutOfStock` (the caller's transaction rolls back).

    The statement is written out: it runs in every order's write transaction, and building
    it through the ORM cost more than running it."""
    sql = (
        f"UPDATE {Stock._meta.db_table} SET reserved = reserved + %s "
        "WHERE id = %s AND on_hand >= reserved + %s"
    )
    with connection.cursor() as cursor:
        for hold in sorted(holds, key=lambda h: h.stock_id):
            cursor.execute(sql, [hold.quantity, hold.stock_id, hold.quantity])
            if cursor.rowcount != 1:
                raise OutOfStock("another order took the last units first", retry=True)


def release(holds: Iterable[Hold]) -> None:
    """Give reserved units back (a cancelled order)."""
    for hold in sorted(holds, key=lambda h: h.stock_id):
        Stock.objects.filter(pk=hold.stock_id, reserved__gte=hold.quantity).update(
            reserved=F("reserved") - hold.quantity
        )


def take_out(variant_id: int, location_id: int, quantity: int) -> None:
    """Reserved units leave the building (shipped, collected, taken now)."""
    done = Stock.objects.filter(
        variant_id=variant_id, location_id=location_id, reserved__gte=quantity
    ).update(on_hand=F("on_hand") - quantity, reserved=F("reserved") - quantity)
    if done != 1:
        raise OutOfStock("these units were not reserved here")


def put_back(variant_id: int, location: Location, quantity: int) -> None:
    """Returned units go on the receiving location's shelf (a row is made if it had none)."""
    Stock.objects.get_or_create(variant_id=variant_id, location=location)
    Stock.objects.filter(variant_id=variant_id, location=location).update(
        on_hand=F("on_hand") + quantity
    )


def set_on_hand(variant_id: int, location: Location, on_hand: int) -> Stock:
    """A count or a delivery from the supplier sets the units on hand (never below reserved)."""
    if on_hand < 0:
        raise ValueError("units on hand cannot be negative")
    row, _ = Stock.objects.get_or_create(variant_id=variant_id, location=location)
    done = Stock.objects.filter(pk=row.pk, reserved__lte=on_hand).update(on_hand=on_hand)
    if done != 1:
        raise OutOfStock("more units are promised to open orders than that")
    row.refresh_from_db()
    return row


def take_available(variant_id: int, location_id: int, quantity: int) -> None:
    """Units not promised to anyone leave the building (a shipment sourced from another
    location than the one holding the order's reservation): one conditional update."""
    done = Stock.objects.filter(
        variant_id=variant_id, location_id=location_id, on_hand__gte=F("reserved") + quantity
    ).update(on_hand=F("on_hand") - quantity)
    if done != 1:
        raise OutOfStock("not enough units free at that location")
