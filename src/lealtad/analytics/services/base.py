"""The customer base as columns: every live customer, their purchases and returns, and what
serving them cost — read from the cube's facts (DuckDB over the Parquet export) in a few
set-based queries, so the refresh never loops over customers in Python or SQL. The service
desk's support money per customer is not in the facts: it comes from the service desk
through :mod:`lealtad.core.support_costs` (one grouped query there).

Customers are numbered 0..n-1 in the order of their ids; every per-customer column uses that
numbering, and the transaction log names customers by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
from django.utils import timezone
from numpy.typing import NDArray

from lealtad.core import support_costs

EPOCH = np.datetime64("1970-01-01", "D")

_TRANSACTIONS = """
    SELECT customer_id, day, revenue AS amount FROM orders WHERE status <> 'cancelled'
    UNION ALL
    SELECT customer_id, day, -amount FROM returns
"""
# Contacts that cost the company someone's time: the timeline's calls, visits, messages,
# complaints — not its transactions (the order steps commerce puts there, purchases, payments,
# returns counted on their own, redemptions, registrations, log-ins) nor the lifecycle
# changes this context puts there. "Recent" is the last 90 days.
NOT_SERVICE = (
    "order",
    "lifecycle",
    "purchase",
    "payment",
    "return",
    "redemption",
    "registration",
    "login",
)
_SERVICE = """
    SELECT customer_id,
           sum(contacts) AS contacts, sum(recent_contacts) AS recent_contacts,
           sum(returns) AS returns, sum(recent_returns) AS recent_returns,
           sum(shipments) AS shipments, sum(discount) AS discount, sum(channels) AS channels
    FROM (
        SELECT customer_id, count(*) AS contacts,
               count(*) FILTER (WHERE day > $recent) AS recent_contacts,
               0 AS returns, 0 AS recent_returns, 0 AS shipments, 0.0 AS discount, 0 AS channels
        FROM contacts WHERE NOT list_contains($not_service, kind) AND day <= $as_of GROUP BY 1
        UNION ALL
        SELECT customer_id, 0, 0, count(*), count(*) FILTER (WHERE day > $recent), 0, 0.0, 0
        FROM returns WHERE day <= $as_of GROUP BY 1
        UNION ALL
        SELECT customer_id, 0, 0, 0, 0, count(*) FILTER (WHERE store = ''), sum(discount),
               count(DISTINCT channel)
        FROM orders WHERE status <> 'cancelled' AND day <= $as_of GROUP BY 1
    ) GROUP BY 1
"""
_COUNTS = (
    "contacts",
    "recent_contacts",
    "returns",
    "recent_returns",
    "shipments",
    "discount",
    "channels",
)
RECENT_DAYS = 90


@dataclass
class Base:
    """The base as of ``as_of``: ``ids`` sorted, and the log of transactions (returns have a
    negative amount) with each row's customer position and day number."""

    as_of: date
    ids: NDArray[np.int64]
    created_day: NDArray[np.int64]
    tx_customer: NDArray[np.int64]
    tx_day: NDArray[np.int64]
    tx_amount: NDArray[np.float64]
    contacts: NDArray[np.int64]
    recent_contacts: NDArray[np.int64]
    returns: NDArray[np.int64]
    recent_returns: NDArray[np.int64]
    shipments: NDArray[np.int64]
    discounts: NDArray[np.float64]
    channels: NDArray[np.int64]
    support_cost: NDArray[np.float64]  # money: the service desk's cases resolved by as_of
    warnings: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return int(self.ids.size)

    @property
    def as_of_day(self) -> int:
        return day_number(self.as_of)


def day_number(day: date) -> int:
    return int((np.datetime64(day, "D") - EPOCH).astype(np.int64))


def load(connection: object, as_of: date) -> Base:
    """Read the base through a DuckDB connection where the fact tables are views."""
    customers = connection.execute(  # type: ignore[attr-defined]
        "SELECT customer_id, CAST(created_at AS DATE) AS day FROM customers ORDER BY 1"
    ).fetchnumpy()
    ids = np.asarray(customers["customer_id"], dtype=np.int64)
    created = _days(customers["day"])
    log = connection.execute(_TRANSACTIONS).fetchnumpy()  # type: ignore[attr-defined]
    warnings: list[str] = []
    position, known = _positions(ids, np.asarray(log["customer_id"], dtype=np.int64))
    if not known.all():
        warnings.append(
            f"{int((~known).sum())} transaction(s) of customers no longer in the base "
            "(merged or erased) left out"
        )
    amount = np.asarray(log["amount"], dtype=np.float64)[known]
    recent = as_of - timedelta(days=RECENT_DAYS)
    service = _per_customer(
        ids,
        connection.execute(  # type: ignore[attr-defined]
            _SERVICE, {"as_of": as_of, "recent": recent, "not_service": list(NOT_SERVICE)}
        ).fetchnumpy(),
    )
    return Base(
        as_of=as_of,
        ids=ids,
        created_day=created,
        tx_customer=position[known],
        tx_day=_days(log["day"])[known],
        tx_amount=np.nan_to_num(amount, nan=0.0),
        contacts=service["contacts"].astype(np.int64),
        recent_contacts=service["recent_contacts"].astype(np.int64),
        returns=service["returns"].astype(np.int64),
        recent_returns=service["recent_returns"].astype(np.int64),
        shipments=service["shipments"].astype(np.int64),
        discounts=service["discount"],
        channels=service["channels"].astype(np.int64),
        support_cost=support_column(ids, support_by_customer(as_of)),
        warnings=warnings,
    )


