"""Back-office screens of the contact center: its shape (skills, queues and their overflow,
agents and their skills, wrap-up codes, settings) and, read only, its contacts and journal.

An agent's state and a contact's progress are never edited here: they move through the
services, which journal each step (the router and the wallboard follow the journal)."""

from django.contrib import admin

from lealtad.contactcenter.models import (
    Agent,
    AgentSkill,
    CenterEvent,
    CenterSettings,
    Contact,
    Queue,
    QueueOverflow,
    Skill,
    WrapUpCode,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "label")
    search_fields = ("name", "label")


class OverflowInline(admin.TabularInline):
    model = QueueOverflow
    fk_name = "queue"
    extra = 0


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "label", "skill", "level", "service_level_seconds", "active")
    list_filter = ("level", "active")
    inlines = [OverflowInline]


class AgentSkillInline(admin.TabularInline):
    model = AgentSkill
    extra = 0


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "extension", "state", "state_since", "active")
    list_filter = ("state", "team", "active")
    search_fields = ("name", "extension", "user__username")
    raw_id_fields = ("user",)
    readonly_fields = ("state", "state_reason", "state_since", "idle_since")
    inlines = [AgentSkillInline]


@admin.register(WrapUpCode)
class WrapUpCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "category", "outcome", "active")
    list_filter = ("category", "outcome", "active")


@admin.register(CenterSettings)
class CenterSettingsAdmin(admin.ModelAdmin):
    list_display = ("offer_timeout_seconds", "wrap_up_seconds", "trunks")


@admin.register(Contact)
class ContactAdmin(ReadOnly):
    list_display = ("id", "medium", "direction", "status", "queue", "agent", "arrived_at")
    list_filter = ("medium", "direction", "status", "queue")
    search_fields = ("caller_id", "address", "external_ref")


@admin.register(CenterEvent)
class CenterEventAdmin(ReadOnly):
    list_display = ("id", "at", "kind", "contact_id", "agent_id", "queue", "state", "reason")
    list_filter = ("kind", "queue")
