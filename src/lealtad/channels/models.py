"""What the hub has accepted from channels, and the external systems it knows."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lealtad.channels import folders


class ExternalSystem(models.Model):
    """A registered external or legacy system that may speak as a channel (billing, ERP…)."""

    name = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("external system")
        verbose_name_plural = gettext_lazy("external systems")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReceivedEvent(models.Model):
    """An accepted canonical event: its ``event_id`` makes a repeated delivery harmless."""

    event_id = models.CharField(max_length=120, unique=True)
    event_type = models.CharField(max_length=80)
    channel = models.CharField(max_length=40)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    customer_id = models.BigIntegerField(null=True)
    received_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = gettext_lazy("received event")
        verbose_name_plural = gettext_lazy("received events")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


# Connectors ----------------------------------------------------------------------------------


class Subscription(models.Model):
    """An outbound subscriber: events of some types sent to an external system's webhook or
    written to a file, each with its own delivery state (retries, dead letters) in the hub.

    Rows declared in a connector's YAML (``source=yaml``) are kept in step with the file; rows
    added through the API or the admin are the database's alone. Changes take effect on the
    next dispatcher pass, without a restart.
    """

    class Kind(models.TextChoices):
        WEBHOOK = "webhook", "webhook"
        FILE = "file", "file"

    class Source(models.TextChoices):
        YAML = "yaml", "connector YAML"
        API = "api", "API or admin"

    name = models.SlugField(max_length=80, unique=True)
    connector = models.CharField(max_length=80, blank=True)
    mapping = models.CharField(
        max_length=80,
        blank=True,
        help_text="The connector's outbound entry whose mapping formats the events; "
        "blank sends the canonical event.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WEBHOOK)
    url = models.URLField(max_length=500, blank=True)
    folder = models.CharField(max_length=500, blank=True)
    secret = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    allow_private = models.BooleanField(
        default=False,
        help_text="Allow private, loopback and link-local addresses (an admin's decision).",
    )
    max_attempts = models.PositiveSmallIntegerField(default=8)
    timeout_seconds = models.FloatField(default=5.0)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("webhook subscription")
        verbose_name_plural = gettext_lazy("webhook subscriptions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def hub_name(self) -> str:
        return f"channels.out.{self.name}"

    def folder_base(self) -> Path:
        """Where a relative ``folder`` lives: the connector's own data folder, or
        ``_subscriptions`` for a subscription of no connector."""
        return folders.data_root() / (self.connector or "_subscriptions")

    def clean(self) -> None:
        """A file subscription's folder stays inside the connector data directory (the admin
        form shows the reason next to the field)."""
        super().clean()
        if self.kind == self.Kind.FILE:
            try:
                folders.confine(self.folder, self.folder_base())
            except folders.FolderRefused as exc:
                message = _(
                    "The folder must stay inside the connector data directory (%(root)s): "
                    "no ~, no .., no link leading out. %(reason)s"
                ) % {"root": folders.data_root(), "reason": exc}
                raise ValidationError({"folder": message}) from exc


class Reject(models.Model):
    """A record a connector could not turn into an accepted event: where it was (file and
    line), which external field was wrong and why, and the record as received, so it can be
    replayed once the mapping or the data is fixed."""

    class Status(models.TextChoices):
        OPEN = "open", "open"
        RESOLVED = "resolved", "resolved"

    connector = models.CharField(max_length=80)
    stream = models.CharField(max_length=80)
    source = models.CharField(max_length=300)
    line = models.PositiveIntegerField(null=True, blank=True)
    field = models.CharField(max_length=200, blank=True)
    message = models.TextField()
    errors = models.JSONField(default=list)
    record = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    event_id = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("rejected record")
        verbose_name_plural = gettext_lazy("rejected records")
        ordering = ["id"]
        indexes = [models.Index(fields=["connector", "status"], name="reject_open_idx")]

    def __str__(self) -> str:
        return f"{self.connector} {self.source}:{self.line} {self.field}"


class FileProgress(models.Model):
    """How far an inbound file has been applied, committed with each batch: a crash mid-file
    resumes after the last committed record."""

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        DONE = "done", "done"

    connector = models.CharField(max_length=80)
    stream = models.CharField(max_length=80)
    file_name = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64)
    records_done = models.PositiveBigIntegerField(default=0)
    created = models.PositiveBigIntegerField(default=0)
    duplicate = models.PositiveBigIntegerField(default=0)
    rejected = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("file progress")
        verbose_name_plural = gettext_lazy("file progress")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connector", "stream", "file_name", "fingerprint"], name="file_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.connector}/{self.file_name} ({self.records_done}, {self.status})"


class ExternalRecord(models.Model):
    """The latest thing an external system reported about one key (an invoice, an account
    balance, a stock level, a shipment…), for the event types channels owns until the context
    that should own them (commerce) takes them over. A report older than the one kept is
    ignored, so files applied out of order do not move a value back."""

    system = models.CharField(max_length=40)
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict)
    event_id = models.CharField(max_length=120)
    occurred_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = gettext_lazy("external record")
        verbose_name_plural = gettext_lazy("external records")
        ordering = ["system", "kind", "key"]
        constraints = [
            models.UniqueConstraint(fields=["system", "kind", "key"], name="external_record_key")
        ]

    def __str__(self) -> str:
        return f"{self.system} {self.kind} {self.key}"


class ReportedState(models.Model):
    """When the state a system last reported about one key was true (a stock level's
    SKU@location): a report of that key no newer than this is a repeat or came late, and has
    no effect, so a file delivered twice or out of order never moves a level back.

    It stands in for the received-event row of each report: one narrow row per key, moved
    forward by every report applied, instead of a row per report and per night."""

    # The key is the primary key: one index to maintain per row, not an id and a unique key.
    pk = models.CompositePrimaryKey("system", "kind", "key")
    system = models.CharField(max_length=40)
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["system", "kind", "key"]

    def __str__(self) -> str:
        return f"{self.system} {self.kind} {self.key} @ {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class WebhookReceipt(models.Model):
    """A signed inbound webhook already received (its ``webhook-id``): the same message sent
    again within the signature's tolerance window is a replay and is refused. Rows older than
    twice the window can no longer match a valid signature and are pruned."""

    connector = models.CharField(max_length=80)
    webhook_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["connector", "webhook_id"], name="webhook_once")
        ]

    def __str__(self) -> str:
        return f"{self.connector} {self.webhook_id}"
