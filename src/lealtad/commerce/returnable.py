"""What of an order line can come back, and what its units were paid: one rule each.

A return takes back only units that were received and not returned yet (``shipped -
returned``), whichever path asks — a return at the counter, an exchange, a channel's
``order.returned`` or ``order.exchanged`` event — and refunds each unit its share of the
line's paid total as :func:`pricing.refund_for` shares it; a shipment's capture and the
value of cancelled units are shared the same way. Plain Python (no Django import): an order
line is anything with the fields of :class:`PaidLine`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from lealtad.commerce import pricing


class PaidLine(Protocol):
    sku: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal
    shipped: int
    returned: int


class Asked(Protocol):
    sku: str
    quantity: int


def priced(line: PaidLine) -> pricing.PricedLine:
    """The line as the order priced it: its base, discount and tax."""
    base = pricing.cents(line.unit_price * line.quantity)
    return pricing.PricedLine(
        pricing.Line(line.sku, "", line.quantity, line.unit_price), base, line.discount, line.tax
    )


def paid_for(line: PaidLine, units: int, before: int = 0) -> Decimal:
    """What ``units`` of the line were paid, ``before`` of its units having been counted
    already (returned, shipped): the parts add up to the line's total, to the cent."""
    return pricing.refund_for(priced(line), units, before)


def left(line: PaidLine) -> int:
    """Units that can still come back: received and not yet returned."""
    return line.shipped - line.returned


def wanted(asked: Iterable[Asked]) -> dict[str, int]:
    """Units asked per SKU, a SKU named twice counted once with both quantities."""
    total: dict[str, int] = {}
    for item in asked:
        total[item.sku] = total.get(item.sku, 0) + item.quantity
    return total


@dataclass(frozen=True)
class Excess:
    """An asked line that cannot come back: ``left`` is ``None`` when the SKU is not on the
    order, else how many of it can (``asked`` of it were asked up to this line)."""

    index: int
    sku: str
    asked: int
    left: int | None


def excess(lines: Mapping[str, PaidLine], asked: Iterable[Asked]) -> list[Excess]:
    """The asked lines (in order) that pass what can come back of their SKU, counting the
    earlier lines of the same SKU; an empty list when everything can come back."""
    running: dict[str, int] = {}
    found: list[Excess] = []
    for index, item in enumerate(asked):
        line = lines.get(item.sku)
        if line is None:
            found.append(Excess(index, item.sku, item.quantity, None))
            continue
        running[item.sku] = running.get(item.sku, 0) + item.quantity
        if running[item.sku] > left(line):
            found.append(Excess(index, item.sku, running[item.sku], left(line)))
    return found
