"""Customer export to CSV: every customer, its primary contact points and its external ids.

One ``external:<system>`` column per source system holds the ids that system knows the
customer by, so a deduplication can be scored against the known truth of the systems the
customers came from. Customers are read in chunks by primary key (keyset pagination) with
their emails, phones and external ids fetched per chunk: a million customers export in
constant memory and a handful of queries per chunk. Cells a spreadsheet would run as a
formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator, Iterator
from typing import IO, Any

from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from rich.progress import Progress

from lealtad.customers.models import Customer, Email, Identifier, Phone

CHUNK = 2000
BASE_COLUMNS = (
    "id",
    "display_name",
    "given_names",
    "first_surname",
    "second_surname",
    "national_id",
    "national_id_type",
    "email",
    "phone",
    "lifecycle_status",
    "created_at",
    "merged_into",
)
EXTERNAL_PREFIX = "external:"
JOIN = "|"
_CUSTOMER_FIELDS = (
    "id",
    "display_name",
    "given_names",
    "first_surname",
    "second_surname",
    "national_id",
    "national_id_type",
    "lifecycle_status",
    "created_at",
    "merged_into_id",
)
_PLAIN_NUMBER = re.compile(r"[+-][0-9 ().\-]*")


def safe_cell(value: Any) -> str:
    """The cell as text, defused for spreadsheets (CSV/formula injection).

    A cell starting with ``=``, ``@``, tab or carriage return, or with ``+``/``-`` followed by
    anything but a plain number (digits, spaces, dots, dashes, parentheses), gets a leading
    apostrophe. Phones like ``+593993757370`` and negative numbers stay as they are.
    """
    text = "" if value is None else str(value)
    if not text:
        return text
    first = text[0]
    if first in "=@\t\r" or (first in "+-" and not _PLAIN_NUMBER.fullmatch(text)):
        return "'" + text
    return text


def external_systems() -> list[str]:
    return list(
        Identifier.objects.filter(kind="external")
        .order_by("system")
        .values_list("system", flat=True)
        .distinct()
    )


def header(systems: list[str]) -> list[str]:
    return [*BASE_COLUMNS, *(f"{EXTERNAL_PREFIX}{s}" for s in systems)]


def iter_chunks(
    chunk_size: int = CHUNK, customers: QuerySet[Customer] | None = None
) -> Iterator[list[list[str]]]:
    """The header row alone, then the customers' rows, ``chunk_size`` customers at a time.

    ``customers`` narrows the export (a channel-bound token exports its channel's only)."""
    systems = external_systems()
    yield [header(systems)]
    base = Customer.objects.all() if customers is None else customers
    last = 0
    while True:
        found = list(
            base.filter(pk__gt=last).order_by("pk").values_list(*_CUSTOMER_FIELDS)[:chunk_size]
        )
        if not found:
            return
        yield _rows(found, systems)
        last = found[-1][0]


def _rows(customers: list[tuple[Any, ...]], systems: list[str]) -> list[list[str]]:
    ids = [c[0] for c in customers]
    emails = _first_per_customer(
        Email.objects.filter(customer_id__in=ids)
        .order_by("customer_id", "-is_primary", "id")
        .values_list("customer_id", "address")
    )
    phones = _first_per_customer(
        Phone.objects.filter(customer_id__in=ids)
        .order_by("customer_id", "-is_primary", "id")
        .values_list("customer_id", "e164")
    )
    external: dict[tuple[int, str], list[str]] = {}
    for cid, system, value in (
        Identifier.objects.filter(kind="external", customer_id__in=ids)
        .order_by("customer_id", "system", "value")
        .values_list("customer_id", "system", "value")
    ):
        external.setdefault((cid, system), []).append(value)
    rows = []
    for cid, name, given, first, second, nid, nid_type, status, created, merged in customers:
        cells = [
            cid,
            name,
            given,
            first,
            second,
            nid,
            nid_type,
            emails.get(cid, ""),
            phones.get(cid, ""),
            status,
            created.isoformat() if created else "",
            merged or "",
            *(JOIN.join(external.get((cid, s), ())) for s in systems),
        ]
        rows.append([safe_cell(c) for c in cells])
    return rows


def _first_per_customer(pairs: Any) -> dict[int, str]:
    first: dict[int, str] = {}
    for cid, value in pairs:
        first.setdefault(cid, value)
    return first


def export_csv(handle: IO[str], progress: Progress | None = None, chunk_size: int = CHUNK) -> int:
    """Write every customer (merged ones too, with ``merged_into``) as CSV; the count written."""
    task = None
    if progress is not None:
        task = progress.add_task("exporting customers", total=Customer.objects.count())
    writer = csv.writer(handle)
    count = -1  # the header is the first row
    for rows in iter_chunks(chunk_size):
        writer.writerows(rows)
        count += len(rows)
        if progress is not None and task is not None and count:
            progress.update(task, completed=count)
    return count


def _text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def iter_csv(
    chunk_size: int = CHUNK, bom: bool = False, customers: QuerySet[Customer] | None = None
) -> Iterator[str]:
    """The export as CSV text, one piece per chunk, for a streaming HTTP response (WSGI)."""
    if bom:
        yield "\ufeff"
    for rows in iter_chunks(chunk_size, customers):
        yield _text(rows)


async def aiter_csv(
    chunk_size: int = CHUNK, bom: bool = False, customers: QuerySet[Customer] | None = None
) -> AsyncIterator[str]:
    """The same for ASGI: each chunk is read in Django's sync thread, none is buffered."""
    pieces = iter_csv(chunk_size, bom, customers)
    step = sync_to_async(lambda: next(pieces, None), thread_sensitive=True)
    while (piece := await step()) is not None:
        yield piece
