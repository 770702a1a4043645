"""Back-office screens for the analytics settings."""

from django.contrib import admin  # noqa: E402

from lealtad.analytics.models import DataScope  # noqa: E402


@admin.register(DataScope)
class DataScopeAdmin(admin.ModelAdmin):
    """Who sees which stores, channels and regions in the cube (row-level security)."""

    list_display = ("user", "stores", "channels", "regions", "partner", "updated_at")
    list_filter = ("partner",)
    search_fields = ("user__username",)
    raw_id_fields = ("user",)
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.updated_by = request.user.get_username()[:150]
        super().save_model(request, obj, form, change)
