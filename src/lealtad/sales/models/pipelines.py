"""Configurable pipelines and their stages, each with a win probability."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.sales.choices import StageKind

__all__ = ["Pipeline", "Stage"]


class Pipeline(models.Model):
    """A sales process (new business, renewals, telesales…): an ordered list of stages."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    # Where converted leads go when no pipeline is named.
    is_default = models.BooleanField(_("default pipeline"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """A step of a pipeline; won and lost stages close the opportunities that reach them."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=80)
    order = models.PositiveSmallIntegerField(_("order"))
    probability = models.PositiveSmallIntegerField(_("probability (%)"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=StageKind.choices, default=StageKind.OPEN
    )

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "order"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "order"], name="sales_stage_order"),
            models.UniqueConstraint(fields=["pipeline", "name"], name="sales_stage_name"),
            models.CheckConstraint(
                condition=models.Q(probability__lte=100), name="sales_stage_probability"
            ),
        ]

    def __str__(self) -> str:
        return self.name
