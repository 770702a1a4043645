"""The cube's facts on disk: the full export to Parquet, the incremental feed from the hub's
commerce and contact events, and compaction (docs/analytics-cube.md).

The facts live under ``LEALTAD_HOME/analytics/facts``. A full export streams each table
through its owning context's selectors in keyset chunks into a hidden directory renamed into
place when complete, so a query sees the old snapshot or the new one, never half. Between
exports the feed re-reads the orders and contacts that events name and writes them as small
delta files that supersede earlier rows of the same order or contact: a cancellation or a
return replaces the order's row, it does not add one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from django.db.models import Max

from lealtad.analytics.cube_store import cube, store
from lealtad.commerce.selectors import facts as commerce_facts
from lealtad.core import hub
from lealtad.core.models import OutboxMessage
from lealtad.customers.selectors import facts as customer_facts
from lealtad.olap.engine import changes_as_delta, compact
from lealtad.olap.enrich import CustomerLookup
from lealtad.olap.schema import ENRICHED_TABLES, TABLES, arrow_schema
from lealtad.olap.store import SnapshotWriter, chunk_table

Progress = Callable[[str, int, int], None]  # step, done, total
log = logging.getLogger(__name__)

# Events after which an order's rows are read again: anything that changes its status,
# lines, units, returns or money. Their payload names the order by number.
ORDER_EVENTS = (
    "order.placed",
    "order.shipped",
    "order.delivered",
    "order.completed",
    "order.cancelled",
    "order.returned",
    "order.exchanged",
    "order.price_adjusted",
)
CONTACT_EVENTS = ("interaction.recorded",)
COMPACT_AFTER_FILES = 200  # deltas per table before the feed folds them into the base

# The full export -------------------------------------------------------------------------------


def _sources() -> dict[str, Callable[[], Iterator[dict[str, list[Any]]]]]:
    return {
        "customers": lambda: customer_facts.customer_chunks(),
        "orders": lambda: commerce_facts.order_chunks(),
        "order_lines": lambda: commerce_facts.line_chunks(),
        "returns": lambda: commerce_facts.return_chunks(),
        "contacts": lambda: customer_facts.contact_chunks(),
    }


def _counts() -> dict[str, int]:
    return {**commerce_facts.counts(), **customer_facts.counts()}


def export_all(progress: Progress | None = None, tables: Sequence[str] = TABLES) -> dict[str, int]:
    """A fresh snapshot of every fact table (or of ``tables``); rows written per table.

    The watermark (the newest outbox message when the export starts) and the start time go
    with each snapshot: deltas the feed wrote before it are dropped, those after it stay laid
    over it, and the feed's memory of handled messages forgets those the snapshot covers.
    The customers go first: orders and lines carry a copy of each customer's segment, tier
    and region. Customers exported alone (after a refresh wrote new tiers) are laid over the
    current ones as a delta of the customers that changed, so the orders' copies stay right
    without rewriting every order.
    """
    watermark = OutboxMessage.objects.aggregate(top=Max("id"))["top"] or 0
    started = time.time_ns()
    target = store()
    totals = _counts()
    # Customers first: orders and lines copy from them.
    wanted = sorted(set(tables) & set(TABLES), key=lambda t: (t != "customers", t))
    alone = (
        wanted == ["customers"]
        and bool(target.files("orders").base)
        and bool(target.files("customers").base)
    )
    written: dict[str, int] = {}
    lookup: CustomerLookup | None = None
    for table in wanted:
        if table in ENRICHED_TABLES and lookup is None:
            lookup = CustomerLookup(cube().arrow(_LOOKUP_SQL))
        writer = target.snapshot(table, watermark, started)
        try:
            _write(writer, table, lookup, totals.get(table, 0), progress)
        except BaseException:
            writer.abort()
            raise
        if alone:
            written[table] = changes_as_delta(cube(), table, writer.finish())
        else:
            writer.commit()
            written[table] = writer.rows
    if set(wanted) == set(TABLES):
        target.prune_ledger(watermark)
    return written


_LOOKUP_SQL = "SELECT customer_id, segment, tier, region FROM customers"


def _write(
    writer: SnapshotWriter,
    table: str,
    lookup: CustomerLookup | None,
    total: int,
    progress: Progress | None,
) -> None:
    step = f"facts:{table}"
    if progress:
        progress(step, 0, total)
    for chunk in _sources()[table]():
        writer.write(lookup.enrich(chunk) if lookup and table in ENRICHED_TABLES else chunk)
        if progress:
            progress(step, writer.rows, max(total, writer.rows))


# The incremental feed ----------------------------------------------------------------------


def _order_numbers(payload: dict[str, Any]) -> Iterator[str]:
    for key in ("order", "replacement", "original_order"):
        value = payload.get(key)
        if isinstance(value, str):
            yield value


def apply_messages(messages: Sequence[hub.Message]) -> dict[str, int]:
    """Turn a batch of hub messages into delta files; rows written per table.

    Idempotent: messages already handled (the store's ledger) are skipped, so a repeated
    delivery adds nothing. The rows are read after the messages' transactions committed,
    so each delta holds the order's state now — the newest read of a key wins in the views.
    """
    target = store()
    seen = target.applied()
    fresh = [m for m in messages if _ledger_key(m) not in seen]
    if not fresh:
        return {}
    numbers = {n for m in fresh if m.event_type in ORDER_EVENTS for n in _order_numbers(m.payload)}
    order_ids = set(commerce_facts.order_ids_for_numbers(numbers).values())
    contacts = _contact_ids(m for m in fresh if m.event_type in CONTACT_EVENTS)
    customer_ids = {m.customer_id for m in fresh if m.customer_id}
    version = time.time_ns()
    written: dict[str, int] = {}
    people = _customers_now(customer_ids)
    lookup = CustomerLookup(people)
    if order_ids:
        for table, chunks in (
            ("orders", commerce_facts.order_chunks(order_ids)),
            ("order_lines", commerce_facts.line_chunks(order_ids)),
            ("returns", commerce_facts.return_chunks(order_ids)),
        ):
            if table in ENRICHED_TABLES:
                chunks = (lookup.enrich(c) for c in chunks)
            written[table] = target.append_delta(table, chunks, version)
    if contacts:
        written["contacts"] = target.append_delta(
            "contacts", customer_facts.contact_chunks(contacts), version
        )
    changed = _changed_customers(people)
    if changed.num_rows:
        written["customers"] = target.append_delta("customers", [_columns(changed)], version)
    target.mark_applied(_ledger_key(m) for m in fresh)
    return written


def _ledger_key(message: hub.Message) -> str:
    return f"{message.id}:{int(message.created_at.timestamp() * 1_000_000)}"


def refresh_customers(customer_ids: Sequence[int], chunk: int = 20_000) -> int:
    """Lay these customers' current rows over the cube's (the ones whose tier or stage a
    refresh just changed) as delta files, without exporting every customer; rows written."""
    target = store()
    written = 0
    for start in range(0, len(customer_ids), chunk):
        version = time.time_ns()
        changed = _changed_customers(_customers_now(set(customer_ids[start : start + chunk])))
        if changed.num_rows:
            written += target.append_delta("customers", [_columns(changed)], version)
    return written


def _customers_now(customer_ids: set[int]) -> pa.Table:
    """The customers an event named, as the customers context has them now."""
    parts = [chunk_table("customers", c) for c in customer_facts.customer_chunks(customer_ids)]
    return pa.concat_tables(parts) if parts else arrow_schema("customers").empty_table()


def _changed_customers(people: pa.Table) -> pa.Table:
    """Those of ``people`` the cube does not have as they are (new, or changed): an order
    event re-reads its customer, and most are unchanged — writing them would make the views
    lay the customers over every order for nothing."""
    if not people.num_rows:
        return people
    ids = people["customer_id"].to_pylist()
    marks = ", ".join("?" for _ in ids)
    known = cube().arrow(f"SELECT * FROM customers WHERE customer_id IN ({marks})", ids)
    have = {tuple(row.values()) for row in known.cast(people.schema).to_pylist()}
    keep = [tuple(row.values()) not in have for row in people.to_pylist()]
    return people.filter(pa.array(keep, pa.bool_()))


def _columns(table: pa.Table) -> dict[str, Any]:
    return {name: table[name] for name in table.column_names}


def _contact_ids(messages: Iterable[hub.Message]) -> list[int]:
    ids: list[int] = []
    events: list[str] = []
    for message in messages:
        found = message.payload.get("interaction_id")
        if isinstance(found, int):
            ids.append(found)
        else:
            events.append(message.event_id)
    return ids + customer_facts.contact_ids_for_events(events)


def compact_all(progress: Progress | None = None) -> dict[str, int]:
    """Fold every table's deltas into a new base; rows per table compacted. Orders and
    lines are rewritten first whenever the customers changed, so their copies of segment,
    tier and region take the customers' changes before those deltas are folded away."""
    done: dict[str, int] = {}
    the_cube = cube()
    customers_changed = bool(the_cube.store.files("customers").deltas)
    order = [t for t in TABLES if t != "customers"] + ["customers"]
    for index, table in enumerate(order):
        if progress:
            progress("compact", index, len(order))
        force = customers_changed and table in ENRICHED_TABLES
        if the_cube.store.files(table).deltas or force:
            done[table] = compact(the_cube, table, force=force)
    if progress:
        progress("compact", len(order), len(order))
    return done


_compacting = threading.Lock()


def compact_if_due() -> bool:
    """Fold the deltas in, in the background, once a table has many of them, so queries stay
    quick. Compaction touches only the fact files (no database), so it never holds the
    dispatcher's transaction; one at a time per process. True when one was started."""
    the_cube = cube()
    if not any(len(the_cube.store.files(t).deltas) >= COMPACT_AFTER_FILES for t in TABLES):
        return False
    if not _compacting.acquire(blocking=False):
        return False

    def run() -> None:
        try:
            compact_all()
        except Exception:
            log.exception("cube compaction failed; the deltas stay and are read as they are")
        finally:
            _compacting.release()

    threading.Thread(target=run, name="cube-compaction", daemon=True).start()
    return True


def status() -> dict[str, Any]:
    """Per table: the base's rows and watermark, and the delta files waiting."""
    target = store()
    out: dict[str, Any] = {}
    for table in TABLES:
        files = target.files(table)
        out[table] = {
            "base_files": len(files.base),
            "delta_files": len(files.deltas),
            "watermark": files.watermark,
        }
    return out


def oldest_snapshot() -> datetime | None:
    """When the oldest table's snapshot began (None: a table has none yet)."""
    target = store()
    started = []
    for table in TABLES:
        files = target.files(table)
        if not files.base:
            return None
        started.append(files.started)
    return datetime.fromtimestamp(min(started) / 1e9, tz=UTC) if started else None
