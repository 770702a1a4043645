"""Back-office screens for the sales set-up: pipelines and stages, teams, members and
territories. Leads and opportunities are read here; they change through the sales services
(the API, the CLI, the pages), which keep their history and announce every change."""

from __future__ import annotations

from django.contrib import admin

from lealtad.sales.models import (
    AcquisitionSpend,
    Lead,
    Opportunity,
    OpportunityLine,
    Pipeline,
    SalesTeam,
    Stage,
    StageChange,
    TeamMember,
    Territory,
)


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "currency", "is_default", "active")
    inlines = [StageInline]


class MemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(SalesTeam)
class SalesTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "assignment_rule", "manager", "active")
    exclude = ("last_assigned",)
    inlines = [MemberInline]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "active")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Lead)
class LeadAdmin(ReadOnly):
    list_display = ("__str__", "source", "status", "owner", "customer_id", "created_at")
    list_filter = ("status", "source")
    search_fields = ("person_name", "company_name", "email", "external_id")


class LineInline(admin.TabularInline):
    model = OpportunityLine
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class HistoryInline(admin.TabularInline):
    model = StageChange
    fk_name = "opportunity"
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnly):
    list_display = ("number", "name", "pipeline", "stage", "amount", "close_date", "owner")
    list_filter = ("pipeline", "forecast_category")
    search_fields = ("number", "name")
    inlines = [LineInline, HistoryInline]


@admin.register(AcquisitionSpend)
class AcquisitionSpendAdmin(ReadOnly):
    """Read here; recorded through ``lealtad sales spend`` or the API, which audit it."""

    list_display = ("month", "source", "amount", "currency", "note", "recorded_by")
    list_filter = ("source", "currency")


from lealtad.sales import admin_commissions  # noqa: E402, F401  (commissions, web forms)
