"""Activities: calls, meetings, tasks and e-mails a seller logs or plans, on a lead, an
opportunity or a customer, each in a time category of the seller's day."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.sales.choices import ActivityKind, TimeCategory
from lealtad.sales.models.leads import Lead
from lealtad.sales.models.opportunities import Opportunity

__all__ = ["Activity"]


class Activity(models.Model):
    """A call, meeting, task or e-mail: planned (``starts_at``/``due``) and done
    (``done_at``); it shows on the calendar, the timeline and the time report."""

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    due = models.DateTimeField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True)
    time_category = models.CharField(
        _("time category"), max_length=20, choices=TimeCategory.choices, blank=True
    )
    # The sender's key when an activity arrives from outside (a dialer outcome, a calendar).
    idempotency_key = models.CharField(max_length=160, null=True, blank=True, unique=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(starts_at__isnull=True)
                | models.Q(ends_at__gte=models.F("starts_at")),
                name="sales_activity_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "starts_at"], name="sales_activity_calendar"),
            models.Index(fields=["owner", "due"], name="sales_activity_due"),
            models.Index(fields=["customer_id"], name="sales_activity_customer"),
        ]

    def __str__(self) -> str:
        return self.subject
