"""How each demo order was handed over, paid and, sometimes, brought back: the part of
:mod:`.demo_purchases` that turns a priced basket into commerce's rows, by commerce's rules.

A sale taken at a store is one captured charge; a card order is an authorization its capture
settled (at the shipment, or when collected); a shipment leaves the day after and arrives
three days later; what comes back is refunded on the charge it came from, line by line, and
the order says whether all or part of it came back. Plain Python, no Django.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

Rows = dict[str, list[tuple[Any, ...]]]
TABLES = ("Order", "OrderLine", "Shipment", "Payment", "Return", "ReturnLine")
RETURN_RATE = {"costly": 0.35}  # share of orders with something brought back; others 0.04
RETURN_REASONS = (
    "No le queda la talla",
    "Producto defectuoso",
    "Ya no lo necesita",
    "Llegó con el empaque dañado",
    "Se equivocó de producto",
)
CARRIERS = ("Servientrega", "Tramaco", "Laar Courier")


class Buyer(Protocol):
    """What the customers' demo says of one buyer (its ``Shopper``)."""

    @property
    def customer_id(self) -> int: ...
    @property
    def persona(self) -> str: ...
    @property
    def acquired_days(self) -> int: ...
    @property
    def channels(self) -> tuple[str, ...]: ...
    @property
    def city(self) -> str: ...
    @property
    def country(self) -> str: ...


@dataclass(frozen=True)
class Catalog:
    """The written catalog as plain values: ids, prices in cents, where each city buys."""

    skus: dict[str, tuple[int, int, str]]  # sku: (variant id, price in cents, description)
    product_skus: dict[str, tuple[str, ...]]  # product code: its SKUs
    category: dict[str, str]  # product code: category code
    stores: dict[str, tuple[int, ...]]  # city: its store location ids
    warehouses: dict[str, int]  # country: the location id orders ship from


