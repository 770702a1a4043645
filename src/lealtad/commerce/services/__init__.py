"""Use cases of the commerce context: the only code that writes its tables.

Split by capability: :mod:`.catalog` (products, prices, promotions, locations, taxes),
:mod:`.stock` (reservations and movements), :mod:`.orders` (placement, payment, cancellation,
price adjustments), :mod:`.shipments` (partial shipments, deliveries, pickups),
:mod:`.returns`, :mod:`.exchanges` (a return and its replacement order as one operation),
:mod:`.transfers` (stock between locations), :mod:`.lists` (carts, shopping lists, gift
registries) and :mod:`.carts` (a cart checked out into an order). Each business write leaves,
in its transaction, an audit row, an outbox row (``order.placed`` …) and, when it concerns a
customer, a step on their timeline with its channel.
"""

from lealtad.commerce.services.common import (
    CommerceError,
    Conflict,
    Invalid,
    NotFound,
    OutOfStock,
    PaymentFailed,
    SaleContext,
)
from lealtad.commerce.services.shipments import collect_order, deliver_order, ship_order

__all__ = [
    "CommerceError",
    "Conflict",
    "Invalid",
    "NotFound",
    "OutOfStock",
    "PaymentFailed",
    "SaleContext",
    "collect_order",
    "deliver_order",
    "ship_order",
]
