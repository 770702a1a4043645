"""A draft quote checked and priced: commerce's catalog, price policy, promotions and tax rate
read through commerce's selectors, the money computed by :mod:`lealtad.sales.quote_totals`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.commerce import pricing
from lealtad.commerce import selectors as commerce
from lealtad.sales.quote_totals import LineSpec, QuoteTotals, compute
from lealtad.sales.services.common import SalesRefused

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LineInput:
    sku: str
    quantity: int
    group: str = ""
    discount_percent: Decimal = ZERO
    discount_amount: Decimal = ZERO


@dataclass(frozen=True)
class QuoteInput:
    """What a seller writes on a draft; ``customer_id`` may come from the opportunity."""

    country: str
    lines: Sequence[LineInput]
    customer_id: int | None = None
    opportunity: str = ""  # the opportunity's number
    title: str = ""
    channel: str = "field"
    language: str = "es"
    valid_until: date | None = None
    discount_percent: Decimal = ZERO
    discount_amount: Decimal = ZERO


@dataclass(frozen=True)
class Priced:
    specs: list[LineSpec]
    totals: QuoteTotals
    currency: str
    tax_name: str
    promotions: list[str] = field(default_factory=list)


def _check_discounts(percent: Decimal, amount: Decimal, where: str) -> None:
    if not ZERO <= percent <= Decimal(100):
        raise SalesRefused(
            _("A discount is between 0 and 100%%."), field=f"{where}discount_percent"
        )
    if amount < 0:
        raise SalesRefused(_("A discount cannot be negative."), field=f"{where}discount_amount")


def _check_lines(lines: Sequence[LineInput]) -> None:
    if not lines:
        raise SalesRefused(_("A quote needs at least one line."), field="lines")
    seen: dict[str, int] = {}
    for i, line in enumerate(lines):
        if line.sku in seen:
            raise SalesRefused(
                _("%(sku)s is already on line %(n)s; change its quantity there."),
                field=f"lines[{i}].sku",
                kind="conflict",
                sku=line.sku,
                n=seen[line.sku],
            )
        seen[line.sku] = i
        if not 1 <= line.quantity <= 100_000:
            raise SalesRefused(_("Quantity from 1 to 100,000."), field=f"lines[{i}].quantity")
        _check_discounts(line.discount_percent, line.discount_amount, f"lines[{i}].")


class NamesSku(Protocol):
    @property
    def sku(self) -> str: ...


def products_on_sale(lines: Sequence[NamesSku]) -> dict[str, commerce.SaleItem]:
    """The products on sale; a line naming one the catalog does not have (404) or no longer
    sells (409) is refused by its position and SKU. Quotes and opportunity lines share it."""
    found = commerce.sale_items(line.sku for line in lines)
    for i, line in enumerate(lines):
        if line.sku in found:
            continue
        if commerce.variant(line.sku) is None:
            raise SalesRefused(
                _("%(sku)s is not a product of the catalog."),
                field=f"lines[{i}].sku",
                code="unknown_product",
                kind="not_found",
                sku=line.sku,
            )
        raise SalesRefused(
            _("%(sku)s is discontinued: it is no longer sold."),
            field=f"lines[{i}].sku",
            code="product_discontinued",
            kind="conflict",
            sku=line.sku,
        )
    return found


def sale_items(lines: Sequence[LineInput]) -> dict[str, commerce.SaleItem]:
    """The products on sale (:func:`products_on_sale`), all in one currency."""
    found = products_on_sale(lines)
    currencies = {found[line.sku].currency for line in lines}
    if len(currencies) > 1:
        raise SalesRefused(
            _("One quote is in one currency; these products are priced in %(currencies)s."),
            field="lines",
            kind="conflict",
            currencies=", ".join(sorted(currencies)),
        )
    return found


def price(data: QuoteInput, customer_id: int) -> Priced:
    """Check the draft and price it now, as commerce would price the same basket."""
    _check_lines(data.lines)
    _check_discounts(data.discount_percent, data.discount_amount, "")
    items = sale_items(data.lines)
    now = timezone.now()
    prices = commerce.channel_prices([i.id for i in items.values()], data.channel, now)
    specs = [
        LineSpec(
            sku=line.sku,
            product=items[line.sku].product,
            description=items[line.sku].description(),
            quantity=line.quantity,
            unit_price=prices.get(items[line.sku].id, items[line.sku].price),
            group=line.group.strip(),
            category=items[line.sku].category,
            discount_percent=line.discount_percent,
            discount_amount=line.discount_amount,
        )
        for line in data.lines
    ]
    rate, tax_name = commerce.tax_rate(data.country)
    context = pricing.Context(
        channel=data.channel, at=now, segments=commerce.customer_segments(customer_id)
    )
    totals = compute(
        specs,
        promotions=commerce.promotions(now),
        tax_rate=rate,
        context=context,
        discount_percent=data.discount_percent,
        discount_amount=data.discount_amount,
    )
    currency = next(iter(items.values())).currency
    return Priced(specs, totals, currency, tax_name, list(totals.promotions))
