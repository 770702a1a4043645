"""The refresh: its runs, its settings, and the tier history it leaves behind."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RefreshRun(models.Model):
    """One analytics refresh: when, who asked, how far it got and what it warned about."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Nightly schedule")
        MANUAL = "manual", _("Manual")
        CLI = "cli", _("Command line")
        API = "api", _("API")

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    requested_by = models.CharField(max_length=150, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateField()
    step = models.CharField(max_length=60, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    customers = models.PositiveIntegerField(default=0)
    tier_changes = models.PositiveIntegerField(default=0)
    stage_changes = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    figures = models.JSONField(default=dict, blank=True)  # fitted parameters, timings
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("analytics refresh")
        verbose_name_plural = _("analytics refreshes")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"refresh {self.pk} {self.status}"


class TierChange(models.Model):
    """A customer moving from one value tier to another (a migrant, seed 003), kept so the
    history of each customer's tier and the monthly migration matrix can be told."""

    customer_id = models.BigIntegerField()
    from_tier = models.CharField(max_length=12, blank=True)  # '' : first assessed
    to_tier = models.CharField(max_length=12)
    changed_on = models.DateField()
    run = models.ForeignKey(RefreshRun, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["customer_id", "changed_on", "id"]
        indexes = [
            models.Index(fields=["customer_id", "changed_on"], name="tierchange_customer_idx"),
            models.Index(fields=["changed_on"], name="tierchange_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_tier or '-'} → {self.to_tier} ({self.changed_on})"


class AnalyticsSettings(models.Model):
    """The rules an administrator may tune (one row): RFM bins, tier thresholds, cost rates,
    the lifetime-value horizon and discount, lifecycle windows. Kept as JSON checked by the
    services, so a new knob needs no migration."""

    rules = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return "analytics settings"
