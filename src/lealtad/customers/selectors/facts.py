"""The customers context's facts for the analytics cube: contacts (the interactions of the
timeline) and the customers dimension, as column chunks (docs/analytics-cube.md).

A chunk maps a column name to a list of plain values; rows are read by primary key in keyset
pages with ``values_list``, so a snapshot runs in constant memory. ``safe_cell`` is here too:
the cube's CSV and Excel exports defuse formula-looking cells exactly as the customer export
does, and this is the customers context's public face for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from lealtad.customers.bulk.csv_export import safe_cell
from lealtad.customers.models import Address, Customer, Interaction

__all__ = [
    "CONTACT_COLUMNS",
    "CUSTOMER_COLUMNS",
    "contact_chunks",
    "contact_ids_for_events",
    "counts",
    "customer_chunks",
    "safe_cell",
]

CHUNK = 20_000
Chunk = dict[str, list[Any]]
UNKNOWN = "unknown"

CONTACT_COLUMNS = (
    "contact_id",
    "customer_id",
    "occurred_at",
    "day",
    "channel",
    "direction",
    "kind",
)
CUSTOMER_COLUMNS = (
    "customer_id",
    "created_at",
    "first_channel",
    "region",
    "segment",
    "tier",
    "lifecycle_stage",
)


def _pages(queryset: Any, fields: tuple[str, ...], chunk: int) -> Iterator[list[tuple]]:
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values_list(*fields)[:chunk])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def contact_chunks(contact_ids: Iterable[int] | None = None, chunk: int = CHUNK) -> Iterator[Chunk]:
    """The ``contacts`` fact: one row per interaction (its ``kind`` tells an order's step on
    the timeline from a call or a visit)."""
    rows_of = Interaction.objects.all()
    if contact_ids is not None:
        rows_of = rows_of.filter(pk__in=list(contact_ids))
    fields = ("id", "customer_id", "occurred_at", "channel", "direction", "kind")
    for rows in _pages(rows_of, fields, chunk):
        out: Chunk = {c: [] for c in CONTACT_COLUMNS}
        for iid, cid, at, channel, direction, kind in rows:
            occurred = at.astimezone(UTC)
            for column, value in (
                ("contact_id", iid),
                ("customer_id", cid),
                ("occurred_at", occurred),
                ("day", occurred.date()),
                ("channel", channel),
                ("direction", direction or ""),
                ("kind", kind or ""),
            ):
                out[column].append(value)
        yield out


def contact_ids_for_events(event_ids: Iterable[str]) -> list[int]:
    """The interactions ingested events made (they carry no interaction id)."""
    wanted = [e for e in set(event_ids) if e]
    if not wanted:
        return []
    return list(Interaction.objects.filter(event_id__in=wanted).values_list("id", flat=True))


_CUSTOMER_FIELDS = (
    "id",
    "created_at",
    "first_contact_channel",
    "income_band",
    "standing__value_tier",
    "standing__lifecycle_stage",
    "lifecycle_status",
)


def customer_chunks(
    customer_ids: Iterable[int] | None = None, chunk: int = CHUNK
) -> Iterator[Chunk]:
    """The ``customers`` dimension: segment (income band for now), value tier and lifecycle
    stage from the analytics standing, region from the current address (home first)."""
    rows_of = Customer.objects.all()
    if customer_ids is not None:
        rows_of = rows_of.filter(pk__in=list(customer_ids))
    for rows in _pages(rows_of, _CUSTOMER_FIELDS, chunk):
        regions = _regions([r[0] for r in rows])
        out: Chunk = {c: [] for c in CUSTOMER_COLUMNS}
        for cid, created, first_channel, band, tier, stage, status in rows:
            for column, value in (
                ("customer_id", cid),
                ("created_at", _utc(created)),
                ("first_channel", first_channel or ""),
                ("region", regions.get(cid, "")),
                ("segment", band or UNKNOWN),
                ("tier", tier or UNKNOWN),
                ("lifecycle_stage", stage or status or ""),
            ):
                out[column].append(value)
        yield out


def _utc(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(UTC)


def _regions(customer_ids: list[int]) -> dict[int, str]:
    """Each customer's region: of the addresses still valid, a home one first, then the
    oldest."""
    rows = (
        Address.objects.filter(customer_id__in=customer_ids, valid_to__isnull=True)
        .exclude(region="")
        .order_by("customer_id", "id")
        .values_list("customer_id", "kind", "region")
    )
    found: dict[int, tuple[bool, str]] = {}
    for cid, kind, region in rows:
        home = kind == "home"
        if cid not in found or (home and not found[cid][0]):
            found[cid] = (home, region)
    return {cid: region for cid, (_home, region) in found.items()}


def counts() -> dict[str, int]:
    """Rows each fact will have, for the export's progress bar."""
    return {"contacts": Interaction.objects.count(), "customers": Customer.objects.count()}
