"""An order as it would be placed now, for the customer to confirm before anything is charged.

The same plan, quote and stock check as placing (:mod:`.placement`), writing nothing and
touching no money: the amount and the card a clerk asks the customer to confirm come from
the code that then charges them, and placing refuses a total other than the one confirmed
(``OrderIn.expected_total``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from lealtad.commerce import pricing, selectors
from lealtad.commerce.schemas import OrderIn
from lealtad.commerce.services import points_tender
from lealtad.commerce.services.allocation import _allocate, _stock_rows
from lealtad.commerce.services.order_plan import _Plan, _plan, _quote


@dataclass(frozen=True)
class Preview:
    """What the customer is asked to confirm: the plan (who, what, how it is fulfilled and
    paid, ``method_label`` naming the card) and its price."""

    plan: _Plan
    quote: pricing.Quote

    @property
    def total(self) -> Decimal:
        return self.quote.total

    @property
    def to_pay(self) -> Decimal:
        """What is left to pay once the points paid their part."""
        return self.quote.total - self.plan.points_value

    @property
    def items(self) -> list[tuple[selectors.SaleItem, int, pricing.PricedLine]]:
        return [
            (item, quantity, priced)
            for (item, quantity, _), priced in zip(self.plan.lines, self.quote.lines, strict=True)
        ]


def preview(data: OrderIn) -> Preview:
    """Plan and price the order; refused as placing it would be now (unknown SKU, address or
    card, no units where they are wanted), so a sale that cannot be made is not confirmed."""
    plan = _plan(data)
    _allocate(plan, _stock_rows(plan))
    quote = _quote(plan, timezone.now())
    points_tender.check_share(plan.points_value, quote.total, plan.currency)
    return Preview(plan, quote)
