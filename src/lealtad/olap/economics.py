"""Channel economics over the cube's facts: products per customer, the 1/2/3-channel curve,
acquisition cost per channel and segment, the best channel per segment and the segment-by-
channel map (seed 001's questions for the acquire and expand phases).

Definitions (the analytics docs repeat them for users):

* **Acquired** means the customer's first order that counts as a sale (not cancelled): its
  day, its channel and the customer's segment then. A contact alone is not an acquisition —
  prospects who only wrote or called are leads, and counting them would make every channel
  that answers questions look cheap. The first order is found over every order, then the
  caller's scope hides what it must (a store manager sees the customers acquired at their
  stores).
* **CAC** of a cost entry = its amount ÷ the customers acquired in its channel (and segment,
  ``''`` = every segment) between its period's first and last day. A cell's CAC spreads each
  entry over the segments of the customers it acquired.
* **First-year value** = what an acquired customer spent (all channels) in the 365 days from
  the first order, averaged over the customers with a full year behind them, so channels that
  opened recently are not compared on half a year against others' whole lives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from lealtad.olap.cohorts import sales_filter, scope_filter

YEAR_DAYS = 365


def products_per_customer(
    con: duckdb.DuckDBPyConnection, scope: Any = None, by: str = "product"
) -> dict[str, Any]:
    """How many distinct products (or categories) each buying customer took: the spread and
    its mean and median. Cancelled units do not count (a line's quantity is what was kept)."""
    if by not in ("product", "category"):
        raise ValueError("by must be 'product' or 'category'")
    where, params = scope_filter(scope, "l")
    sql = f"""
        WITH per AS (
            SELECT l.customer_id, count(DISTINCT l.{by}) AS n FROM order_lines l
            WHERE l.quantity > 0 AND l.{by} <> '' AND l.customer_id IS NOT NULL{where}
            GROUP BY 1
        )
        SELECT n, count(*) FROM per GROUP BY 1 ORDER BY 1
    """
    spread = [(int(n), int(c)) for n, c in con.execute(sql, params).fetchall()]
    customers = sum(c for _, c in spread)
    mean = sum(n * c for n, c in spread) / customers if customers else None
    return {
        "by": by,
        "customers": customers,
        "mean": mean,
        "median": _median(spread, customers),
        "distribution": [{"count": n, "customers": c} for n, c in spread],
    }


def _median(spread: list[tuple[int, int]], total: int) -> float | None:
    """The median of a distribution given as (value, how many) pairs in value order."""
    if not total:
        return None

    def at(position: int) -> int:
        seen = 0
        for n, c in spread:
            seen += c
            if position < seen:
                return n
        return spread[-1][0]

    return (at((total - 1) // 2) + at(total // 2)) / 2


def channel_set_sql(
    con: duckdb.DuckDBPyConnection, where: str, params: list[Any]
) -> tuple[str, list[Any]]:
    """An aggregate giving each group's set of channels as bits, and its parameters.

    ``bit_or`` of one bit per channel is twice as fast as ``count(DISTINCT channel)`` over
    millions of orders; ``bit_count`` of it is the number of channels. Past 63 channels (no
    bit left) the plain distinct count is used."""
    rows = con.execute(f"SELECT DISTINCT channel FROM orders WHERE {where}", params).fetchall()
    channels = sorted(str(r[0]) for r in rows)
    if len(channels) > 63:
        return "count(DISTINCT channel)", []
    return "bit_count(bit_or(1::UBIGINT << list_position(?, channel)))", [channels]


def channel_curve(
    con: duckdb.DuckDBPyConnection, scope: Any = None, top: int = 3
) -> list[dict[str, Any]]:
    """Per calendar year, customers by how many channels they bought through (1, 2, … ``top``
    or more) and their average spend that year: seed 001's curve. A year with data short of
    December 31 is marked ``partial`` (its averages are not a whole year's)."""
    where, params = sales_filter(scope)
    channels, c_params = channel_set_sql(con, where, params)
    sql = f"""
        WITH per AS (
            SELECT customer_id, year(day) AS y, {channels} AS n, sum(revenue) AS r
            FROM orders WHERE {where} AND customer_id IS NOT NULL GROUP BY 1, 2
        )
        SELECT y, least(n, ?) AS k, count(*), avg(r), sum(r) FROM per GROUP BY 1, 2 ORDER BY 1, 2
    """
    rows = con.execute(sql, [*c_params, *params, top]).fetchall()
    last = con.execute(f"SELECT max(day) FROM orders WHERE {where}", params).fetchall()[0][0]
    return [
        {
            "year": int(y),
            "channels": int(k),
            "label": f"{k}+" if k == top else str(k),
            "customers": int(c),
            "average_annual_sales": float(a or 0.0),
            "revenue": float(r or 0.0),
            "partial": last is not None and last < dt.date(int(y), 12, 31),
        }
        for y, k, c, a, r in rows
    ]


@dataclass(frozen=True)
class CostEntry:
    """An acquisition cost as the analytics context stored it (plain values)."""

    id: int
    start: dt.date
    end: dt.date
    channel: str
    segment: str
    amount: float
    currency: str = ""
    campaign: str = ""


_FIRSTS = """
    firsts AS MATERIALIZED (
        SELECT customer_id, arg_min(channel, placed_at) AS channel, min(day) AS day{extra}
        FROM orders WHERE status <> 'cancelled' AND customer_id IS NOT NULL GROUP BY 1
    ),
    acquired AS MATERIALIZED (
        SELECT f.customer_id, f.channel, f.day, COALESCE(c.segment, 'unknown') AS segment
        FROM firsts f LEFT JOIN customers c USING (customer_id) WHERE TRUE{scope}
    )
"""


def _acquired_sql(scope: Any) -> tuple[str, list[Any]]:
    """The first orders, with the store and region of each only when the scope limits them
    (each ``arg_min`` over millions of orders costs a second)."""
    where, params = scope_filter(scope, "f")
    extra = "".join(
        f", arg_min({column}, placed_at) AS {column}"
        for column, attribute in (("store", "stores"), ("region", "regions"))
        if getattr(scope, attribute, None) is not None
    )
    return _FIRSTS.format(scope=where, extra=extra), params


def _costs_values(costs: Iterable[CostEntry]) -> tuple[str, list[Any]]:
    rows = list(costs)
    if not rows:
        typed = "SELECT 0::BIGINT AS id, NULL::DATE AS s, NULL::DATE AS e, ''::VARCHAR AS ch, "
        return typed + "''::VARCHAR AS seg, 0.0::DOUBLE AS amount WHERE FALSE", []
    values = ", ".join(
        "(?::BIGINT, ?::DATE, ?::DATE, ?::VARCHAR, ?::VARCHAR, ?::DOUBLE)" for _ in rows
    )
    params: list[Any] = []
    for c in rows:
        params += [c.id, c.start, c.end, c.channel, c.segment, float(c.amount)]
    return f"SELECT * FROM (VALUES {values}) AS t(id, s, e, ch, seg, amount)", params


def acquisition_costs(
    con: duckdb.DuckDBPyConnection, costs: Iterable[CostEntry], scope: Any = None
) -> list[dict[str, Any]]:
    """Each cost entry with the customers it acquired and its CAC (``None`` when it acquired
    nobody: money spent for no customer is shown, not divided by zero)."""
    entries = list(costs)
    acquired, a_params = _acquired_sql(scope)
    values, v_params = _costs_values(entries)
    sql = f"""
        WITH {acquired}, costs AS ({values})
        SELECT k.id, count(a.customer_id) FROM costs k LEFT JOIN acquired a
          ON a.channel = k.ch AND a.day BETWEEN k.s AND k.e AND (k.seg = '' OR a.segment = k.seg)
        GROUP BY k.id
    """
    counts = dict(con.execute(sql, [*a_params, *v_params]).fetchall())
    out = []
    for c in entries:
        n = int(counts.get(c.id, 0))
        out.append(
            {
                "id": c.id,
                "period_start": c.start.isoformat(),
                "period_end": c.end.isoformat(),
                "channel": c.channel,
                "segment": c.segment,
                "campaign": c.campaign,
                "amount": float(c.amount),
                "currency": c.currency,
                "customers_acquired": n,
                "cac": float(c.amount) / n if n else None,
            }
        )
    return out


_CELLS = """
    WITH {acquired}, costs AS ({values}),
    as_of AS (SELECT max(day) AS d FROM orders WHERE status <> 'cancelled'),
    per_channel AS MATERIALIZED (
        SELECT o.customer_id, o.channel, sum(o.revenue) AS revenue,
               sum(o.revenue) FILTER (WHERE o.day < f.day + {year}) AS early
        FROM orders o LEFT JOIN firsts f USING (customer_id)
        WHERE {sales} AND o.customer_id IS NOT NULL GROUP BY 1, 2
    ),
    buying AS (
        SELECT COALESCE(c.segment, 'unknown') AS segment, p.channel,
               count(*) AS customers, sum(p.revenue) AS revenue
        FROM per_channel p LEFT JOIN customers c USING (customer_id) GROUP BY 1, 2
    ),
    spent AS (SELECT customer_id, sum(early) AS value FROM per_channel GROUP BY 1),
    first_year AS (
        SELECT a.customer_id, a.segment, a.channel,
               a.day <= (SELECT d FROM as_of) - {year} AS matured,
               COALESCE(s.value, 0) AS value
        FROM acquired a LEFT JOIN spent s USING (customer_id)
    ),
    acq AS (
        SELECT segment, channel, count(*) AS acquired, count(*) FILTER (WHERE matured) AS matured,
               avg(value) FILTER (WHERE matured) AS first_year_value
        FROM first_year GROUP BY 1, 2
    ),
    hits AS (
        SELECT k.id, k.amount, a.segment, a.channel, count(*) AS n
        FROM costs k JOIN acquired a ON a.channel = k.ch AND a.day BETWEEN k.s AND k.e
             AND (k.seg = '' OR a.segment = k.seg)
        GROUP BY 1, 2, 3, 4
    ),
    spread AS (
        SELECT segment, channel, sum(amount * n / total) AS cost, sum(n) AS costed
        FROM (SELECT *, sum(n) OVER (PARTITION BY id) AS total FROM hits) GROUP BY 1, 2
    )
    SELECT COALESCE(b.segment, q.segment) AS segment, COALESCE(b.channel, q.channel) AS channel,
           COALESCE(b.customers, 0), COALESCE(b.revenue, 0), COALESCE(q.acquired, 0),
           COALESCE(q.matured, 0), q.first_year_value, s.cost, COALESCE(s.costed, 0)
    FROM buying b
    FULL JOIN acq q ON q.segment = b.segment AND q.channel = b.channel
    LEFT JOIN spread s ON s.segment = COALESCE(b.segment, q.segment)
         AND s.channel = COALESCE(b.channel, q.channel)
    ORDER BY 1, 2
"""


def segment_channel_map(
    con: duckdb.DuckDBPyConnection, costs: Iterable[CostEntry], scope: Any = None
) -> list[dict[str, Any]]:
    """One cell per segment and channel: customers buying there and their revenue; customers
    acquired there, their first-year value; the acquisition cost spread onto the cell, CAC
    (over the customers acquired inside costed periods) and first-year value net of CAC."""
    acquired, a_params = _acquired_sql(scope)
    values, v_params = _costs_values(costs)
    sales, s_params = sales_filter(scope, "o")
    sql = _CELLS.format(acquired=acquired, values=values, sales=sales, year=YEAR_DAYS)
    rows = con.execute(sql, [*a_params, *v_params, *s_params]).fetchall()
    return [_cell(row) for row in rows]


def _cell(row: tuple[Any, ...]) -> dict[str, Any]:
    segment, channel, customers, revenue, acquired, matured, value, cost, costed = row
    cac = float(cost) / int(costed) if cost is not None and costed else None
    value = float(value) if value is not None else None
    return {
        "segment": segment,
        "channel": channel,
        "customers": int(customers),
        "revenue": float(revenue),
        "acquired": int(acquired),
        "matured": int(matured),
        "first_year_value": value,
        "acquisition_cost": float(cost) if cost is not None else None,
        "cac": cac,
        "net_value": value - cac if value is not None and cac is not None else None,
    }


def best_channel_per_segment(cells: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per segment, the acquisition channel whose customers bring the most in their first
    year net of what winning each of them cost.

    Revenue per customer alone would crown a channel that buys big spenders at any price, CAC
    alone one that brings cheap customers who spend nothing; the difference is what a new
    customer from the channel leaves after paying for itself. Where no channel of a segment
    has a cost entered the ranking falls back to first-year value, and says so (``basis``)."""
    by_segment: dict[str, list[Mapping[str, Any]]] = {}
    for cell in cells:
        if cell["first_year_value"] is not None:
            by_segment.setdefault(cell["segment"], []).append(cell)
    out = []
    for segment, candidates in sorted(by_segment.items()):
        netted = [c for c in candidates if c["net_value"] is not None]
        basis = "net_of_cac" if netted else "first_year_value"
        pool = netted or candidates
        key = "net_value" if netted else "first_year_value"
        ranked = sorted(pool, key=lambda c: (-c[key], c["channel"]))
        best = ranked[0]
        out.append(
            {
                "segment": segment,
                "channel": best["channel"],
                "basis": basis,
                "first_year_value": best["first_year_value"],
                "cac": best["cac"],
                "net_value": best["net_value"],
                "runner_up": ranked[1]["channel"] if len(ranked) > 1 else None,
                "ranked": [c["channel"] for c in ranked],
            }
        )
    return out
