"""Seeded synthetic facts for the cube's benchmark and tests: vectorized numpy, written
straight to a :class:`~lealtad.olap.store.FactStore` as the export would write them."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Orders:
    """One value per order: its id and what the order header carries."""

    ids: np.ndarray
    customer: np.ndarray
    days: np.ndarray
    seconds: np.ndarray
    channel: np.ndarray
    store: np.ndarray
    region: np.ndarray


@dataclass(frozen=True)
class _Lines:
    """One value per line, and the order (a position in :class:`_Orders`) it belongs to."""

    order: np.ndarray
    quantity: np.ndarray
    price: np.ndarray
    revenue: np.ndarray
    cost: np.ndarray
    product: np.ndarray
    returned: np.ndarray


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
    orders = _draw_orders(rng, n_orders, customers_n, first_order)
    items = _draw_lines(rng, lines, order_of_line)
    line_table = _line_table(orders, items, first_line)
    order_table = _order_table(orders, items)
    if people is not None:
        lookup = CustomerLookup(people)
        order_table = _enriched(order_table, lookup)
        line_table = _enriched(line_table, lookup)
    return order_table, line_table


def _draw_orders(
    rng: np.random.Generator, n_orders: int, customers_n: int, first_order: int
) -> _Orders:
    """Order headers, dated in id order. The fields are drawn in the order written here:
    another order would change every seed's facts."""
    return _Orders(
        ids=np.arange(first_order, first_order + n_orders, dtype=np.int64),
        customer=rng.integers(1, customers_n + 1, n_orders).astype(np.int64),
        days=np.sort(rng.integers(0, DAYS, n_orders)),
        seconds=rng.integers(0, 86_400, n_orders),
        channel=CHANNELS[rng.integers(0, len(CHANNELS), n_orders)],
        store=STORES[rng.integers(0, len(STORES), n_orders)],
        region=REGIONS[rng.integers(0, len(REGIONS), n_orders)],
    )


def _draw_lines(rng: np.random.Generator, lines: int, order_of_line: np.ndarray) -> _Lines:
    """Lines of one to three units; a tenth without a known cost, one in twenty returned.
    Drawn in the order written here, as :func:`_draw_orders` is."""
    quantity = rng.integers(1, 4, lines).astype(np.int64)
    price = np.round(rng.gamma(2.0, 15.0, lines), 2)
    revenue = quantity * price
    cost = np.where(rng.random(lines) < 0.9, revenue * 0.6, np.nan)
    product = rng.integers(0, 2000, lines)
    returned = np.where(rng.random(lines) < 0.05, 1, 0).astype(np.int64)
    return _Lines(order_of_line, quantity, price, revenue, cost, product, returned)


def _line_table(orders: _Orders, items: _Lines, first_line: int) -> pa.Table:
    """The lines, each carrying its order's header as the export copies it."""
    ol = items.order
    lines = len(ol)
    return pa.Table.from_arrays(
        [
            pa.array(np.arange(first_line, first_line + lines, dtype=np.int64)),
            pa.array(orders.ids[ol]),
            pa.array(orders.customer[ol]),
            _ts(orders.days[ol], orders.seconds[ol]),
            _day(orders.days[ol]),
            pa.array(orders.channel[ol]),
            pa.array(orders.store[ol]),
            pa.array(orders.region[ol]),
            pa.array(np.char.add("SKU-", items.product.astype(str))),
            pa.array(np.char.add("P-", (items.product // 3).astype(str))),
            pa.array(CATEGORIES[items.product % len(CATEGORIES)]),
            pa.array(items.quantity),
            pa.array(items.revenue),
            pa.array(np.zeros(lines)),
            pa.array(items.cost, from_pandas=True),
            pa.array(items.returned),
            pa.array(items.returned * items.price),
            *_blank(lines),
        ],
        schema=arrow_schema("order_lines"),
    )


def _order_table(orders: _Orders, items: _Lines) -> pa.Table:
    """The orders with their lines' totals (an order without lines counts as cancelled)."""
    ol = items.order
    n_orders = len(orders.ids)
    sums = np.bincount(ol, weights=items.revenue, minlength=n_orders)
    units = np.bincount(ol, weights=items.quantity, minlength=n_orders).astype(np.int64)
    count = np.bincount(ol, minlength=n_orders).astype(np.int64)
    cost_sum = np.bincount(ol, weights=np.nan_to_num(items.cost), minlength=n_orders)
    return pa.Table.from_arrays(
        [
            pa.array(orders.ids),
            pa.array(orders.customer),
            _ts(orders.days, orders.seconds),
            _day(orders.days),
            pa.array(orders.channel),
            pa.array(orders.store),
            pa.array(orders.region),
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
