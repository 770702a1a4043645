"""What the business spent to bring in leads, per lead source and month."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.sales.choices import LeadSource

__all__ = ["AcquisitionSpend"]


class AcquisitionSpend(models.Model):
    """The spend on one lead source (web form ads, fairs, telemarketing floor …) in one month
    (its first day) and currency: the dashboard divides it by the leads that source brought
    and the customers it won. Recording the same source and month again replaces it."""

    source = models.CharField(_("source"), max_length=20, choices=LeadSource.choices)
    month = models.DateField(_("month"))
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("acquisition spend")
        verbose_name_plural = _("acquisition spend")
        ordering = ["-month", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "month", "currency"], name="sales_spend_once"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="sales_spend_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.month:%Y-%m} {self.amount} {self.currency}"
