"""Two and a half years of purchases for the demo's buyers: a pure function of its arguments.

Each buyer comes with a persona (see ``lealtad.customers.demo.shoppers``): when they first
bought, on which channels, and how they behave. From it this draws their orders over time,
what is in each basket (missions from :mod:`.demo_assortment`, so products bought together
give market-basket rules with clear lift), the promotions that applied, how the order was
fulfilled and paid, and what came back. Buyers on more channels buy more often and bigger
baskets (seed 001's 1/2/3-channel curve: roughly x, 2-3x, 4-5x a year).

Rows come out with their ids, in the columns :mod:`.demo_history` writes, as plain values
(money as strings such as ``"12.34"``, times as UTC ``"YYYY-MM-DD HH:MM:SS"``): no Django
here, so it is tested and timed alone. One random stream per call; a seed and the same
buyers give the same rows.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache

from lealtad.commerce.demo_assortment import IMPULSE, MISSION_WEIGHTS, MISSIONS, TAX_RATES
from lealtad.commerce.demo_settlement import (
    TABLES,
    Buyer,
    Catalog,
    Ids,
    Line,
    Rows,
    Settlement,
    money,
    place,
)

__all__ = ["TABLES", "Buyer", "Catalog", "Ids", "purchases"]

# How much more often, and how much more per visit, a buyer on n channels buys.
FREQUENCY = {1: 1.0, 2: 1.5, 3: 2.0}
SECOND_MISSION = {1: 0.05, 2: 0.15, 3: 0.25}
# Days between orders for a single-channel buyer of each persona (halved to doubled at random).
GAP = {"regular": 75, "mvc": 100, "growing": 70, "lapsed": 70, "won_back": 70, "costly": 40}
SHIP_FROM = 30_00  # cents: a smaller web order is collected at a store, not shipped


def promotion_days(today: date, span: int) -> set[int]:
    """Days ago that fell in a cyber week (late November, early July)."""
    found = set()
    for ago in range(span):
        day = today - timedelta(days=ago)
        if (day.month == 11 and day.day >= 24) or (day.month == 7 and day.day <= 7):
            found.add(ago)
    return found


def purchases(seed: int, buyers: Sequence[Buyer], catalog: Catalog, ids: Ids, today: date) -> Rows:
    """The rows of every order, line, shipment, payment and return of ``buyers``."""
    first = buyers[0].customer_id if buyers else 0
    draw = _Draw(random.Random(seed * 7_919 + first), catalog, ids, today)
    for buyer in buyers:
        if buyer.persona != "prospect" and buyer.channels:
            draw.buyer(buyer)
    return draw.out


class _Draw(Settlement):
    """One call's random stream and rows; draws happen in a fixed order."""

    def __init__(self, rng: random.Random, catalog: Catalog, ids: Ids, today: date) -> None:
        self.r, self.catalog, self.ids = rng.random, catalog, ids
        span = 1000
        self.days = [(today - timedelta(days=d)).isoformat() for d in range(span)]
        self.cyber = promotion_days(today, span)
        self.out: Rows = {name: [] for name in TABLES}
        self.missions = {
            persona: (list(weights), _cumulative(list(weights.values())))
            for persona, weights in MISSION_WEIGHTS.items()
        }

    def at(self, ago: int, hour_from: int = 13) -> str:
        """A time on that day, in UTC, within opening hours (08:00-18:59 in Ecuador)."""
        times = _times(hour_from)
        return self.days[ago] + times[int(self.r() * len(times))]

    # When -------------------------------------------------------------------------------

    def order_days(self, persona: str, acquired: int, n_channels: int) -> list[int]:
        """Days ago of each order, oldest first."""
        r = self.r
        if persona == "one_time":
            return [acquired]
        if persona == "occasional":
            more = 1 + int(r() * 3)
            return [acquired, *sorted((int(r() * acquired) for _ in range(more)), reverse=True)]
        gap = GAP[persona] / FREQUENCY[n_channels]
        stop = 0
        if persona == "lapsed":
            stop = 366 + int(r() * min(180, max(1, acquired - 400)))
        elif persona == "won_back":
            stop = 420 + int(r() * min(120, max(1, acquired - 500)))
        found, ago = [], acquired
        while ago >= stop:
            found.append(ago)
            ago -= max(1, int(gap * (0.5 + r())))
            if persona == "growing":
                gap = max(gap * 0.9, 20)  # buying more often as they go
        if persona == "won_back":  # back after a long gap, in the last four months
            found += sorted((int(r() * 120) for _ in range(2 + int(r() * 3))), reverse=True)
        return found

    # What -------------------------------------------------------------------------------

    def basket(self, persona: str, n_channels: int, growth: float, least: int) -> list[Line]:
        """What one order holds: one mission or more, and at least ``least`` cents of it (a
        phone order is worth its delivery)."""
        r, catalog = self.r, self.catalog
        names, cum = self.missions.get(persona, self.missions["default"])
        wanted: dict[str, int] = {}
        missions = 1 + (r() < SECOND_MISSION[n_channels] * growth)
        extra = 0.25 if persona == "mvc" else 0.18 * growth
        done = value = 0
        while done < missions or (value < least and done < 4):
            done += 1
            core, companions = MISSIONS[names[_index(cum, r())]]
            chosen = [self.pick(core)] + [p for p, share in companions if r() < share]
            if r() < 0.1:
                chosen.append(self.pick(IMPULSE))
            for product in chosen:
                sku = self.pick(catalog.product_skus[product])
                quantity = 1
                if catalog.category[product] != "celulares" and r() < extra:
                    quantity += 1 + int(r() * 2)
                wanted[sku] = wanted.get(sku, 0) + quantity
                value += catalog.skus[sku][1] * quantity
        return [Line(sku, quantity) for sku, quantity in wanted.items()]

    # One buyer --------------------------------------------------------------------------

    def buyer(self, b: Buyer) -> None:
        n_channels = min(3, len(b.channels))
        days = self.order_days(b.persona, b.acquired_days, n_channels)
        for n, ago in enumerate(days):
            growth = 1.0 + (n / len(days) if b.persona == "growing" else 0.0)
            channel = b.channels[0] if self.r() < 0.55 else self.pick(b.channels)
            least = SHIP_FROM if channel == "call_center" or b.persona == "one_time" else 0
            lines = self.basket(b.persona, n_channels, growth, least)
            self.order(b, max(1, ago), channel, lines, first=n == 0)  # none later than yesterday

    def order(self, b: Buyer, ago: int, channel: str, lines: list[Line], first: bool) -> None:
        r, catalog = self.r, self.catalog
        promotions = self.price(b, ago, channel, lines, first)
        store = self.pick(catalog.stores.get(b.city) or catalog.stores[""])
        if channel == "pos":
            fulfilment, where = "take_now", store
        elif channel in ("web", "mobile") and (r() < 0.35 or _base(lines) < SHIP_FROM):
            fulfilment, where = "pickup", store
        else:
            fulfilment, where = "ship", catalog.warehouses.get(b.country, store)
        order_id = self.ids.take("Order")
        number = f"PED-DEMO{order_id:010d}"
        placed = self.at(ago)
        for line in lines:
            line.line_id = self.ids.take("OrderLine")
        back = self.bring_back(b.persona, ago, lines, fulfilment)
        status = self.write_lines(order_id, lines, where, back)
        if fulfilment == "ship" and status is None:
            status = "delivered" if ago >= 4 else "shipped"
        status = status or "completed"
        shipped = (
            self.ship(order_id, ago, placed, where, lines, b) if fulfilment == "ship" else None
        )
        total = sum(x.total for x in lines)
        charge = self.pay(order_id, placed, channel, shipped, total, back)
        if back is not None:
            self.write_return(b, order_id, back, charge, store, channel)
        subtotal = sum(x.base for x in lines)
        discount, tax = sum(x.discount for x in lines), sum(x.tax for x in lines)
        ship_to = place(b.city, b.country) if fulfilment == "ship" else "{}"
        handed_at = store if fulfilment != "ship" else None  # the store it was handed over at
        who = (order_id, number, b.customer_id, channel, status, fulfilment, None, ship_to)
        where_taken = (handed_at, store if channel == "pos" else None, False, "USD")
        tax_rate = (b.country, "", TAX_RATES[b.country])
        amounts = (money(subtotal), money(discount), money(tax), money(subtotal - discount + tax))
        rest = (_promotions(tuple(promotions)), "", None, "", placed, "demo", placed)
        self.out["Order"].append((*who, *where_taken, *tax_rate, *amounts, *rest))

    def price(self, b: Buyer, ago: int, channel: str, lines: list[Line], first: bool) -> list[str]:
        """Base, discount and tax of each line (in cents, half up); the promotions applied."""
        r, skus = self.r, self.catalog.skus
        percent, applied = 0, []
        if ago in self.cyber:
            percent, applied = 20, ["CYBER-20"]
        elif first and channel in ("web", "mobile"):
            percent, applied = 10, ["BIENVENIDA-10"]
        elif b.persona == "costly" and r() < 0.5:
            percent, applied = 15, ["CORTESIA-15"]
        in_basket = {line.sku for line in lines}
        bundle = "FAR-VITC" in in_basket and bool(in_basket & {"FAR-PARA", "FAR-IBU"})
        if bundle:
            applied.append("COMBO-DOLOR")
        rate = int(TAX_RATES[b.country].replace(".", ""))  # 0.1500 -> 1500 (per 10,000)
        for line in lines:
            line.base = skus[line.sku][1] * line.quantity
            off = 15 if bundle and line.sku == "FAR-VITC" and not percent else percent
            line.discount = (line.base * off + 50) // 100
            line.tax = ((line.base - line.discount) * rate + 5_000) // 10_000
        return applied


@cache
def _promotions(codes: tuple[str, ...]) -> str:
    return json.dumps(list(codes))


def _base(lines: list[Line]) -> int:
    return sum(line.base for line in lines)


@cache
def _times(hour_from: int) -> list[str]:
    """Times of day from ``hour_from`` (UTC) to midnight, every 7 seconds."""
    return [
        f" {hour:02d}:{minute:02d}:{second:02d}"
        for hour in range(hour_from, 24)
        for minute in range(60)
        for second in range(0, 60, 7)
    ]


def _cumulative(weights: list[int]) -> list[float]:
    total, acc, found = sum(weights), 0, []
    for w in weights:
        acc += w
        found.append(acc / total)
    return found


def _index(cum: list[float], x: float) -> int:
    for i, bound in enumerate(cum):
        if x < bound:
            return i
    return len(cum) - 1
