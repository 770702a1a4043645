"""Back-office screens for customer records (the pages and the API are the daily tools)."""

from __future__ import annotations

from django.contrib import admin

from lealtad.customers.models import (
    Address,
    Consent,
    ConsentChange,
    Customer,
    Email,
    Household,
    HouseholdMember,
    Identifier,
    IdentityReview,
    Interaction,
    Merge,
    Phone,
)


class _ReadOnlyMixin:
    """Rows written by services only: shown, never edited here."""

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class PhoneInline(admin.TabularInline):
    model = Phone
    extra = 0
    fields = ("e164", "raw", "kind", "is_mobile", "is_primary", "source")


class EmailInline(admin.TabularInline):
    model = Email
    extra = 0
    fields = ("address", "is_primary", "source")


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ("kind", "line1", "city", "region", "country", "valid_from", "valid_to")


class IdentifierInline(_ReadOnlyMixin, admin.TabularInline):
    model = Identifier
    extra = 0
    fields = ("kind", "system", "value", "created_at")
    readonly_fields = fields


class ConsentInline(_ReadOnlyMixin, admin.TabularInline):
    model = Consent
    extra = 0
    fields = ("channel", "purpose", "granted", "updated_at")
    readonly_fields = fields


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("id", "display_name", "national_id", "lifecycle_status", "created_at")
    list_filter = ("lifecycle_status", "kind", "national_id_type")
    search_fields = ("search_name", "national_id", "display_name")
    readonly_fields = (
        "display_name",
        "search_name",
        "national_id_valid",
        "merged_into",
        "created_at",
        "created_by",
        "updated_at",
    )
    inlines = [PhoneInline, EmailInline, AddressInline, IdentifierInline, ConsentInline]


@admin.register(Identifier)
class IdentifierAdmin(admin.ModelAdmin):
    list_display = ("kind", "system", "value", "customer", "created_at")
    list_filter = ("kind",)
    search_fields = ("value", "system")
    raw_id_fields = ("customer",)


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "channel", "direction", "subject", "customer", "agent")
    list_filter = ("channel", "direction", "kind")
    search_fields = ("subject", "summary", "agent")
    raw_id_fields = ("customer",)
    date_hierarchy = "occurred_at"


@admin.register(IdentityReview)
class IdentityReviewAdmin(admin.ModelAdmin):
    list_display = ("id", "customer_a", "customer_b", "reason", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("customer_a", "customer_b")
    readonly_fields = ("decided_at", "decided_by", "evidence")


@admin.register(Merge)
class MergeAdmin(_ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "survivor", "absorbed", "performed_by_label", "reason", "performed_at")
    readonly_fields = (
        "survivor",
        "absorbed",
        "performed_by",
        "performed_by_label",
        "reason",
        "moved",
        "performed_at",
    )


@admin.register(ConsentChange)
class ConsentChangeAdmin(_ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("recorded_at", "customer", "channel", "purpose", "granted", "recorded_by")
    list_filter = ("channel", "purpose", "granted")


class HouseholdMemberInline(admin.TabularInline):
    model = HouseholdMember
    extra = 0
    raw_id_fields = ("customer",)


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "declared_size", "created_at")
    search_fields = ("name",)
    inlines = [HouseholdMemberInline]
