"""Use cases of the commerce context: the only code that writes its tables.

Split by capability: :mod:`.catalog` (products, prices, promotions, locations, taxes),
:mod:`.stock` (reservations and movements), :mod:`.orders` (placement, payment, shipment,
cancellation, price adjustments), :mod:`.returns` and :mod:`.lists` (carts, shopping lists,
gift registries). Each business write leaves, in its transaction, an audit row, an outbox row
(``order.placed`` …) and a step on the customer's timeline with its channel.
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

__all__ = [
    "CommerceError",
    "Conflict",
    "Invalid",
    "NotFound",
    "OutOfStock",
    "PaymentFailed",
    "SaleContext",
]
