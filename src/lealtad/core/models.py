"""The hub's durable state: outbox, deliveries, stream relay positions, audit trail and API
tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A domain event written in the same transaction as the business change it announces.

    The dispatcher reads these after commit and hands them to every subscriber of the event
    type, so an event is never announced for a change that rolled back, nor lost for one that
    committed.
    """

    event_id = models.CharField(max_length=120, db_index=True)
    event_type = models.CharField(max_length=80)
    channel = models.CharField(max_length=40, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["dispatched_at", "id"], name="outbox_pending_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class Delivery(models.Model):
    """One subscriber's handling of one outbox message: retried with backoff, then dead."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        DONE = "done", "done"
        DEAD = "dead", "dead-letter"

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "subscriber"], name="delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} ← {self.message_id} ({self.status})"


class StreamRelayPosition(models.Model):
    """How far the outbox has been published to an external stream (Redis Streams).

    The relay moves ``position`` only after the stream has taken every message up to it, so a
    relay killed mid-publish starts again from here; the stream's entry ids are the outbox ids,
    so what it had published past this point is recognised, not published twice. The truth
    stays in the database: the stream is a copy the relay can rebuild from the outbox.
    """

    stream = models.CharField(max_length=200, unique=True)
    # The highest outbox id published: every lower id was published or never committed.
    position = models.BigIntegerField(default=0)
    published = models.BigIntegerField(default=0)
    last_error = models.TextField(blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.stream} at {self.position}"


class AuditTrailIsAppendOnly(PermissionError):
    """An attempt to change or remove an audit entry: the trail is only ever added to."""


class AuditEntryQuerySet(models.QuerySet):
    """Refuses updates and deletes: an audit trail that can be edited proves nothing."""

    def update(self, **kwargs: object) -> int:
        raise AuditTrailIsAppendOnly("audit entries are never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("audit entries are never deleted")

    def bulk_update(self, objs: object, fields: object, batch_size: int | None = None) -> int:
        raise AuditTrailIsAppendOnly("audit entries are never changed")

    def redact_changes(self, entries: list[AuditEntry], batch_size: int | None = None) -> int:
        """The one rewrite the law asks for: erasing a person's values (LOPDP/GDPR erasure).

        Only ``changes`` is rewritten; who acted, when, how and on which record stay."""
        return self.model._base_manager.bulk_update(entries, ["changes"], batch_size=batch_size)


class AuditEntry(models.Model):
    """Who changed what, when, from which channel, with the value before and after.

    Append-only: saving an existing entry, deleting one, or updating or deleting through a
    query raises :class:`AuditTrailIsAppendOnly` (the admin shows the trail read-only).
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=150)
    channel = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=40)
    entity_type = models.CharField(max_length=60)
    entity_id = models.CharField(max_length=40)
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict)
    event_id = models.CharField(max_length=120, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.entity_type}:{self.entity_id} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("audit entries are never deleted")


class ApiToken(models.Model):
    """A bearer token for a channel or integration, stored only as a hash.

    Scopes name what the token may do (``customers:read``, ``events:write`` …) and, with
    ``channel:<name>``, which channels it may speak for.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
