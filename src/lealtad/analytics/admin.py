"""Back-office screens for the analytics settings."""

from django.contrib import admin

from lealtad.analytics.models import (
    AcquisitionCost,
    DataScope,
    MaturityAssessment,
    RefreshRun,
    ScorecardTarget,
    TierChange,
    UsageReading,
)


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


class _ReadOnly(admin.ModelAdmin):
    """Records the analytics services write (and check); the back office reads them."""

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(RefreshRun)
class RefreshRunAdmin(_ReadOnly):
    list_display = (
        "id",
        "status",
        "trigger",
        "requested_by",
        "as_of",
        "started_at",
        "finished_at",
        "customers",
        "tier_changes",
        "stage_changes",
    )
    list_filter = ("status", "trigger")


@admin.register(TierChange)
class TierChangeAdmin(_ReadOnly):
    list_display = ("customer_id", "from_tier", "to_tier", "changed_on", "run")
    list_filter = ("to_tier", "from_tier")
    search_fields = ("customer_id",)


@admin.register(AcquisitionCost)
class AcquisitionCostAdmin(_ReadOnly):
    """Entered (and withdrawn) on the channel-economics page, which checks them."""

    list_display = (
        "period_start",
        "period_end",
        "channel",
        "segment",
        "campaign",
        "amount",
        "currency",
        "entered_by",
        "withdrawn_at",
    )
    list_filter = ("channel", "segment")


@admin.register(MaturityAssessment)
class MaturityAssessmentAdmin(_ReadOnly):
    list_display = ("assessed_at", "stage", "score", "assessed_by")


@admin.register(UsageReading)
class UsageReadingAdmin(_ReadOnly):
    list_display = ("customer_id", "period", "unit", "plan", "allowance", "used", "channel")
    list_filter = ("unit", "plan")
    search_fields = ("customer_id",)
