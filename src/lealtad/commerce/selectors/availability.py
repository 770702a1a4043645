"""Units available per location: the asking store first, every location of a product, and
the active locations each process keeps a short-lived copy of."""

from __future__ import annotations

import json
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.models import QuerySet, Sum

from lealtad.commerce.models import (
    Location,
    Product,
    Stock,
    Variant,
)
from lealtad.commerce.selectors.catalog import _json
from lealtad.core.kept import Kept

# Availability ------------------------------------------------------------------------------


_LOCATION_TTL = 30.0  # seconds a process trusts its copy of the location list


def _every_location() -> dict[int, Location]:
    return {loc.pk: loc for loc in Location.objects.order_by()}


_locations = Kept(_every_location, _LOCATION_TTL)
_locations.forget_on_changes(Location)


def forget_locations(**_kw: Any) -> None:
    """Drop this process's copy of the locations (a location was saved or deleted)."""
    _locations.forget()


def location_rows(ids: Iterable[int] = ()) -> dict[int, Location]:
    """Every location by id (inactive ones included), kept in the process for a few seconds
    (core.kept): they change rarely, and the availability and order hot paths then read only
    stock rows. An id not in the copy reloads it (a new location). The objects are shared:
    read them, never save them."""
    rows = _locations.get()
    if not rows.keys() >= set(ids):
        _locations.forget()
        rows = _locations.get()
    return rows


def active_locations(codes: Iterable[str]) -> dict[str, Location]:
    """The active locations among ``codes`` (from the process's copy), by code."""
    wanted = set(codes)
    if not wanted:
        return {}
    found = {loc.code: loc for loc in location_rows().values() if loc.code in wanted}
    if len(found) < len(wanted):  # perhaps a location made since the copy was taken
        forget_locations()
        found = {loc.code: loc for loc in location_rows().values() if loc.code in wanted}
    return {code: loc for code, loc in found.items() if loc.active}


def _stock_everywhere(sku: str) -> tuple[tuple[Any, ...], list[tuple[int, int]]] | None:
    """The variant (sku, attributes, product code, product name) and its units not promised
    to an order at each active location that has some, most first, then by location code.

    Two indexed queries whatever the number of locations, sorted by the database; written out
    because the ORM took longer to build them than the database to answer (a few hundred
    rows). One query (a left join) cost more on SQLite, and sorting here more on both."""
    variant, product = Variant._meta.db_table, Product._meta.db_table
    stock, location = Stock._meta.db_table, Location._meta.db_table
    # Location codes in code-point order on both databases (PostgreSQL's default collation
    # may follow the locale's rules).
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.id, v.sku, v.attributes, p.code, p.name_es "
            f"FROM {variant} v JOIN {product} p ON p.id = v.product_id WHERE v.sku = %s",
            [sku],
        )
        head = cursor.fetchone()
        if head is None:
            return None
        cursor.execute(
            f"SELECT s.location_id, s.on_hand - s.reserved FROM {stock} s "
            f"JOIN {location} l ON l.id = s.location_id "
            f"WHERE s.variant_id = %s AND s.on_hand > s.reserved AND l.active "
            f"ORDER BY 2 DESC, l.code{collate}",
            [head[0]],
        )
        rows = cursor.fetchall()
    _variant_id, sku, attributes, product_code, product_name = head
    return (sku, _json(attributes) or {}, product_code, product_name), rows


def _here_first(
    rows: list[tuple[int, int]], here_id: int | None
) -> tuple[list[tuple[int, int]], int]:
    """The asking store's row moved to the front, and its units (0 when it has none)."""
    if here_id is not None:
        for n, (location_id, available) in enumerate(rows):
            if location_id == here_id:
                return [rows[n], *rows[:n], *rows[n + 1 :]], available
    return rows, 0


def _location_id(code: str | None) -> int | None:
    if not code:
        return None
    return next((pk for pk, loc in location_rows().items() if loc.code == code), None)


