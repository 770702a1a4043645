"""Commerce's tables, one module per aggregate: :mod:`.catalog` (categories, products, variants,
channel prices, taxes, promotions), :mod:`.stock` (locations, stock, transfers),
:mod:`.orders` (orders, lines, payments, shipments, price adjustments), :mod:`.returns`
(returns and exchanges) and :mod:`.customer_records` (cards on file, lists, merges followed).

Customers are referred to by id (``customer_id``): the customers context owns them. Amounts are
``Decimal`` in the order's currency, to the cent.
"""

from lealtad.commerce.models.catalog import (
    Category,
    ChannelPrice,
    Product,
    Promotion,
    TaxRate,
    Variant,
)
from lealtad.commerce.models.customer_records import (
    CustomerList,
    CustomerRepoint,
    ListItem,
    PaymentMethod,
)
from lealtad.commerce.models.fields import money
from lealtad.commerce.models.handovers import PickupHandover
from lealtad.commerce.models.orders import Order, OrderLine, Payment, PriceAdjustment, Shipment
from lealtad.commerce.models.returns import Exchange, Return, ReturnLine
from lealtad.commerce.models.stock import Location, Stock, Transfer, TransferLine

__all__ = [
    "Category",
    "ChannelPrice",
    "CustomerList",
    "CustomerRepoint",
    "Exchange",
    "ListItem",
    "Location",
    "Order",
    "OrderLine",
    "Payment",
    "PaymentMethod",
    "PickupHandover",
    "PriceAdjustment",
    "Product",
    "Promotion",
    "Return",
    "ReturnLine",
    "Shipment",
    "Stock",
    "TaxRate",
    "Transfer",
    "TransferLine",
    "Variant",
    "money",
]
