"""Back-office view of the privacy tables: read-only, since every change of a request is a
step taken through the workflow (the officer's pages, API or CLI), never an edit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lealtad.privacy.models import DataSubjectRequest, RequestStep, RetentionPolicy, RetentionRun


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StepInline(admin.TabularInline):
    model = RequestStep
    extra = 0
    can_delete = False
    readonly_fields = ("at", "action", "actor_label", "note", "data")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ReadOnly):
    list_display = ("id", "kind", "status", "customer_id", "received_at", "due_at", "handled_by")
    list_filter = ("kind", "status")
    search_fields = ("=id", "=customer_id")
    inlines = [StepInline]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(ReadOnly):
    list_display = ("data_class", "months", "active", "updated_by", "updated_at")


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnly):
    list_display = ("started_at", "dry_run", "trigger", "run_by")
    list_filter = ("dry_run", "trigger")
