"""Sales quotas: what a seller is expected to close won in a month."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Quota"]


class Quota(models.Model):
    """A seller's target for one month (its first day): the forecast page measures the
    closed and weighted open amounts against it (quota coverage)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("seller"),
    )
    month = models.DateField(_("month"))
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["month", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "month"], name="sales_quota_once"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="sales_quota_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.month:%Y-%m}"