def availability(sku: str, here: str | None = None) -> dict[str, Any] | None:
    """Where a variant can be had now: every location with units not promised to an order.

    ``here`` is the asking store: it comes first, and is reported even when it has none.
    """
    found = _stock_everywhere(sku)
    if found is None:
        return None
    (sku, attributes, product_code, product_name), rows = found
    places = location_rows(r[0] for r in rows)
    rows, here_available = _here_first(rows, _location_id(here))
    return {
        "sku": sku,
        "product": product_code,
        "name": product_name,
        "attributes": attributes,
        "total_available": sum(r[1] for r in rows),
        "here": {"location": here, "available": here_available} if here else None,
        "locations": [
            {
                "location": places[location_id].code,
                "name": places[location_id].name,
                "kind": places[location_id].kind,
                "city": places[location_id].city,
                "available": available,
            }
            for location_id, available in rows
        ],
    }


_fragments: tuple[dict[int, Location] | None, dict[int, str], dict[str, int]] = (None, {}, {})


def availability_json(sku: str, here: str | None = None) -> bytes | None:
    """:func:`availability` as the API's JSON, built from each location's JSON kept ready.

    The store clerk's lookup answers a few hundred locations (44 KB at 500 locations):
    building a dict per location and having them validated and encoded took most of the
    request's time. Each location's text up to its units is encoded once, when the
    process's copy of the locations is loaded; an answer joins those with the numbers.
    """
    found = _stock_everywhere(sku)
    if found is None:
        return None
    (sku, attributes, product_code, product_name), rows = found
    fragments, codes = _location_fragments([r[0] for r in rows])
    rows, here_available = _here_first(rows, codes.get(here) if here else None)
    head = json.dumps(
        {
            "sku": sku,
            "product": product_code,
            "name": product_name,
            "attributes": attributes,
            "total_available": sum(map(itemgetter(1), rows)),
            "here": {"location": here, "available": here_available} if here else None,
        }
    )
    body = ", ".join([f"{fragments[lid]}{available}}}" for lid, available in rows])
    return f'{head[:-1]}, "locations": [{body}]}}'.encode()


def _location_fragments(ids: list[int]) -> tuple[dict[int, str], dict[str, int]]:
    """Each location's JSON up to its units (``{"location": "…", …, "available": ``) by id,
    and the ids by code, made again whenever the process's copy of the locations is."""
    global _fragments
    places = location_rows(ids)
    made_for, fragments, codes = _fragments
    if made_for is not places:
        fragments = {
            pk: json.dumps(
                {"location": loc.code, "name": loc.name, "kind": loc.kind, "city": loc.city}
            )[:-1]
            + ', "available": '
            for pk, loc in places.items()
        }
        codes = {loc.code: pk for pk, loc in places.items()}
        _fragments = (places, fragments, codes)
    return fragments, codes


def product_availability(code: str, here: str | None = None) -> list[dict[str, Any]]:
    """Each variant of a product with its units here and everywhere (the "find my size")."""
    totals = {
        row["variant_id"]: row
        for row in Stock.objects.filter(variant__product__code=code)
        .values("variant_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    }
    local: dict[int, int] = {}
    if here:
        local = {
            vid: on_hand - reserved
            for vid, on_hand, reserved in Stock.objects.filter(
                variant__product__code=code, location__code=here
            ).values_list("variant_id", "on_hand", "reserved")
        }
    out = []
    for v in Variant.objects.filter(product__code=code, active=True).order_by("id"):
        total = totals.get(v.pk)
        out.append(
            {
                "sku": v.sku,
                "label": v.label(),
                "attributes": v.attributes,
                "price": v.price,
                "here": local.get(v.pk, 0),
                "everywhere": (total["on_hand"] - total["reserved"]) if total else 0,
            }
        )
    return out


def stock_level(sku: str, location: str) -> tuple[int, int]:
    """(on_hand, reserved) of a variant at a location; (0, 0) where none was ever kept."""
    row = (
        Stock.objects.filter(variant__sku=sku, location__code=location)
        .values_list("on_hand", "reserved")
        .first()
    )
    return row or (0, 0)


def locations(kind: str | None = None) -> QuerySet[Location]:
    rows = Location.objects.filter(active=True)
    return rows.filter(kind=kind) if kind else rows
