"""A lead: someone who may buy, captured from a form, an event, a campaign, a call list or a
file, before they are (or are linked to) a customer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.sales.choices import LeadSource, LeadStatus
from lealtad.sales.models.teams import SalesTeam, Territory

__all__ = ["Lead"]


class Lead(models.Model):
    """A prospect as captured; ``customer_id`` links the customer identity resolution found
    (customers are referred to by id: no foreign key across contexts)."""

    source = models.CharField(_("source"), max_length=20, choices=LeadSource.choices)
    # The sender's id for the lead (a form submission, an event id, a file's row key): the
    # same source and id twice is the same lead, so a repeated delivery creates nothing.
    external_id = models.CharField(_("external id"), max_length=120)
    campaign = models.CharField(_("campaign"), max_length=80, blank=True)
    person_name = models.CharField(_("person"), max_length=160, blank=True)
    company_name = models.CharField(_("company"), max_length=160, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)  # E.164
    national_id = models.CharField(_("national id (cédula)"), max_length=20, blank=True)
    region = models.CharField(_("province or city"), max_length=80, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    # The score's top factors, as shown to the seller: [{"factor": …, "weight": …}, …].
    score_basis = models.JSONField(_("score basis"), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        SalesTeam, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    disqualified_reason = models.CharField(_("disqualified because"), max_length=200, blank=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="sales_lead_once"),
        ]
        indexes = [
            models.Index(fields=["status", "owner"], name="sales_lead_status_owner"),
            models.Index(fields=["customer_id"], name="sales_lead_customer"),
            models.Index(fields=["email"], name="sales_lead_email"),
            models.Index(fields=["created_at"], name="sales_lead_created"),
        ]

    def __str__(self) -> str:
        return self.person_name or self.company_name or self.email or self.external_id
