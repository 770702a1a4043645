"""Stock levels counted by another system, set in bulk (a legacy inventory's stock file).

A snapshot file holds a million levels and most of them did not change since the last one, so
levels are applied as sets, one chunk per call, inside the caller's transaction:

* the chunk's SKUs and locations are looked up in one query each, and its stock rows in one
  (row values on SQLite; ``unnest`` arrays on PostgreSQL, where the rows are also locked in
  ascending id, the order :mod:`.stock` takes them in, so a concurrent reservation queues
  instead of deadlocking);
* only rows whose units on hand change are written — one ``executemany`` (SQLite) or one
  ``unnest`` statement (PostgreSQL) for updates and one for new rows;
* the changes are announced in **one** ``stock.levels_changed`` outbox message and audited in
  one entry per chunk, each listing every level that changed (before → after). A message per
  level would put a million messages in front of every other event in the outbox (the
  dispatcher settles a few hundred a second) and a million posts on each webhook subscriber.

A level is refused, and nothing of it written, when its SKU or location is unknown, or when it
is below the units reserved for open orders there (the rule of :func:`.stock.set_on_hand` and
of the ``stock_never_oversold`` constraint). The caller reports the refusal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from lealtad.commerce.models import Location, Stock, Variant
from lealtad.core import audit, hub
from lealtad.core.audit import Actor

EVENT_TYPE = "stock.levels_changed"
_PAIRS_PER_QUERY = 5000  # SQLite allows 32,766 parameters per statement


@dataclass(frozen=True, slots=True)
class Level:
    """Units on hand of a SKU at a location, as another system counted them at ``reported_at``."""

    sku: str
    location: str
    on_hand: int
    reported_at: datetime


@dataclass(frozen=True)
class Refusal:
    field: str  # the Level's field at fault: sku, location or on_hand
    message: str


@dataclass
class LevelsSet:
    """What a call did: which levels (by index) changed stock, which were refused and why."""

    changed: list[int] = field(default_factory=list)
    refused: dict[int, Refusal] = field(default_factory=dict)
    event_id: str = ""


@dataclass
class _Row:
    id: int
    on_hand: int
    reserved: int


def set_levels(levels: Sequence[Level], *, key: str, actor: Actor, channel: str) -> LevelsSet:
    """Set units on hand; must run in the caller's transaction (with its checkpoint).

    ``key`` names the chunk (``inventory:existencias:stock.csv:2-5001``): the event id is made
    from it, so a chunk applied again after a crash announces under the same id. When a key
    (SKU@location) comes twice, the later level wins.
    """
    done = LevelsSet()
    if not levels:
        return done
    variants = _variant_ids({lv.sku for lv in levels})
    locations = dict(Location.objects.values_list("code", "id"))
    wanted: dict[tuple[int, int], int] = {}  # (variant, location) → index of the last level
    for index, level in enumerate(levels):
        refusal = _unknown(level, variants, locations)
        if refusal is not None:
            done.refused[index] = refusal
            continue
        wanted[(variants[level.sku], locations[level.location])] = index
    rows = _current(list(wanted))
    updates: list[tuple[int, int]] = []
    inserts: list[tuple[int, int, int]] = []
    changes: list[tuple[int, int | None, int]] = []  # index, before, reserved
    for (variant_id, location_id), index in wanted.items():
        on_hand = levels[index].on_hand
        row = rows.get((variant_id, location_id))
        if row is None:
            inserts.append((variant_id, location_id, on_hand))
            changes.append((index, None, 0))
        elif row.on_hand == on_hand:
            continue
        elif on_hand < row.reserved:
            done.refused[index] = _below_reserved(row.reserved)
        else:
            updates.append((on_hand, row.id))
            changes.append((index, row.on_hand, row.reserved))
    _write(updates, inserts)
    done.changed = sorted(index for index, _, _ in changes)
    if changes:
        done.event_id = _announce(levels, sorted(changes), key, actor, channel)
    return done


def _unknown(level: Level, variants: dict[str, int], locations: dict[str, int]) -> Refusal | None:
    if level.sku not in variants:
        return _no_sku(level.sku)
    if level.location not in locations:
        return _no_location(level.location)
    return None


def _no_sku(sku: str) -> Refusal:
    return Refusal("sku", f"no product variant has the SKU {sku!r}")


def _no_location(code: str) -> Refusal:
    return Refusal("location", f"no location has the code {code!r}")


def _below_reserved(reserved: int) -> Refusal:
    return Refusal(
        "on_hand", f"{reserved} units here are reserved for open orders; on hand cannot be less"
    )


# One level at a time, for validating a single event before anything is written -------------


def check_sku(sku: str) -> Refusal | None:
    return None if Variant.objects.filter(sku=sku).exists() else _no_sku(sku)


def check_location(code: str) -> Refusal | None:
    return None if Location.objects.filter(code=code).exists() else _no_location(code)


def check_on_hand(sku: str, location: str, on_hand: int) -> Refusal | None:
    reserved = (
        Stock.objects.filter(variant__sku=sku, location__code=location)
        .values_list("reserved", flat=True)
        .first()
    )
    return _below_reserved(reserved) if reserved and on_hand < reserved else None


def _variant_ids(skus: set[str]) -> dict[str, int]:
    """SKU → variant id (raw SQL: the ORM prepares each of thousands of parameters)."""
    table = connection.ops.quote_name(Variant._meta.db_table)
    ordered = sorted(skus)
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT sku, id FROM {table} WHERE sku = ANY(%s::text[])", [ordered])
            return dict(cursor.fetchall())
        for start in range(0, len(ordered), _PAIRS_PER_QUERY):
            part = ordered[start : start + _PAIRS_PER_QUERY]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"SELECT sku, id FROM {table} WHERE sku IN ({marks})", part)
            found.update(cursor.fetchall())
    return found


def _current(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], _Row]:
    """The stock rows of these (variant, location) pairs; locked on PostgreSQL."""
    table = connection.ops.quote_name(Stock._meta.db_table)
    columns = "s.id, s.variant_id, s.location_id, s.on_hand, s.reserved"
    found: dict[tuple[int, int], _Row] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT {columns} FROM {table} s JOIN unnest(%s::bigint[], %s::bigint[]) "
                "AS v(variant_id, location_id) ON s.variant_id = v.variant_id "
                "AND s.location_id = v.location_id ORDER BY s.id FOR UPDATE OF s",
                [[p[0] for p in pairs], [p[1] for p in pairs]],
            )
            rows = cursor.fetchall()
        else:  # SQLite: writers are serialized (IMMEDIATE transactions), nothing to lock.
            # The chunk's variants at the chunk's locations: a few more rows than wanted
            # when a chunk mixes SKUs and locations, but a far cheaper query than pairs.
            rows = []
            variants = sorted({p[0] for p in pairs})
            places = sorted({p[1] for p in pairs})
            at = ", ".join(["%s"] * len(places))
            for start in range(0, len(variants), _PAIRS_PER_QUERY):
                part = variants[start : start + _PAIRS_PER_QUERY]
                of = ", ".join(["%s"] * len(part))
                cursor.execute(
                    f"SELECT {columns} FROM {table} s "
                    f"WHERE s.variant_id IN ({of}) AND s.location_id IN ({at})",
                    [*part, *places],
                )
                rows.extend(cursor.fetchall())
    for pk, variant_id, location_id, on_hand, reserved in rows:
        found[(variant_id, location_id)] = _Row(pk, on_hand, reserved)
    return found


def _write(updates: list[tuple[int, int]], inserts: list[tuple[int, int, int]]) -> None:
    """Changed rows only. A row another transaction created meanwhile (a return restocked
    there) is updated instead, unless that would go below its reserved units."""
    table = connection.ops.quote_name(Stock._meta.db_table)
    upsert = (
        "ON CONFLICT (variant_id, location_id) DO UPDATE SET on_hand = excluded.on_hand "
        f"WHERE {table}.reserved <= excluded.on_hand"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if updates:
                cursor.execute(
                    f"UPDATE {table} AS s SET on_hand = v.on_hand FROM "
                    "unnest(%s::int[], %s::bigint[]) AS v(on_hand, id) WHERE s.id = v.id",
                    [[u[0] for u in updates], [u[1] for u in updates]],
                )
            if inserts:
                cursor.execute(
                    f"INSERT INTO {table} (variant_id, location_id, on_hand, reserved) "
                    "SELECT v, l, n, 0 FROM unnest(%s::bigint[], %s::bigint[], %s::int[]) "
                    f"AS x(v, l, n) {upsert}",
                    [[i[0] for i in inserts], [i[1] for i in inserts], [i[2] for i in inserts]],
                )
            return
        if updates:
            cursor.executemany(f"UPDATE {table} SET on_hand = %s WHERE id = %s", updates)
        if inserts:
            cursor.executemany(
                f"INSERT INTO {table} (variant_id, location_id, on_hand, reserved) "
                f"VALUES (%s, %s, %s, 0) {upsert}",
                inserts,
            )


def _announce(
    levels: Sequence[Level],
    changes: list[tuple[int, int | None, int]],
    key: str,
    actor: Actor,
    channel: str,
) -> str:
    """One outbox message and one audit entry for the chunk, listing every changed level."""
    event_id = key if len(key) <= 90 else f"h{hashlib.sha256(key.encode()).hexdigest()[:40]}"
    event_id = f"{event_id}#{EVENT_TYPE}"
    listed = []
    audited: dict[str, list[int | None]] = {}
    moments: dict[datetime, str] = {}  # a file's few report times, each written out once
    for index, before, reserved in changes:
        level = levels[index]
        reported_at = moments.get(level.reported_at)
        if reported_at is None:
            reported_at = moments[level.reported_at] = level.reported_at.isoformat()
        listed.append(
            {
                "sku": level.sku,
                "location": level.location,
                "on_hand": level.on_hand,
                "previous": before,
                "reserved": reserved,
                "reported_at": reported_at,
            }
        )
        audited[f"{level.sku}@{level.location}.on_hand"] = [before, level.on_hand]
    hub.publish(
        EVENT_TYPE,
        {"source": key, "count": len(listed), "levels": listed},
        event_id=event_id,
        channel=channel,
    )
    audit.record(
        actor,
        "stock.levels_set",
        "stock_levels",
        hashlib.sha256(key.encode()).hexdigest()[:40],
        audited,
        event_id=event_id,
        channel=channel,
    )
    return event_id