@dataclass
class Ids:
    """The next id of each table (the writer reads the current maxima first)."""

    next: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 1))

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@cache
def money(cents: int) -> str:
    """Cents as the decimal text the writer inserts (cached: prices repeat)."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


@dataclass
class Line:
    sku: str
    quantity: int
    base: int = 0  # cents, before discount and tax
    discount: int = 0
    tax: int = 0
    line_id: int = 0

    @property
    def total(self) -> int:
        return self.base - self.discount + self.tax


class Settlement:
    """Fulfilment, payment and returns; :class:`.demo_purchases._Draw` adds the rest."""

    r: Callable[[], float]
    catalog: Catalog
    ids: Ids
    out: Rows

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.r() * len(seq))]

    def at(self, ago: int, hour_from: int = 13) -> str:
        raise NotImplementedError

    # Fulfilment, payment, returns -------------------------------------------------------

    def write_lines(
        self, order_id: int, lines: list[Line], where: int, back: Back | None
    ) -> str | None:
        """The order's lines (all handed over or shipped); the status a return leaves."""
        skus, rows = self.catalog.skus, self.out["OrderLine"]
        returned = back.quantities if back else {}
        for x in lines:
            variant, price, description = skus[x.sku]
            came_back = returned.get(x.line_id, 0)
            rows.append(
                (
                    x.line_id,
                    order_id,
                    variant,
                    x.sku,
                    description,
                    x.quantity,
                    money(price),
                    money(x.discount),
                    money(x.tax),
                    money(x.total),
                    where,
                    x.quantity,
                    came_back,
                    0,
                )
            )
        if back is None:
            return None
        whole = all(returned.get(x.line_id, 0) == x.quantity for x in lines)
        return "returned" if whole else "partly_returned"

    def ship(
        self, order_id: int, ago: int, placed: str, where: int, lines: list[Line], b: Buyer
    ) -> tuple[int, str]:
        """One shipment with everything, delivered after a few days; (its id, when it left)."""
        shipment_id = self.ids.take("Shipment")
        left = self.at(ago - 1, 14) if ago >= 2 else placed
        arrived = self.at(ago - 3, 15) if ago >= 4 else None
        carrier = self.pick(CARRIERS)
        content = json.dumps([{"sku": x.sku, "quantity": x.quantity} for x in lines])
        to = place(b.city, b.country)
        self.out["Shipment"].append(
            (
                shipment_id,
                order_id,
                where,
                "delivered" if arrived else "shipped",
                carrier,
                f"{carrier[:3].upper()}{shipment_id:09d}",
                to,
                content,
                left,
                arrived,
                None,
            )
        )
        return shipment_id, left

    def pay(
        self,
        order_id: int,
        placed: str,
        channel: str,
        shipped: tuple[int, str] | None,
        total: int,
        back: Back | None,
    ) -> int:
        """A sale taken now is one captured charge; a card order is an authorization its
        capture settled (at the shipment, or when collected). Returns the captured charge."""
        amount, refunded = money(total), money(back.refund if back else 0)
        rows = self.out["Payment"]

        def charge(status: str, label: str, taken: str, *links: int | None) -> int:
            pid = self.ids.take("Payment")
            given_back = refunded if status == "captured" else "0.00"
            head = (pid, order_id, "charge", status, "demo", f"demo-{pid}", label, amount)
            rows.append((*head, given_back, None, *links, channel, taken, 0))  # no points
            return pid

        if channel == "pos":
            label = self.pick(("Efectivo", "Visa débito", "Mastercard ···5100"))
            return charge("captured", label, placed, None, None)
        held = charge("settled", "Visa ···4242", placed, None, None)
        shipment, taken = shipped if shipped else (None, placed)
        return charge("captured", "Visa ···4242", taken, held, shipment)

    def bring_back(self, persona: str, ago: int, lines: list[Line], fulfilment: str) -> Back | None:
        """Whether something of the order came back, when, and its refund."""
        r = self.r
        if r() >= RETURN_RATE.get(persona, 0.04):
            return None
        after = 4 + int(r() * 12) if fulfilment == "ship" else 1 + int(r() * 14)
        if ago - after < 1:
            return None
        chosen = lines if persona == "costly" and r() < 0.5 else [self.pick(lines)]
        came_back = tuple((x.line_id, x.quantity, x.total) for x in chosen)
        return Back(ago - after, came_back, self.pick(RETURN_REASONS))

    def write_return(
        self, b: Buyer, order_id: int, back: Back, charge: int, store: int, channel: str
    ) -> None:
        """The return at a store (or sent back to the warehouse from the web), refunded on the
        charge it came from."""
        ret = self.ids.take("Return")
        at = self.at(back.ago)
        came = "pos" if channel == "pos" or self.r() < 0.6 else channel
        location = store if came == "pos" else self.catalog.warehouses.get(b.country, store)
        refund = money(back.refund)
        head = (ret, f"DEV-DEMO{ret:010d}", order_id, b.customer_id, came, location)
        # Demo history refunds go back the way they were paid, with no receipt sent.
        tail = ("original", "", "", None, None, at, "demo")
        self.out["Return"].append((*head, back.reason, refund, *tail))
        for line_id, quantity, given in back.lines:
            self.out["ReturnLine"].append(
                (self.ids.take("ReturnLine"), ret, line_id, quantity, money(given), True)
            )
        pid = self.ids.take("Payment")
        paid = (pid, order_id, "refund", "refunded", "demo", f"demo-{pid}", "", refund)
        self.out["Payment"].append((*paid, "0.00", charge, None, None, came, at, 0))


@dataclass(frozen=True)
class Back:
    """What came back of an order: when (days ago), how many of which lines, the refund."""

    ago: int
    lines: tuple[tuple[int, int, int], ...]  # (order line id, units, refund in cents)
    reason: str

    @property
    def quantities(self) -> dict[int, int]:
        return {line_id: units for line_id, units, _ in self.lines}

    @property
    def refund(self) -> int:
        return sum(refund for _, _, refund in self.lines)


@cache
def place(city: str, country: str) -> str:
    return json.dumps({"city": city, "country": country})
