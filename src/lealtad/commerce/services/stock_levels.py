"""Stock levels counted by another system, set in bulk (a legacy inventory's stock file).

A snapshot file holds a million levels and most of them did not change since the last one, so
levels are applied as sets, one chunk per call, inside the caller's transaction:

* the chunk's SKUs and locations are looked up in one query each, and its stock rows in one;
  on PostgreSQL the rows whose units change are then read again under lock, in ascending id
  (the order :mod:`.stock` takes them in, so a concurrent reservation queues instead of
  deadlocking), and what is written is decided on those;
* only rows whose units on hand change are written — one statement for updates and one for
  new rows. How each backend runs these is in :class:`_Sqlite` and :class:`_Postgres`;
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
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from lealtad.commerce.models import Location, Stock, Variant
from lealtad.core import array_params, audit, hub
from lealtad.core.audit import Actor
from lealtad.core.db import update_rows, upsert_rows

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


def set_levels(
    levels: Sequence[Level],
    *,
    key: str,
    actor: Actor,
    channel: str,
    newer: Callable[[list[int]], Collection[int]] | None = None,
) -> LevelsSet:
    """Set units on hand; must run in the caller's transaction (with its checkpoint).

    ``key`` names the chunk (``inventory:existencias:stock.csv:2-5001``): the event id is made
    from it, so a chunk applied again after a crash announces under the same id. When a key
    (SKU@location) comes twice, the later level wins.

    ``newer``, when given, is told which levels (by index) commerce accepts, once the rows
    they change are locked and before anything is written, and answers which of them to
    apply: the caller's check that a report is newer than the last one applied from its
    source, made while those rows are held. Refusals are decided for every level.
    """
    done = LevelsSet()
    if not levels:
        return done
    db = _backend()
    wanted = _known(levels, db, done.refused)
    rows = _rows(db.current(list(wanted)))
    moving = [
        r.id for p, r in rows.items() if p in wanted and r.on_hand != levels[wanted[p]].on_hand
    ]
    rows.update(_rows(db.lock(sorted(moving))))  # what is written is decided on locked rows
    changes = _changes(levels, wanted, rows, done.refused)
    if newer is not None:
        accepted = [index for index in wanted.values() if index not in done.refused]
        applied = set(newer(accepted)) if accepted else set()
        changes = [change for change in changes if change.index in applied]
    db.write(
        [(c.on_hand, c.row_id) for c in changes if c.row_id is not None],
        [(*c.pair, c.on_hand) for c in changes if c.row_id is None],
    )
    changes.sort(key=lambda change: change.index)
    done.changed = [change.index for change in changes]
    if changes:
        done.event_id = _announce(levels, changes, key, actor, channel)
    return done


def _changes(
    levels: Sequence[Level],
    wanted: dict[Any, int],
    rows: dict[Any, Any],
    refused: dict[int, Refusal],
) -> list[_Change]:
    """What each wanted level changes, on the locked rows; a level below what is reserved is
    refused (noted in ``refused`` by its index)."""
    changes: list[_Change] = []
    for pair, index in wanted.items():
        on_hand = levels[index].on_hand
        row = rows.get(pair)
        if row is None:
            changes.append(_Change(index, pair, on_hand))
        elif row.on_hand == on_hand:
            continue
        elif on_hand < row.reserved:
            refused[index] = _below_reserved(row.reserved)
        else:
            changes.append(_Change(index, pair, on_hand, row.id, row.on_hand, row.reserved))
    return changes


@dataclass(slots=True)
class _Change:
    index: int  # of the level
    pair: tuple[int, int]  # variant, location
    on_hand: int
    row_id: int | None = None  # None: a new stock row
    before: int | None = None
    reserved: int = 0


def _known(
    levels: Sequence[Level], db: _Sqlite | _Postgres, refused: dict[int, Refusal]
) -> dict[tuple[int, int], int]:
    """(variant, location) → index of its last level; unknown SKUs and locations refused."""
    variants = db.variant_ids(sorted({lv.sku for lv in levels}))
    locations = dict(Location.objects.values_list("code", "id"))
    wanted: dict[tuple[int, int], int] = {}
    for index, level in enumerate(levels):
        refusal = _unknown(level, variants, locations)
        if refusal is None:
            wanted[(variants[level.sku], locations[level.location])] = index
        else:
            refused[index] = refusal
    return wanted


def _rows(found: list[tuple[int, int, int, int, int]]) -> dict[tuple[int, int], _Row]:
    return {(v, loc): _Row(pk, on_hand, reserved) for pk, v, loc, on_hand, reserved in found}


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


class _Sqlite:
    """SQLite: writers are serialized (IMMEDIATE transactions), so nothing is locked; lists
    of values go as ``IN`` lists and ``executemany``."""

    def variant_ids(self, skus: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        with connection.cursor() as cursor:
            for part in _parts(skus):
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(f"SELECT sku, id FROM {_VARIANTS} WHERE sku IN ({marks})", part)
                found.update(cursor.fetchall())
        return found

    def current(self, pairs: list[tuple[int, int]]) -> list[tuple[int, int, int, int, int]]:
        """The chunk's variants at the chunk's locations: a few more rows than wanted when a
        chunk mixes SKUs and locations, but a far cheaper query than pairs."""
        rows: list[tuple[int, int, int, int, int]] = []
        places = sorted({p[1] for p in pairs})
        at = ", ".join(["%s"] * len(places))
        with connection.cursor() as cursor:
            for part in _parts(sorted({p[0] for p in pairs})):
                of = ", ".join(["%s"] * len(part))
                cursor.execute(
                    f"SELECT {_COLUMNS} FROM {_STOCK} "
                    f"WHERE variant_id IN ({of}) AND location_id IN ({at})",
                    [*part, *places],
                )
                rows.extend(cursor.fetchall())
        return rows

    def lock(self, ids: list[int]) -> list[tuple[int, int, int, int, int]]:
        return []  # the rows read are current: no other writer runs meanwhile

    def write(self, updates: list[tuple[int, int]], inserts: list[tuple[int, int, int]]) -> None:
        update_rows(Stock, ("on_hand",), updates)
        upsert_rows(
            Stock,
            ("variant", "location", "on_hand", "reserved"),
            [(*row, 0) for row in inserts],
            key=("variant", "location"),
            update=("on_hand",),
            when=_KEEPS_RESERVED,
        )


class _Postgres:
    """PostgreSQL: each statement takes the chunk's columns as arrays (bound in binary), and
    finds its rows one index probe each. Written as a join, a look-up of 10,000 keys is
    planned as a scan of the whole table (the planner prices each probe as a disk read), a
    second per chunk once the table holds a million rows; a ``LATERAL … LIMIT 1`` sub-query
    (or ``= ANY`` on the primary key) can only be probes. The rows that will change are
    locked in ascending id, the order :mod:`.stock` takes them in, so a concurrent
    reservation queues instead of deadlocking."""

    def variant_ids(self, skus: list[str]) -> dict[str, int]:
        return dict(
            array_params.fetch(
                f"SELECT u.sku, v.id FROM unnest(%b::text[]) AS u(sku) CROSS JOIN LATERAL "
                f"(SELECT id FROM {_VARIANTS} WHERE sku = u.sku LIMIT 1) AS v",
                [skus],
            )
        )

    def current(self, pairs: list[tuple[int, int]]) -> list[tuple[int, int, int, int, int]]:
        return array_params.fetch(  # type: ignore[return-value]
            f"SELECT {_COLUMNS} FROM unnest(%b::bigint[], %b::bigint[]) AS u(v, l) "
            f"CROSS JOIN LATERAL (SELECT {_COLUMNS} FROM {_STOCK} "
            "WHERE variant_id = u.v AND location_id = u.l LIMIT 1) AS s",
            [[p[0] for p in pairs], [p[1] for p in pairs]],
        )

    def lock(self, ids: list[int]) -> list[tuple[int, int, int, int, int]]:
        if not ids:
            return []
        return array_params.fetch(  # type: ignore[return-value]
            f"SELECT {_COLUMNS} FROM {_STOCK} WHERE id = ANY(%b::bigint[]) ORDER BY id FOR UPDATE",
            [ids],
        )

    def write(self, updates: list[tuple[int, int]], inserts: list[tuple[int, int, int]]) -> None:
        if updates:
            ids = [u[1] for u in updates]
            array_params.execute(
                f"UPDATE {_STOCK} AS s SET on_hand = v.on_hand "
                "FROM unnest(%b::int[], %b::bigint[]) AS v(on_hand, id) "
                "WHERE s.id = v.id AND s.id = ANY(%b::bigint[])",  # an index scan, not a join
                [[u[0] for u in updates], ids, ids],
            )
        if inserts:
            array_params.execute(
                f"{_INSERT} SELECT v, l, n, 0 "
                f"FROM unnest(%b::bigint[], %b::bigint[], %b::int[]) AS x(v, l, n) {_UPSERT}",
                [[i[0] for i in inserts], [i[1] for i in inserts], [i[2] for i in inserts]],
            )


_STOCK = Stock._meta.db_table
_VARIANTS = Variant._meta.db_table
_COLUMNS = "id, variant_id, location_id, on_hand, reserved"
_INSERT = f"INSERT INTO {_STOCK} (variant_id, location_id, on_hand, reserved)"
# A row another transaction created meanwhile (a return restocked there) is updated instead,
# unless that would go below its reserved units.
_KEEPS_RESERVED = "{table}.reserved <= excluded.on_hand"
_UPSERT = (
    "ON CONFLICT (variant_id, location_id) DO UPDATE SET on_hand = excluded.on_hand "
    f"WHERE {_KEEPS_RESERVED.format(table=_STOCK)}"
)


def _backend() -> _Sqlite | _Postgres:
    return _POSTGRES if connection.vendor == "postgresql" else _SQLITE


_SQLITE, _POSTGRES = _Sqlite(), _Postgres()


def _parts(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _PAIRS_PER_QUERY):
        yield values[start : start + _PAIRS_PER_QUERY]


def _announce(
    levels: Sequence[Level],
    changes: list[_Change],
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
    for change in changes:
        level = levels[change.index]
        reported_at = moments.get(level.reported_at)
        if reported_at is None:
            reported_at = moments[level.reported_at] = level.reported_at.isoformat()
        listed.append(
            {
                "sku": level.sku,
                "location": level.location,
                "on_hand": level.on_hand,
                "previous": change.before,
                "reserved": change.reserved,
                "reported_at": reported_at,
            }
        )
        audited[f"{level.sku}@{level.location}.on_hand"] = [change.before, level.on_hand]
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
