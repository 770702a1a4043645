"""Back-office screens of the hub: outbox, deliveries (dead letters), audit trail, tokens."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lealtad.core import vocabulary
from lealtad.core.dispatcher import default_dispatcher
from lealtad.core.models import ApiToken, AuditEntry, Delivery, OutboxMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is written by the services and never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ("subscriber", "status", "attempts", "next_attempt_at", "last_error")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "event_type",
        "event_id",
        "channel",
        "customer_id",
        "created_at",
        "dispatched_at",
    )
    list_filter = ("event_type", "channel")
    search_fields = ("event_id", "event_type")
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "subscriber",
        "message",
        "status",
        "attempts",
        "next_attempt_at",
        "updated_at",
    )
    list_filter = ("status", "subscriber")
    search_fields = ("subscriber", "message__event_id")
    actions = ["replay"]

    @admin.action(description=_("Replay the selected dead letters"))
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        dispatcher = default_dispatcher()
        dead = list(queryset.filter(status=Delivery.Status.DEAD).values_list("pk", flat=True))
        for delivery_id in dead:
            dispatcher.replay(delivery_id)
        self.message_user(
            request,
            ngettext(
                "%(n)d delivery put back in line.", "%(n)d deliveries put back in line.", len(dead)
            )
            % {"n": len(dead)},
            messages.SUCCESS,
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "actor_label",
        "channel",
        "action_words",
        "entity_type",
        "entity_id",
        "customer_id",
    )
    list_filter = ("action", "entity_type", "channel")
    search_fields = ("actor_label", "entity_id", "event_id")
    date_hierarchy = "occurred_at"

    @admin.display(description=_("action"), ordering="action")
    def action_words(self, entry: AuditEntry) -> str:
        return vocabulary.audit_action(entry.action)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "user", "scopes", "created_at", "last_used_at", "revoked_at")
    search_fields = ("name", "prefix")
    exclude = ("key_hash",)
