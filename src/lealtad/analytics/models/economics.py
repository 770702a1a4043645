"""What a manager tells the analytics about channels that the data cannot: what winning
customers cost (per campaign, channel and segment) and how mature the company believes its
multichannel integration is (Gartner's four stages, seed 000).

Both are kept, never overwritten: a cost entered wrong is corrected by a new entry and the
wrong one withdrawn, so CAC figures already shown can be explained later; every assessment
stays, so the stage's history is there to compare with the evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AcquisitionCost(models.Model):
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    channel = models.CharField(_("channel"), max_length=60)
    # '' means the cost won customers of every segment (it is spread over them by count).
    segment = models.CharField(_("segment"), max_length=60, blank=True, default="")
    campaign = models.CharField(_("campaign"), max_length=120, blank=True, default="")
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("acquisition cost")
        verbose_name_plural = _("acquisition costs")
        ordering = ["-period_start", "channel", "segment", "pk"]
        indexes = [models.Index(fields=["channel", "period_start"], name="acq_cost_channel")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="acq_cost_period_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="acq_cost_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.segment or '*'} {self.period_start}..{self.period_end}"


class MaturityAssessment(models.Model):
    # Question id (olap.maturity.QUESTIONS) -> answer 0..4.
    answers = models.JSONField(_("answers"))
    score = models.FloatField(_("score"))
    stage = models.PositiveSmallIntegerField(_("stage"))
    fractions = models.JSONField(_("stage fractions"), default=dict)
    note = models.TextField(_("note"), blank=True, default="")
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    assessed_at = models.DateTimeField(_("assessed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("maturity assessment")
        verbose_name_plural = _("maturity assessments")
        ordering = ["-assessed_at", "-pk"]

    def __str__(self) -> str:
        return f"stage {self.stage} ({self.score:.2f}) {self.assessed_at:%Y-%m-%d}"
