"""Telesales: call lists the sales context hands to the contact center's dialer, and who on
each list stands for which lead or opportunity, so a call's outcome lands where it belongs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.sales.models.leads import Lead
from lealtad.sales.models.opportunities import Opportunity

__all__ = ["TelesalesList", "TelesalesTarget"]


class TelesalesListSource(models.TextChoices):
    SEGMENT = "segment", _("marketing segment")
    LEADS = "leads", _("open leads")


class TelesalesOutcome(models.TextChoices):
    ANSWERED = "answered", _("answered")
    NOT_INTERESTED = "not_interested", _("not interested")
    CALLBACK = "callback", _("call back")
    SALE = "sale", _("sale")


class TelesalesList(models.Model):
    """A call list built by sales: the dialer's list of the same ``name`` holds the calls
    (the contact center's table); this row keeps how it was chosen and what was left out."""

    name = models.SlugField(_("name"), max_length=60, unique=True)
    source = models.CharField(_("built from"), max_length=10, choices=TelesalesListSource.choices)
    segment_id = models.BigIntegerField(_("segment"), null=True, blank=True)
    queue = models.CharField(_("queue"), max_length=60)
    purpose = models.CharField(_("purpose"), max_length=12, default="marketing")
    # Customers left out and why ({"no_consent": 12, "no_phone": 3, ...}).
    skipped = models.JSONField(_("left out"), default=dict, blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("telesales list")
        verbose_name_plural = _("telesales lists")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class TelesalesTarget(models.Model):
    """A customer on a telesales list and the lead or opportunity their call is about;
    ``outcome`` is the last call's, as the agent wrapped it up."""

    telesales_list = models.ForeignKey(
        TelesalesList, on_delete=models.CASCADE, related_name="targets"
    )
    customer_id = models.BigIntegerField(_("customer"))
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=TelesalesOutcome.choices, blank=True
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("telesales target")
        verbose_name_plural = _("telesales targets")
        ordering = ["telesales_list", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["telesales_list", "customer_id"], name="sales_telesales_target_once"
            ),
        ]
        indexes = [models.Index(fields=["customer_id"], name="sales_telesales_customer")]

    def __str__(self) -> str:
        return f"{self.telesales_list_id}:{self.customer_id}"
