"""Back-office screens for the analytics settings."""

from django.contrib import admin

from lealtad.analytics.models import DataScope, ScorecardTarget


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


@admin.register(ScorecardTarget)
class ScorecardTargetAdmin(admin.ModelAdmin):
    """The history of the scorecard's targets: who expected what of each KPI, and when. Read
    only: targets are set on the scorecard page, which checks them; the latest one for a KPI
    and period is in force, so an old one is never edited."""

    list_display = ("kpi", "period", "target", "direction", "amber_within", "set_by", "set_at")
    list_filter = ("period", "kpi", "direction")
    search_fields = ("kpi", "period", "set_by__username")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
