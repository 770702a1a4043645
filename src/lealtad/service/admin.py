"""Admin for what supervisors configure: support groups and members, business calendars,
SLA policies. Cases are worked in the desk's pages, not here (read-only list)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from lealtad.service.models import BusinessCalendar, Case, GroupMember, SlaPolicy, SupportGroup
from lealtad.service.services.sla import engine_calendar
from lealtad.service_engine.sla import SlaInputError

CALENDAR_FIELDS = ("name", "time_zone", "country", "hours", "always_open", "extra_holidays")


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


class CalendarForm(forms.ModelForm):
    class Meta:
        model = BusinessCalendar
        fields = ["name", "label", "time_zone", "country", "hours", "always_open", "extra_holidays"]

    def clean(self) -> dict[str, Any]:
        """The engine must accept the calendar (time zone, hours, holidays' country)."""
        data = super().clean() or {}
        try:
            calendar = engine_calendar(
                BusinessCalendar(**{k: v for k, v in data.items() if k in CALENDAR_FIELDS})
            )
            _ = calendar.closed_dates
        except (SlaInputError, ValueError, AttributeError, TypeError) as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    form = CalendarForm
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
