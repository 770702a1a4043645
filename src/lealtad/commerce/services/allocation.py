"""Where each line's units come from: the stock rows with units free, chosen per line
(explicit location, pickup store, the asking store, warehouses before stores), and for an
order another system took, reserved where there are units and kept on backorder elsewhere."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from lealtad.commerce import selectors
from lealtad.commerce.models import (
    Location,
    Stock,
)
from lealtad.commerce.services import stock
from lealtad.commerce.services.common import (
    OutOfStock,
)
from lealtad.commerce.services.order_plan import _Plan


@dataclass(frozen=True)
class _Allocation:
    holds: list[stock.Hold]
    chosen: list[Location | None]  # each line's location
    captured: bool = False  # a sale the asking store could not serve, made elsewhere


def _stock_rows(plan: _Plan, lock: bool = False) -> dict[int, list[list[Any]]]:
    """The plan's variants' stock rows with units free, at active locations, by variant:
    ``[stock id, location id, units free, location kind]``. ``lock``: inside the order's
    transaction, the rows locked in id order (PostgreSQL; SQLite's writer already is alone)."""
    ids = sorted({item.id for item, _, _ in plan.lines})
    s, loc = Stock._meta.db_table, Location._meta.db_table
    sql = (
        f"SELECT s.id, s.variant_id, s.location_id, s.on_hand - s.reserved, l.kind "
        f"FROM {s} s JOIN {loc} l ON l.id = s.location_id "
        f"WHERE l.active AND s.on_hand > s.reserved "
        f"AND s.variant_id IN ({', '.join(['%s'] * len(ids))})"
    )
    if lock:
        sql += " ORDER BY s.id"
        if connection.features.has_select_for_update_of:
            sql += " FOR UPDATE OF s"
    rows: dict[int, list[list[Any]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        for sid, vid, lid, free, kind in cursor.fetchall():
            rows[vid].append([sid, lid, free, kind])
    return rows


def _allocate(plan: _Plan, rows: dict[int, list[list[Any]]]) -> _Allocation:
    """Choose, for each line, the stock row its units come from.

    Explicit location, else the pickup store (pickup, take now), else for shipping: the
    asking store if it has them all, then warehouses before stores, most units first. A line
    is not split over locations.
    """
    origin_id = plan.origin.pk if plan.origin else None
    holds: list[stock.Hold] = []
    chosen: list[int] = []
    captured = False
    for variant, quantity, wanted in plan.lines:
        candidates = rows.get(variant.id, [])
        fixed = wanted or (plan.pickup if plan.fulfilment != "ship" else None)
        if fixed is not None:
            candidates = [c for c in candidates if c[1] == fixed.pk]
        else:
            candidates = sorted(
                candidates, key=lambda c: (c[1] != origin_id, c[3] != "warehouse", -c[2], c[1])
            )
        pick = next((c for c in candidates if c[2] >= quantity), None)
        if pick is None:
            here = (
                sum(c[2] for c in candidates)
                if fixed
                else max((c[2] for c in candidates), default=0)
            )
            raise OutOfStock(
                _("Not enough %(sku)s: %(wanted)s wanted, at most %(have)s in one place.")
                % {"sku": variant.sku, "wanted": quantity, "have": max(here, 0)}
            )
        pick[2] -= quantity
        holds.append(stock.Hold(pick[0], variant.id, pick[1], quantity))
        if origin_id is not None and pick[1] != origin_id:
            captured = True
        chosen.append(pick[1])
    places = selectors.location_rows(chosen)
    return _Allocation(holds, [places[pk] for pk in chosen], captured and plan.fulfilment == "ship")


def _allocate_what_there_is(plan: _Plan) -> _Allocation:
    """For an order another system already took: reserve where units are, never oversell;
    lines that find none are kept unallocated (a backorder)."""
    holds: list[stock.Hold] = []
    chosen: list[Location | None] = []
    for variant, quantity, wanted in plan.lines:
        where = wanted or plan.pickup
        rows = Stock.objects.filter(variant_id=variant.id, location__active=True).select_related(
            "location"
        )
        if where is not None:
            rows = rows.filter(location=where)
        placed = None
        for row in sorted(rows, key=lambda r: (r.location.kind != "warehouse", r.pk)):
            try:
                with transaction.atomic():
                    stock.reserve([stock.Hold(row.pk, variant.id, row.location_id, quantity)])
            except OutOfStock:
                continue
            placed = row
            holds.append(stock.Hold(row.pk, variant.id, row.location_id, quantity))
            break
        chosen.append(placed.location if placed else None)
    return _Allocation(holds, chosen)
