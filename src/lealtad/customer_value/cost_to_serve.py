"""What serving each customer costs: contacts, support, returns, shipments and discounts.

Seed 003's below-zero customers are those whose cost to serve exceeds what they bring. The
cost is counted from what the CRM already records, each kind times a rate the business sets
(``CostRates``): a call or chat handled, a return processed, a parcel shipped, and the share
of the discounts given that is a real cost (1.0 when every discount is margin given away;
less when part of it would have been spent on promotion anyway). Support is money already:
what the service desk's cases cost (each group's handling and the field work), counted at
``support_share`` (1.0: all of it).

Examples:
    >>> rates = CostRates(per_contact=2.0, per_return=8.0, per_shipment=6.0,
    ...                   discount_share=0.5)
    >>> cost = cost_to_serve(contacts=[3, 0], support=[15.0, 0.0], returns=[2, 0],
    ...                      shipments=[4, 1], discounts=[10.0, 0.0], rates=rates)
    >>> cost.total.tolist()
    [66.0, 6.0]
    >>> cost.parts["returns"].tolist()
    [16.0, 0.0]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from lealtad.customer_value._columns import Floats, floats, note, same_length, usable

_LARGEST = float(np.finfo(np.float64).max) / 8


@dataclass(frozen=True)
class CostRates:
    """Money per event (in the shop's currency) and the shares of discounts and of support
    money that are cost.

    The defaults are a small retailer's order of magnitude (a handled contact a few units, a
    return the parcel back and the handling); set your own in the analytics settings. A
    service case is priced by the service desk itself (each support group's cost per case,
    plus field work), so it comes in as money, not as a count times a rate.
    """

    per_contact: float = 2.5
    per_return: float = 8.0
    per_shipment: float = 6.0
    discount_share: float = 1.0
    support_share: float = 1.0

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name}: must be a number ≥ 0 (got {value!r})")
        for name in ("discount_share", "support_share"):
            if getattr(self, name) > 1:
                raise ValueError(f"{name}: must be between 0 and 1")


@dataclass(frozen=True)
class CostToServe:
    """Per customer: the total cost and each part of it (for "why is this customer below
    zero"), plus what was wrong with the input."""

    total: Floats
    parts: dict[str, Floats]
    warnings: list[str] = field(default_factory=list)


def cost_to_serve(
    contacts: ArrayLike,
    support: ArrayLike,
    returns: ArrayLike,
    shipments: ArrayLike,
    discounts: ArrayLike,
    rates: CostRates | None = None,
) -> CostToServe:
    """Each count times its rate, plus the discounts given times ``discount_share`` and the
    support money times ``support_share``.

    Counts and money are per customer over the same period as the value they are compared
    with. A negative or non-numeric entry cannot be a count or a cost: it is read as 0 and
    noted in ``warnings``.

    Raises:
        ValueError: columns of different lengths.
    """
    rates = rates or CostRates()
    columns = {
        "contacts": floats(contacts, "contacts"),
        "support": floats(support, "support"),
        "returns": floats(returns, "returns"),
        "shipments": floats(shipments, "shipments"),
        "discounts": floats(discounts, "discounts"),
    }
    size = same_length(**columns)
    rate = {
        "contacts": rates.per_contact,
        "support": rates.support_share,
        "returns": rates.per_return,
        "shipments": rates.per_shipment,
        "discounts": rates.discount_share,
    }
    warnings: list[str] = []
    total = np.zeros(size)
    parts: dict[str, Floats] = {}
    for name, column in columns.items():
        bad = ~(usable(column) & (column >= 0))
        note(warnings, bad, f"{name} value(s) negative or not a number were read as 0")
        # held below float's largest / 8 so that five parts never add up to infinity
        with np.errstate(over="ignore"):
            parts[name] = np.minimum(np.where(bad, 0.0, column) * rate[name], _LARGEST)
        total += parts[name]
    return CostToServe(total, parts, warnings)
