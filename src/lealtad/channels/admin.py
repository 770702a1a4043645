"""Back-office screens of the channels context."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from lealtad.channels.models import ExternalSystem, ReceivedEvent


@admin.register(ExternalSystem)
class ExternalSystemAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "created_at")
    search_fields = ("name",)


@admin.register(ReceivedEvent)
class ReceivedEventAdmin(admin.ModelAdmin):
    list_display = (
        "event_id",
        "event_type",
        "channel",
        "occurred_at",
        "received_at",
        "customer_id",
        "received_by",
    )
    list_filter = ("event_type", "channel")
    search_fields = ("event_id",)
    date_hierarchy = "received_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
