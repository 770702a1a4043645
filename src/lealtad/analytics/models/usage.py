"""What customers use of their plan, period by period (the telecom's hours, the bank's
transactions): the evidence of the seed's up-sell signal, a customer on a 40-hour plan who
uses 90."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UsageReading(models.Model):
    """One customer's use of one plan in one period (``2026-11``), as a channel reported it.
    A later reading of the same customer, period and unit replaces the earlier one."""

    customer_id = models.BigIntegerField()
    period = models.CharField(max_length=7)  # YYYY-MM
    unit = models.CharField(max_length=20)  # hours, GB, minutes, transactions …
    plan = models.CharField(max_length=40)
    allowance = models.FloatField()
    used = models.FloatField()
    channel = models.CharField(max_length=40, blank=True)
    event_id = models.CharField(max_length=120, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("usage reading")
        verbose_name_plural = _("usage readings")
        ordering = ["customer_id", "unit", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer_id", "unit", "period"], name="usage_per_customer_period"
            )
        ]
        indexes = [models.Index(fields=["unit", "period"], name="usage_unit_period_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.period}: {self.used}/{self.allowance} {self.unit}"
