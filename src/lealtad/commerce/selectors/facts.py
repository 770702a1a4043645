"""Commerce's facts for the analytics cube: orders, order lines and returns as column chunks.

The analytics context copies them to Parquet for DuckDB (docs/analytics-cube.md). A chunk is
a mapping of column name to a list of plain values (ints, floats, strings, aware datetimes,
dates), the shape pyarrow builds a record batch from without a Python loop per cell. Rows are
read by primary key in keyset pages with ``values_list`` (no model instances), so a snapshot of
millions of lines runs in constant memory; ``order_ids`` narrows every reader to the orders an
event named, for the cube's incremental feed. Money leaves as float: the cube sums and compares,
it never books.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Max, Sum
from django.db.models.functions import Coalesce

from lealtad.commerce.models import Order, OrderLine, Return, ReturnLine

CHUNK = 20_000
Chunk = dict[str, list[Any]]

ORDER_COLUMNS = (
    "order_id",
    "customer_id",
    "placed_at",
    "day",
    "channel",
    "store",
    "region",
    "status",
    "revenue",
    "discount",
    "tax",
    "total",
    "cost",
    "units",
    "lines",
)
LINE_COLUMNS = (
    "line_id",
    "order_id",
    "customer_id",
    "placed_at",
    "day",
    "channel",
    "store",
    "region",
    "sku",
    "product",
    "category",
    "quantity",
    "revenue",
    "discount",
    "cost",
    "returned_quantity",
    "returned_revenue",
)
RETURN_COLUMNS = (
    "return_id",
    "order_id",
    "customer_id",
    "created_at",
    "day",
    "channel",
    "store",
    "quantity",
    "amount",
)


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _pages(
    queryset: Any, fields: tuple[str, ...], chunk: int, keep: Callable[[tuple], bool] | None = None
) -> Iterator[list[tuple]]:
    """``values_list`` pages in primary-key order (keyset: no OFFSET scan), with only the
    rows ``keep`` accepts."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values_list(*fields)[:chunk])
        if not rows:
            return
        last = rows[-1][0]
        kept = rows if keep is None else [r for r in rows if keep(r)]
        if kept:
            yield kept


def _scope(
    queryset: Any, order_ids: Iterable[int] | None, field: str, position: int
) -> tuple[Any, Callable[[tuple], bool] | None]:
    """The rows of the orders named. New orders come in runs of ids: a range reads them
    with two parameters instead of thousands, and the few others in it are dropped."""
    if order_ids is None:
        return queryset, None
    wanted = set(order_ids)
    if not wanted:
        return queryset.none(), None
    low, high = min(wanted), max(wanted)
    if high - low + 1 <= 2 * len(wanted):
        ranged = queryset.filter(**{f"{field}__gte": low, f"{field}__lte": high})
        return ranged, lambda row: row[position] in wanted
    return queryset.filter(**{f"{field}__in": sorted(wanted)}), None


def high_water_mark() -> int:
    """The largest order id now: what a snapshot that starts here is sure to contain."""
    return Order.objects.aggregate(top=Max("id"))["top"] or 0


_ORDER_FIELDS = (
    "id",
    "customer_id",
    "placed_at",
    "channel",
    "pickup_location__code",
    "origin_location__code",
    "tax_region",
    "status",
    "subtotal",
    "discount",
    "tax",
    "total",
)


def order_chunks(order_ids: Iterable[int] | None = None, chunk: int = CHUNK) -> Iterator[Chunk]:
    """The ``orders`` fact: one row per order, its units and cost summed from its lines (cost
    is empty when any kept unit's variant has no unit cost)."""
    orders, keep = _scope(Order.objects.all(), order_ids, "id", 0)
    for rows in _pages(orders, _ORDER_FIELDS, chunk, keep):
        ids = [r[0] for r in rows]
        sums = _line_sums(ids)
        out: Chunk = {c: [] for c in ORDER_COLUMNS}
        for oid, cid, at, channel, pickup, origin, region, status, sub, disc, tax, tot in rows:
            units, lines, cost = sums.get(oid, (0, 0, 0.0))
            placed = _utc(at)
            for column, value in (
                ("order_id", oid),
                ("customer_id", cid),
                ("placed_at", placed),
                ("day", placed.date()),
                ("channel", channel),
                ("store", pickup or origin or ""),
                ("region", region or ""),
                ("status", status),
                ("revenue", float(sub - disc)),
                ("discount", float(disc)),
                ("tax", float(tax)),
                ("total", float(tot)),
                ("cost", cost),
                ("units", units),
                ("lines", lines),
            ):
                out[column].append(value)
        yield out


def _line_sums(order_ids: list[int]) -> dict[int, tuple[int, int, float | None]]:
    """Per order: kept units, lines and the cost of the kept units (None when unknown)."""
    sums: dict[int, tuple[int, int, float | None]] = {}
    rows = OrderLine.objects.filter(order_id__in=order_ids).values_list(
        "order_id", "quantity", "cancelled", "variant__unit_cost"
    )
    for oid, quantity, cancelled, unit_cost in rows:
        units, lines, cost = sums.get(oid, (0, 0, 0.0))
        kept = quantity - cancelled
        line_cost = None if unit_cost is None else float(unit_cost) * kept
        cost = None if cost is None or line_cost is None else cost + line_cost
        sums[oid] = (units + kept, lines + 1, cost)
    return sums


