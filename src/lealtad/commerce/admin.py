"""Back office: catalog, prices, taxes, promotions, locations and stock; orders to look at.

Catalog and promotion edits here are audited (who, what, before → after). Orders, payments,
shipments, returns, exchanges and transfers are written by the services only (they move stock
and money), so they are shown read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from lealtad.commerce.models import (
    Category,
    ChannelPrice,
    Exchange,
    Location,
    Order,
    OrderLine,
    Payment,
    Product,
    Promotion,
    Return,
    ReturnLine,
    Shipment,
    Stock,
    TaxRate,
    Transfer,
    TransferLine,
    Variant,
)
from lealtad.core.admin_audit import AuditedAdmin

# Every back-office change leaves an audit row with the fields before and after: the admin
# audit every model admin gets (core.admin_audit), named here for the catalog's screens.
_Audited = AuditedAdmin


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 1
    fields = ("sku", "attributes", "price", "currency", "image_url", "active")


@admin.register(Category)
class CategoryAdmin(_Audited):
    list_display = ("code", "name_es", "name_en", "parent")
    search_fields = ("code", "name_es", "name_en")


@admin.register(Product)
class ProductAdmin(_Audited):
    list_display = ("code", "name_es", "name_en", "category", "active")
    list_filter = ("active", "category")
    search_fields = ("code", "name_es", "name_en", "variants__sku")
    inlines = [VariantInline]


@admin.register(ChannelPrice)
class ChannelPriceAdmin(_Audited):
    list_display = ("variant", "channel", "price", "starts_at", "ends_at", "reason")
    list_filter = ("channel",)
    search_fields = ("variant__sku",)
    raw_id_fields = ("variant",)


@admin.register(TaxRate)
class TaxRateAdmin(_Audited):
    list_display = ("country", "region", "name", "rate")


@admin.register(Promotion)
class PromotionAdmin(_Audited):
    list_display = ("code", "name", "kind", "value", "coupon", "starts_at", "ends_at", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "coupon")


@admin.register(Location)
class LocationAdmin(_Audited):
    list_display = ("code", "name", "kind", "city", "country", "tax_region", "active")
    list_filter = ("kind", "country", "active")
    search_fields = ("code", "name", "city")


@admin.register(Stock)
class StockAdmin(_ReadOnly):
    """Stock moves through orders, returns and counts (services), never by hand here."""

    list_display = ("variant", "location", "on_hand", "reserved")
    search_fields = ("variant__sku", "location__code")
    list_select_related = ("variant", "location")


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = (
        "sku",
        "quantity",
        "unit_price",
        "discount",
        "tax",
        "total",
        "location",
        "shipped",
        "cancelled",
    )
    readonly_fields = fields


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fk_name = "order"
    fields = (
        "kind",
        "status",
        "gateway",
        "reference",
        "amount",
        "refunded",
        "authorization",
        "shipment",
        "channel",
    )
    readonly_fields = fields


class ShipmentInline(admin.TabularInline):
    model = Shipment
    extra = 0
    can_delete = False
    fields = (
        "from_location",
        "status",
        "carrier",
        "tracking",
        "lines",
        "shipped_at",
        "delivered_at",
    )
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(_ReadOnly):
    list_display = (
        "number",
        "customer_id",
        "channel",
        "status",
        "fulfilment",
        "total",
        "placed_at",
    )
    list_filter = ("channel", "status", "fulfilment", "captured_elsewhere")
    search_fields = ("number", "external_ref", "customer_id")
    inlines = [OrderLineInline, PaymentInline, ShipmentInline]


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    can_delete = False
    fields = ("order_line", "quantity", "refund", "restocked")
    readonly_fields = fields


@admin.register(Return)
class ReturnAdmin(_ReadOnly):
    list_display = ("number", "order", "channel", "location", "reason", "refund_amount")
    list_filter = ("channel",)
    search_fields = ("number", "order__number")
    inlines = [ReturnLineInline]


@admin.register(Exchange)
class ExchangeAdmin(_ReadOnly):
    list_display = (
        "number",
        "original_order",
        "replacement",
        "channel",
        "location",
        "difference",
        "created_at",
    )
    list_filter = ("channel",)
    search_fields = ("number", "original_order__number", "replacement__number", "ret__number")
    list_select_related = ("original_order", "replacement", "location")


class TransferLineInline(admin.TabularInline):
    model = TransferLine
    extra = 0
    can_delete = False
    fields = ("variant", "quantity", "received")
    readonly_fields = fields


@admin.register(Transfer)
class TransferAdmin(_ReadOnly):
    list_display = (
        "number",
        "from_location",
        "to_location",
        "status",
        "requested_at",
        "shipped_at",
        "received_at",
    )
    list_filter = ("status", "from_location", "to_location")
    search_fields = ("number", "tracking")
    list_select_related = ("from_location", "to_location")
    inlines = [TransferLineInline]
