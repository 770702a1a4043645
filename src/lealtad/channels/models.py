"""What the hub has accepted from channels, and the external systems it knows."""

from __future__ import annotations

from django.db import models


class ExternalSystem(models.Model):
    """A registered external or legacy system that may speak as a channel (billing, ERP…)."""

    name = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