_LINE_FIELDS = (
    "id",
    "order_id",
    "order__customer_id",
    "order__placed_at",
    "order__channel",
    "order__pickup_location__code",
    "order__origin_location__code",
    "order__tax_region",
    "sku",
    "variant__product__code",
    "variant__product__category__name_es",
    "quantity",
    "cancelled",
    "total",
    "tax",
    "discount",
    "variant__unit_cost",
)


def line_chunks(order_ids: Iterable[int] | None = None, chunk: int = CHUNK) -> Iterator[Chunk]:
    """The ``order_lines`` fact: kept units (a cancelled unit never sold) and their share of
    the line's pre-tax total, with what came back of them."""
    lines, keep = _scope(OrderLine.objects.all(), order_ids, "order_id", 1)
    for rows in _pages(lines, _LINE_FIELDS, chunk, keep):
        back = _returned([r[0] for r in rows])
        out: Chunk = {c: [] for c in LINE_COLUMNS}
        for row in rows:
            (lid, oid, cid, at, channel, pickup, origin, region, sku, product, category) = row[:11]
            quantity, cancelled, total, tax, discount, unit_cost = row[11:]
            kept = quantity - cancelled
            share = kept / quantity if quantity else 0.0
            placed = _utc(at)
            returned_units, refunded = back.get(lid, (0, 0.0))
            for column, value in (
                ("line_id", lid),
                ("order_id", oid),
                ("customer_id", cid),
                ("placed_at", placed),
                ("day", placed.date()),
                ("channel", channel),
                ("store", pickup or origin or ""),
                ("region", region or ""),
                ("sku", sku),
                ("product", product),
                ("category", category or ""),
                ("quantity", kept),
                ("revenue", float(total - tax) * share),
                ("discount", float(discount) * share),
                ("cost", None if unit_cost is None else float(unit_cost) * kept),
                ("returned_quantity", returned_units),
                ("returned_revenue", refunded),
            ):
                out[column].append(value)
        yield out


def _returned(line_ids: list[int]) -> dict[int, tuple[int, float]]:
    """Per line: units back and their refund before tax (revenue is before tax too)."""
    rows = (
        ReturnLine.objects.filter(order_line_id__in=line_ids)
        .values("order_line_id", "order_line__order__tax_rate")
        .annotate(units=Sum("quantity"), refunded=Sum("refund"))
        .values_list("order_line_id", "order_line__order__tax_rate", "units", "refunded")
    )
    return {lid: (int(units or 0), _net(refunded, rate)) for lid, rate, units, refunded in rows}


def _net(amount: Decimal | None, tax_rate: Decimal | None) -> float:
    return round(float(amount or 0) / (1 + float(tax_rate or 0)), 2)


_RETURN_FIELDS = (
    "id",
    "order_id",
    "customer_id",
    "created_at",
    "channel",
    "location__code",
)


def return_chunks(order_ids: Iterable[int] | None = None, chunk: int = CHUNK) -> Iterator[Chunk]:
    """The ``returns`` fact: one row per return, its units and refund (before tax) summed
    from its lines."""
    returns, keep = _scope(Return.objects.all(), order_ids, "order_id", 1)
    for rows in _pages(returns, _RETURN_FIELDS, chunk, keep):
        sums = _return_sums([r[0] for r in rows])
        out: Chunk = {c: [] for c in RETURN_COLUMNS}
        for rid, oid, cid, at, channel, location in rows:
            units, amount = sums.get(rid, (0, 0.0))
            created = _utc(at)
            for column, value in (
                ("return_id", rid),
                ("order_id", oid),
                ("customer_id", cid),
                ("created_at", created),
                ("day", created.date()),
                ("channel", channel),
                ("store", location or ""),
                ("quantity", units),
                ("amount", amount),
            ):
                out[column].append(value)
        yield out


def _return_sums(return_ids: list[int]) -> dict[int, tuple[int, float]]:
    """Per return: units and refund before tax."""
    rows = (
        ReturnLine.objects.filter(ret_id__in=return_ids)
        .values("ret_id", "ret__order__tax_rate")
        .annotate(units=Sum("quantity"), amount=Coalesce(Sum("refund"), Decimal(0)))
        .values_list("ret_id", "ret__order__tax_rate", "units", "amount")
    )
    return {rid: (int(units or 0), _net(amount, rate)) for rid, rate, units, amount in rows}


def order_ids_for_numbers(numbers: Iterable[str]) -> dict[str, int]:
    """Order ids by number: the events name orders by their number (``PED-…``)."""
    wanted = [n for n in set(numbers) if n]
    if not wanted:
        return {}
    found = Order.objects.filter(number__in=wanted).values_list("number", "id")
    return dict(found)


def counts() -> dict[str, int]:
    """Rows each fact will have, for the export's progress bar."""
    return {
        "orders": Order.objects.count(),
        "order_lines": OrderLine.objects.count(),
        "returns": Return.objects.count(),
    }
