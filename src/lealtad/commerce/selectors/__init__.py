"""Read queries of the commerce context, by capability: :mod:`.catalog` (products, sale items,
customer segments), :mod:`.availability` (units per location), :mod:`.prices` (prices in
force, promotions, tax rates) and :mod:`.orders` (customers' orders, cards, lists, captured
sales) and :mod:`.baskets` (what was bought together, for the basket rules)."""

from lealtad.commerce.selectors.availability import (
    active_locations,
    availability,
    availability_json,
    forget_locations,
    location_rows,
    locations,
    product_availability,
    stock_level,
)
from lealtad.commerce.selectors.baskets import OrderBasket, customer_products, order_baskets
from lealtad.commerce.selectors.catalog import (
    SaleItem,
    SegmentProvider,
    customer_segments,
    location_codes,
    product,
    sale_items,
    search_products,
    search_variants,
    segment_provider,
    unknown_skus,
    variant,
)
from lealtad.commerce.selectors.orders import (
    captured_sales,
    customer_lists,
    customer_orders,
    find_order,
    last_purchases,
    order_detail,
    payment_methods,
)
from lealtad.commerce.selectors.prices import (
    RULES_TTL,
    channel_prices,
    forget_pricing_rules,
    promotions,
    tax_rate,
    unit_prices,
)

__all__ = [
    "RULES_TTL",
    "OrderBasket",
    "SaleItem",
    "SegmentProvider",
    "active_locations",
    "availability",
    "availability_json",
    "captured_sales",
    "channel_prices",
    "customer_lists",
    "customer_orders",
    "customer_products",
    "customer_segments",
    "find_order",
    "forget_locations",
    "forget_pricing_rules",
    "last_purchases",
    "location_codes",
    "location_rows",
    "locations",
    "order_baskets",
    "order_detail",
    "payment_methods",
    "product",
    "product_availability",
    "promotions",
    "sale_items",
    "search_products",
    "search_variants",
    "segment_provider",
    "stock_level",
    "tax_rate",
    "unit_prices",
    "unknown_skus",
    "variant",
]
