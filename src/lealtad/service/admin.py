"""Admin for what supervisors configure: support groups and members, business calendars,
SLA policies. Cases are worked in the desk's pages, not here (read-only list)."""

from __future__ import annotations

from django.contrib import admin

from lealtad.service.models import BusinessCalendar, Case, GroupMember, SlaPolicy, SupportGroup


class MemberInline(admin.TabularInline):
    model = GroupMember
    extra = 0
    fields = ("user", "skills", "max_open", "open_cases")
    readonly_fields = ("open_cases",)


@admin.register(SupportGroup)
class SupportGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "label", "level", "internal", "escalates_to", "active")
    list_filter = ("level", "internal", "active")
    inlines = [MemberInline]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "label", "time_zone", "country", "always_open")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "rank",
        "name",
        "label",
        "calendar",
        "first_response_minutes",
        "resolution_minutes",
        "active",
    )
    list_editable = ("active",)
    list_display_links = ("name",)


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "subject", "status", "group", "priority", "sla_breached")
    list_filter = ("status", "sla_breached", "category")
    search_fields = ("number", "subject")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
