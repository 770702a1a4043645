"""Back-office screens of the channels context."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from lealtad.channels.models import (
    ExternalRecord,
    ExternalSystem,
    FileProgress,
    ReceivedEvent,
    Reject,
    Subscription,
)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ExternalSystem)
class ExternalSystemAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "created_at")
    search_fields = ("name",)


@admin.register(ReceivedEvent)
class ReceivedEventAdmin(_ReadOnly):
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


def _sync_hub() -> None:
    from lealtad.channels.connectors import subscribers

    transaction.on_commit(lambda: subscribers.sync_hub(force=True))


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Outbound subscribers; saving or deleting one takes effect without a restart."""

    list_display = ("name", "connector", "kind", "url", "folder", "active", "source")
    list_filter = ("active", "kind", "connector", "source")
    search_fields = ("name", "url", "connector")
    readonly_fields = ("source", "created_at", "updated_at")
    actions = ("activate", "pause", "replay_dead_letters")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.source == Subscription.Source.YAML:
            # Declared in a connector's YAML: the file is the truth, except pausing.
            return [f.name for f in Subscription._meta.fields if f.name != "active"]
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _sync_hub()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        _sync_hub()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        _sync_hub()

    @admin.action(description="Activate the selected subscriptions")
    def activate(self, request: HttpRequest, queryset: QuerySet) -> None:
        queryset.update(active=True)
        _sync_hub()

    @admin.action(description="Pause the selected subscriptions")
    def pause(self, request: HttpRequest, queryset: QuerySet) -> None:
        queryset.update(active=False)
        _sync_hub()

    @admin.action(description="Replay their dead letters")
    def replay_dead_letters(self, request: HttpRequest, queryset: QuerySet) -> None:
        from lealtad.core import dispatcher
        from lealtad.core.models import Delivery

        names = [s.hub_name for s in queryset]
        dead = Delivery.objects.filter(subscriber__in=names, status=Delivery.Status.DEAD)
        ids = list(dead.values_list("pk", flat=True))
        for delivery_id in ids:
            dispatcher.default_dispatcher().replay(delivery_id)
        self.message_user(request, f"{len(ids)} dead letters back in line", messages.SUCCESS)


@admin.register(Reject)
class RejectAdmin(admin.ModelAdmin):
    """Records a connector rejected, with file, line and field; replayable."""

    list_display = ("connector", "stream", "source", "line", "field", "message", "status")
    list_filter = ("status", "connector", "stream")
    search_fields = ("source", "field", "message", "event_id")
    readonly_fields = [f.name for f in Reject._meta.fields]
    actions = ("replay",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Replay the selected rejects with the current mapping")
    def replay(self, request: HttpRequest, queryset: QuerySet) -> None:
        from lealtad.channels.connectors import inbound_replay, registry

        total = {"resolved": 0, "still_rejected": 0, "files_requeued": 0}
        for name in sorted(set(queryset.values_list("connector", flat=True))):
            connector = registry.get(name)
            if connector is None:
                self.message_user(request, f"no connector named {name!r}", messages.ERROR)
                continue
            ids = list(queryset.filter(connector=name).values_list("pk", flat=True))
            report = inbound_replay.replay_rejects(connector, ids)
            for key in total:
                total[key] += getattr(report, key)
        self.message_user(
            request,
            f"{total['resolved']} applied, {total['still_rejected']} still rejected, "
            f"{total['files_requeued']} files back in their folder",
            messages.SUCCESS,
        )


@admin.register(FileProgress)
class FileProgressAdmin(_ReadOnly):
    list_display = (
        "connector",
        "stream",
        "file_name",
        "records_done",
        "created",
        "duplicate",
        "rejected",
        "status",
        "updated_at",
    )
    list_filter = ("status", "connector")
    search_fields = ("file_name",)


@admin.register(ExternalRecord)
class ExternalRecordAdmin(_ReadOnly):
    list_display = ("system", "kind", "key", "customer_id", "occurred_at", "updated_at")
    list_filter = ("system", "kind")
    search_fields = ("key", "event_id")
