"""A quote's money: commerce's own calculation, with the seller's negotiated discounts on top.

Nothing here re-implements a price, tax or rounding rule. The lines, the promotions in force
and the country's tax rate go to :func:`lealtad.commerce.pricing.quote`, exactly as an order
is priced; a line's or the whole quote's negotiated discount joins them as one more promotion
(``percent`` or ``amount``, covering the line's SKU or the whole basket), applied after every
commerce promotion. So a discount is taken on what the promotions left, never below zero, an
amount off the quote is shared across the lines in proportion (the leftover cent to the
largest), and tax is computed per line on the discounted base and rounded there — the same
rules and the same code as a till receipt.

The screen and the PDF both render one :class:`QuoteTotals`; neither adds anything up.
No Django import: the 1,000-quote check runs it without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lealtad.commerce import pricing

ZERO = pricing.ZERO
HUNDRED = pricing.HUNDRED
# Negotiated discounts come after every commerce promotion (whose priorities are small).
_LINE_PRIORITY = 1_000_000
_QUOTE_PRIORITY = 2_000_000


@dataclass(frozen=True)
class LineSpec:
    """A quote line as the seller wrote it, with the unit price commerce's policy chose."""

    sku: str
    product: str
    description: str
    quantity: int
    unit_price: Decimal
    group: str = ""
    category: str = ""
    discount_percent: Decimal = ZERO
    discount_amount: Decimal = ZERO


@dataclass(frozen=True)
class TotalsLine:
    sku: str
    description: str
    group: str
    quantity: int
    unit_price: Decimal
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
class GroupTotals:
    """A section of the quote and what its lines add up to."""

    name: str
    lines: tuple[TotalsLine, ...]

    @property
    def subtotal(self) -> Decimal:
        return sum((line.base for line in self.lines), ZERO)

    @property
    def discount(self) -> Decimal:
        return sum((line.discount for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)


@dataclass(frozen=True)
class QuoteTotals:
    groups: tuple[GroupTotals, ...]
    tax_rate: Decimal
    promotions: tuple[str, ...]  # the commerce promotions that applied
    negotiated: Decimal  # what the seller's discounts took, beyond the promotions

    @property
    def lines(self) -> tuple[TotalsLine, ...]:
        return tuple(line for group in self.groups for line in group.lines)

    @property
    def subtotal(self) -> Decimal:
        return sum((g.subtotal for g in self.groups), ZERO)

    @property
    def discount(self) -> Decimal:
        return sum((g.discount for g in self.groups), ZERO)

    @property
    def net(self) -> Decimal:
        return self.subtotal - self.discount

    @property
    def tax(self) -> Decimal:
        return sum((g.tax for g in self.groups), ZERO)

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    @property
    def negotiated_percent(self) -> Decimal:
        """The seller's discount as a share of the subtotal: what approval is decided on."""
        if self.subtotal <= 0:
            return ZERO
        return pricing.cents(self.negotiated * HUNDRED / self.subtotal)


def negotiated_promotions(
    lines: Sequence[LineSpec], percent: Decimal, amount: Decimal
) -> list[pricing.Promotion]:
    """The seller's discounts as promotions commerce's calculation applies after its own."""
    found = []
    for i, line in enumerate(lines):
        only = frozenset({line.sku})
        if line.discount_percent > 0:
            found.append(
                _promo(
                    f"line-{i + 1}-percent",
                    pricing.PERCENT,
                    line.discount_percent,
                    _LINE_PRIORITY + 2 * i,
                    only,
                )
            )
        if line.discount_amount > 0:
            found.append(
                _promo(
                    f"line-{i + 1}-amount",
                    pricing.AMOUNT,
                    line.discount_amount,
                    _LINE_PRIORITY + 2 * i + 1,
                    only,
                )
            )
    if percent > 0:
        found.append(_promo("quote-percent", pricing.PERCENT, percent, _QUOTE_PRIORITY))
    if amount > 0:
        found.append(_promo("quote-amount", pricing.AMOUNT, amount, _QUOTE_PRIORITY + 1))
    return found


def _promo(
    code: str, kind: str, value: Decimal, priority: int, skus: frozenset[str] = frozenset()
) -> pricing.Promotion:
    return pricing.Promotion(code=code, kind=kind, value=value, priority=priority, skus=skus)


def compute(
    lines: Sequence[LineSpec],
    *,
    promotions: Sequence[pricing.Promotion],
    tax_rate: Decimal,
    context: pricing.Context,
    discount_percent: Decimal = ZERO,
    discount_amount: Decimal = ZERO,
) -> QuoteTotals:
    """Price the quote; ``lines`` name each SKU once (a seller's discount covers its SKU)."""
    basket = [pricing.Line(s.sku, s.product, s.quantity, s.unit_price, s.category) for s in lines]
    ours = negotiated_promotions(lines, discount_percent, discount_amount)
    priced = pricing.quote(basket, [*promotions, *ours], tax_rate, context)
    without = pricing.quote(basket, promotions, tax_rate, context) if ours else priced
    ours_codes = {promo.code for promo in ours}
    return QuoteTotals(
        groups=grouped(
            TotalsLine(
                spec.sku,
                spec.description,
                spec.group,
                spec.quantity,
                spec.unit_price,
                p.base,
                p.discount,
                p.tax,
            )
            for spec, p in zip(lines, priced.lines, strict=True)
        ),
        tax_rate=tax_rate,
        promotions=tuple(code for code in priced.applied if code not in ours_codes),
        negotiated=priced.discount - without.discount,
    )


def grouped(lines: Iterable[TotalsLine]) -> tuple[GroupTotals, ...]:
    """Lines in their groups, the groups in the order their first line comes."""
    by_group: dict[str, list[TotalsLine]] = {}
    for line in lines:
        by_group.setdefault(line.group, []).append(line)
    return tuple(GroupTotals(name, tuple(items)) for name, items in by_group.items())


def amount_text(value: Decimal) -> str:
    """How an amount is written on the screen and in the PDF alike: 1,234.56."""
    return f"{value:,.2f}"


def percent_text(rate: Decimal) -> str:
    """A tax rate fraction as people read it: 0.15 → 15%, 0.085 → 8.5%."""
    shown = (rate * HUNDRED).normalize()
    return f"{shown:f}%"