def support_by_customer(as_of: date) -> Mapping[int, float]:
    """The support money of every customer's cases resolved up to the end of ``as_of`` (the
    installation's day), over all history like the contacts and returns counted beside it."""
    until = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
    return support_costs.by_customer(None, until)


def support_column(ids: NDArray[np.int64], money: Mapping[int, float]) -> NDArray[np.float64]:
    """Money keyed by customer id, spread onto the base's numbering (0 where absent; the cases
    of customers no longer in the base, merged or erased, are left out)."""
    column = np.zeros(ids.size, np.float64)
    if not money:
        return column
    wanted = np.fromiter(money.keys(), dtype=np.int64, count=len(money))
    values = np.fromiter(money.values(), dtype=np.float64, count=len(money))
    position, known = _positions(ids, wanted)
    column[position[known]] = np.nan_to_num(values[known], nan=0.0)
    return column


def _days(values: object) -> NDArray[np.int64]:
    """Day numbers from DuckDB's DATE column (datetime64; NULL becomes day 0)."""
    array = np.asarray(values)
    if hasattr(array, "mask"):
        array = np.ma.filled(array, EPOCH)  # type: ignore[arg-type]
    return (array.astype("datetime64[D]") - EPOCH).astype(np.int64)


def _positions(
    ids: NDArray[np.int64], wanted: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Each wanted id's position in the sorted ``ids``, and whether it is there at all."""
    if ids.size == 0:
        return np.zeros(wanted.size, np.int64), np.zeros(wanted.size, bool)
    position = np.searchsorted(ids, wanted).clip(0, ids.size - 1)
    return position.astype(np.int64), ids[position] == wanted


def _per_customer(
    ids: NDArray[np.int64], found: dict[str, NDArray[np.generic]]
) -> dict[str, NDArray[np.float64]]:
    """Columns keyed by customer id, spread onto the base's numbering (0 where absent)."""
    position, known = _positions(ids, np.asarray(found["customer_id"], dtype=np.int64))
    out = {}
    for name in _COUNTS:
        column = np.zeros(ids.size, np.float64)
        values = np.nan_to_num(np.asarray(found[name], dtype=np.float64), nan=0.0)
        column[position[known]] = values[known]
        out[name] = column
    return out


def margin_share(connection: object, ids: NDArray[np.int64], assumed: float) -> NDArray[np.float64]:
    """Each customer's margin as a share of what they spent: from the products' unit costs
    where known, the ``assumed`` share of the sale where not; ``assumed`` for non-buyers."""
    found = connection.execute(  # type: ignore[attr-defined]
        "SELECT customer_id, sum(revenue - coalesce(cost, revenue * (1 - ?))) AS margin, "
        "sum(revenue) AS revenue FROM orders WHERE status <> 'cancelled' GROUP BY 1",
        [assumed],
    ).fetchnumpy()
    share = np.full(ids.size, assumed, np.float64)
    position, known = _positions(ids, np.asarray(found["customer_id"], dtype=np.int64))
    revenue = np.nan_to_num(np.asarray(found["revenue"], dtype=np.float64))
    margin = np.nan_to_num(np.asarray(found["margin"], dtype=np.float64))
    usable = known & (revenue > 0)
    share[position[usable]] = np.clip(margin[usable] / revenue[usable], -1.0, 1.0)
    return share


def baskets(connection: object) -> list[list[str]]:
    """Every order's products (orders not cancelled), for the market-basket rules: one
    DuckDB aggregation over the line facts instead of a read of every line from the
    database."""
    table = connection.sql(  # type: ignore[attr-defined]
        "SELECT list(DISTINCT l.product) AS products FROM order_lines AS l "
        "JOIN orders AS o ON o.order_id = l.order_id "
        "WHERE o.status <> 'cancelled' AND l.product <> '' GROUP BY l.order_id"
    ).to_arrow_table()
    found: list[list[str]] = table.column("products").to_pylist()
    return found
