"""Service contracts: what a customer bought beyond the product (a support level, its hours),
for which serials and until when. The SLA policy a case gets follows the contract's level."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupportLevel(models.TextChoices):
    BASIC = "basic", _("Basic")
    PLUS = "plus", _("Plus")
    PREMIUM = "premium", _("Premium")


class Coverage(models.TextChoices):
    BUSINESS = "business", _("Business hours")
    EXTENDED = "extended", _("Extended hours")
    ALWAYS = "24x7", _("24 hours, 7 days")


class ServiceContract(models.Model):
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    customer_id = models.BigIntegerField(db_index=True)
    support_level = models.CharField(
        _("support level"), max_length=10, choices=SupportLevel.choices
    )
    coverage = models.CharField(
        _("coverage hours"), max_length=10, choices=Coverage.choices, default="business"
    )
    serials = models.JSONField(_("product serials"), default=list, blank=True)
    product_skus = models.JSONField(_("products"), default=list, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # A contract may allow refunds or replacements without the goods coming back (cheap items).
    return_required = models.BooleanField(_("RMA needs the goods back"), default=True)
    cancelled = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-starts_on", "number"]
        verbose_name = _("service contract")
        verbose_name_plural = _("service contracts")

    def __str__(self) -> str:
        return self.number
