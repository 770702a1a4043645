"""Prices, promotions and taxes: one calculation for every channel (no Django import).

The services load the rows (unit prices already chosen by the channel price policy, the
promotions in force, the region's tax rate) and hand them here as plain values; the store
handheld, the web shop, the contact center and an external channel's ``order.placed`` all get
the same answer for the same basket.

Rules, in order:

1. Each line's base is ``unit_price x quantity`` (prices exclude tax).
2. Eligible promotions (in their dates, on the order's channel, for one of the customer's
   segments, with the coupon when they ask for one) apply in priority order, each on what the
   earlier ones left, never below zero:
   ``percent`` takes a percentage off each line it covers; ``amount`` takes a fixed sum off
   the lines it covers, shared in proportion to their bases (the cent left over by rounding
   goes to the largest line); ``bundle`` takes a percentage off the covered lines only when
   every product of the bundle is in the basket.
3. Tax is computed per line on the discounted base, at the region's rate.
4. Every amount is rounded to cents, half up, at the line; order totals are sums of lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

PERCENT, AMOUNT, BUNDLE = "percent", "amount", "bundle"
KINDS = (PERCENT, AMOUNT, BUNDLE)


def cents(value: Decimal) -> Decimal:
    """Round to cents, half up (0.005 → 0.01), as invoices in the region do."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One basket line as priced: the unit price the channel policy chose, before tax."""

    sku: str
    product: str
    quantity: int
    unit_price: Decimal
    category: str = ""


@dataclass(frozen=True)
class Promotion:
    code: str
    kind: str
    value: Decimal
    priority: int = 100
    coupon: str = ""
    channels: frozenset[str] = frozenset()  # empty: every channel
    segments: frozenset[str] = frozenset()  # empty: every customer
    skus: frozenset[str] = frozenset()  # what it covers; all empty: the whole basket
    products: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def covers(self, line: Line) -> bool:
        if not (self.skus or self.products or self.categories):
            return True
        return (
            line.sku in self.skus
            or line.product in self.products
            or (bool(line.category) and line.category in self.categories)
        )


@dataclass(frozen=True)
class Context:
    channel: str
    at: datetime
    segments: frozenset[str] = frozenset()
    coupon: str = ""


@dataclass(frozen=True)
class PricedLine:
    line: Line
    base: Decimal
    discount: Decimal
    tax: Decimal

    @property
    def net(self) -> Decimal:
        return self.base - self.discount

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class Quote:
    lines: tuple[PricedLine, ...]
    tax_rate: Decimal
    applied: tuple[str, ...] = field(default_factory=tuple)

    @property
    def subtotal(self) -> Decimal:
        return sum((p.base for p in self.lines), ZERO)

    @property
    def discount(self) -> Decimal:
        return sum((p.discount for p in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((p.tax for p in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.tax


def eligible(promo: Promotion, ctx: Context) -> bool:
    if promo.kind not in KINDS or promo.value <= 0:
        return False
    if promo.starts_at and ctx.at < promo.starts_at:
        return False
    if promo.ends_at and ctx.at >= promo.ends_at:
        return False
    if promo.channels and ctx.channel not in promo.channels:
        return False
    if promo.segments and not (promo.segments & ctx.segments):
        return False
    return not promo.coupon or promo.coupon.strip().upper() == ctx.coupon.strip().upper()


def _share(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``amount`` over ``weights`` in proportion; the remainder goes to the largest."""
    total = sum(weights, ZERO)
    if total <= 0:
        return [ZERO for _ in weights]
    amount = min(amount, total)
    parts = [cents(amount * w / total) for w in weights]
    biggest = max(range(len(weights)), key=lambda i: (weights[i], -i))
    parts[biggest] += amount - sum(parts, ZERO)
    # Rounding up twice could push the largest share past its weight; fold it back.
    for i, w in enumerate(weights):
        if parts[i] > w:
            spill, parts[i] = parts[i] - w, w
            j = next(k for k in range(len(weights)) if parts[k] < weights[k])
            parts[j] += spill
    return parts


def _apply(promo: Promotion, lines: list[Line], discounts: list[Decimal]) -> bool:
    bases = [cents(line.unit_price * line.quantity) for line in lines]
    covered = [i for i, line in enumerate(lines) if promo.covers(line)]
    if not covered:
        return False
    if promo.kind == BUNDLE:
        present = {lines[i].product for i in covered}
        if not promo.products or not promo.products <= present:
            return False
    left = [bases[i] - discounts[i] for i in covered]
    if promo.kind in (PERCENT, BUNDLE):
        rate = min(promo.value, HUNDRED) / HUNDRED
        takes = [min(cents(rest * rate), rest) for rest in left]
    else:
        takes = _share(cents(promo.value), left)
    if not any(takes):
        return False
    for i, take in zip(covered, takes, strict=True):
        discounts[i] += take
    return True


def quote(
    lines: Sequence[Line], promotions: Sequence[Promotion], tax_rate: Decimal, ctx: Context
) -> Quote:
    """Price a basket; ``tax_rate`` is a fraction (0.15 for Ecuador's IVA)."""
    if tax_rate < 0:
        raise ValueError("a tax rate cannot be negative")
    for line in lines:
        if line.quantity <= 0 or line.unit_price < 0:
            raise ValueError(f"{line.sku}: quantity must be positive and price not negative")
    items = list(lines)
    discounts = [ZERO for _ in items]
    applied = []
    for promo in sorted(promotions, key=lambda p: (p.priority, p.code)):
        if eligible(promo, ctx) and _apply(promo, items, discounts):
            applied.append(promo.code)
    priced = []
    for line, discount in zip(items, discounts, strict=True):
        base = cents(line.unit_price * line.quantity)
        tax = cents((base - discount) * tax_rate)
        priced.append(PricedLine(line, base, discount, tax))
    return Quote(tuple(priced), tax_rate, tuple(applied))


def refund_for(line: PricedLine, quantity: int, already: int = 0) -> Decimal:
    """What ``quantity`` units of a priced line give back: their share of the line's total.

    The last units returned take whatever cents earlier partial returns left, so returning a
    line in pieces refunds exactly what was paid for it.
    """
    bought = line.line.quantity
    if quantity <= 0 or already + quantity > bought:
        raise ValueError("cannot return more than was bought")
    if already + quantity == bought:
        return line.total - cents(line.total * already / bought)
    return cents(line.total * (already + quantity) / bought) - cents(line.total * already / bought)


def with_quantity(line: Line, quantity: int) -> Line:
    return replace(line, quantity=quantity)
