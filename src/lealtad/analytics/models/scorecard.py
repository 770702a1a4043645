"""The balanced scorecard's targets: what an administrator expects of each KPI in a period.

Every target set is kept (the latest for a KPI and period is the one in force), so the
scorecard can say who moved a target and when; the KPI values themselves are never stored,
they are computed from the cube each time the page is read.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetDirection(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class ScorecardTarget(models.Model):
    kpi = models.CharField(_("KPI"), max_length=40)
    # A calendar period: "2026" (year), "2026-Q4" (quarter) or "2026-11" (month).
    period = models.CharField(_("period"), max_length=7)
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=4)
    direction = models.CharField(
        _("direction"),
        max_length=6,
        choices=TargetDirection.choices,
        default=TargetDirection.HIGHER,
    )
    # How far short of the target (in % of it) is still amber rather than red.
    amber_within = models.DecimalField(
        _("amber within (%)"), max_digits=5, decimal_places=2, default=Decimal("10")
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scorecard target")
        verbose_name_plural = _("scorecard targets")
        indexes = [
            models.Index(fields=["kpi", "period", "-set_at"], name="scorecard_target_in_force")
        ]
        ordering = ["kpi", "period", "-set_at"]

    def __str__(self) -> str:
        return f"{self.kpi} {self.period}: {self.target} ({self.direction})"
