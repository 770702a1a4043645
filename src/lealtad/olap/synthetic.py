"""Seeded synthetic facts for the cube's benchmark and tests: vectorized numpy, written
straight to a :class:`~lealtad.olap.store.FactStore` as the export would write them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa

from lealtad.olap.enrich import CustomerLookup
from lealtad.olap.schema import ENRICHED, arrow_schema
from lealtad.olap.store import FactStore

CHANNELS = np.array(["store", "web", "call_center", "app", "partner"])
STORES = np.array([f"S{i:02d}" for i in range(1, 21)] + [""])
REGIONS = np.array(["Pichincha", "Guayas", "Azuay", "Manabí", "El Oro", ""])
SEGMENTS = np.array(["low", "lower_middle", "middle", "upper_middle", "high", "unknown"])
TIERS = np.array(["mvc", "mgc", "regular", "below_zero", "unknown"])
CATEGORIES = np.array([f"cat-{i:02d}" for i in range(30)])
START = date(2023, 1, 1)
DAYS = 3 * 365


def _ts(days: np.ndarray, seconds: np.ndarray) -> pa.Array:
    epoch = (np.datetime64(START, "us") - np.datetime64("1970-01-01", "us")).astype(np.int64)
    micros = epoch + days.astype(np.int64) * 86_400_000_000 + seconds * 1_000_000
    return pa.array(micros, pa.timestamp("us", tz="UTC"))


def _day(days: np.ndarray) -> pa.Array:
    base = (np.datetime64(START, "D") - np.datetime64("1970-01-01", "D")).astype(np.int32)
    return pa.array((base + days).astype(np.int32), pa.date32())


def customers(n: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1, dtype=np.int64)
    days = rng.integers(0, DAYS, n)
    return pa.Table.from_arrays(
        [
            pa.array(ids),
            _ts(days, rng.integers(0, 86_400, n)),
            pa.array(CHANNELS[rng.integers(0, len(CHANNELS), n)]),
            pa.array(REGIONS[rng.integers(0, len(REGIONS), n)]),
            pa.array(SEGMENTS[rng.integers(0, len(SEGMENTS), n)]),
            pa.array(TIERS[rng.integers(0, len(TIERS), n)]),
            pa.array(np.full(n, "repeat")),
        ],
        schema=arrow_schema("customers"),
    )


def order_lines(
    lines: int,
    customers_n: int,
    seed: int = 11,
    first_order: int = 1,
    first_line: int = 1,
    people: pa.Table | None = None,
) -> tuple[pa.Table, pa.Table]:
    """(orders, order_lines): about three lines an order, in the order they were placed (as
    the export reads them, by id); with ``people``, each carries its customer's segment,
    tier and region as the export copies them."""
    rng = np.random.default_rng(seed)
    n_orders = max(1, lines // 3)
    order_of_line = np.sort(rng.integers(0, n_orders, lines))
    order_ids = np.arange(first_order, first_order + n_orders, dtype=np.int64)
    customer = rng.integers(1, customers_n + 1, n_orders).astype(np.int64)
    days = np.sort(rng.integers(0, DAYS, n_orders))
    seconds = rng.integers(0, 86_400, n_orders)
    channel = CHANNELS[rng.integers(0, len(CHANNELS), n_orders)]
    store = STORES[rng.integers(0, len(STORES), n_orders)]
    region = REGIONS[rng.integers(0, len(REGIONS), n_orders)]
    quantity = rng.integers(1, 4, lines).astype(np.int64)
    price = np.round(rng.gamma(2.0, 15.0, lines), 2)
    revenue = quantity * price
    cost = np.where(rng.random(lines) < 0.9, revenue * 0.6, np.nan)
    product = rng.integers(0, 2000, lines)
    returned = np.where(rng.random(lines) < 0.05, 1, 0).astype(np.int64)
    ol = order_of_line
    line_table = pa.Table.from_arrays(
        [
            pa.array(np.arange(first_line, first_line + lines, dtype=np.int64)),
            pa.array(order_ids[ol]),
            pa.array(customer[ol]),
            _ts(days[ol], seconds[ol]),
            _day(days[ol]),
            pa.array(channel[ol]),
            pa.array(store[ol]),
            pa.array(region[ol]),
            pa.array(np.char.add("SKU-", product.astype(str))),
            pa.array(np.char.add("P-", (product // 3).astype(str))),
            pa.array(CATEGORIES[product % len(CATEGORIES)]),
            pa.array(quantity),
            pa.array(revenue),
            pa.array(np.zeros(lines)),
            pa.array(cost, from_pandas=True),
            pa.array(returned),
            pa.array(returned * price),
            *_blank(lines),
        ],
        schema=arrow_schema("order_lines"),
    )
    sums = np.bincount(ol, weights=revenue, minlength=n_orders)
    units = np.bincount(ol, weights=quantity, minlength=n_orders).astype(np.int64)
    count = np.bincount(ol, minlength=n_orders).astype(np.int64)
    cost_sum = np.bincount(ol, weights=np.nan_to_num(cost), minlength=n_orders)
    order_table = pa.Table.from_arrays(
        [
            pa.array(order_ids),
            pa.array(customer),
            _ts(days, seconds),
            _day(days),
            pa.array(channel),
            pa.array(store),
            pa.array(region),
            pa.array(np.where(count > 0, "completed", "cancelled")),
            pa.array(sums),
            pa.array(np.zeros(n_orders)),
            pa.array(sums * 0.15),
            pa.array(sums * 1.15),
            pa.array(cost_sum),
            pa.array(units),
            pa.array(count),
            *_blank(n_orders),
        ],
        schema=arrow_schema("orders"),
    )
    if people is not None:
        lookup = CustomerLookup(people)
        order_table = _enriched(order_table, lookup)
        line_table = _enriched(line_table, lookup)
    return order_table, line_table


def _blank(rows: int) -> list[pa.Array]:
    return [pa.nulls(rows, pa.string()) for _ in ENRICHED]


def _enriched(table: pa.Table, lookup: CustomerLookup) -> pa.Table:
    found = lookup.enrich({"customer_id": table["customer_id"]})
    for name in ENRICHED:
        table = table.set_column(table.schema.get_field_index(name), name, found[name])
    return table


def write(store: FactStore, table: str, data: pa.Table, batch: int = 1_000_000) -> None:
    """A base snapshot of ``data`` (streamed in batches, as the export streams chunks)."""
    writer = store.snapshot(table)
    try:
        for piece in data.to_batches(batch):
            writer.write(piece.to_pydict() if piece.num_rows < 10_000 else _columns(piece))
    except BaseException:
        writer.abort()
        raise
    writer.commit()


def _columns(piece: pa.RecordBatch) -> dict[str, pa.Array]:
    return {name: piece.column(i) for i, name in enumerate(piece.schema.names)}


def now() -> datetime:
    return datetime.now(UTC)
