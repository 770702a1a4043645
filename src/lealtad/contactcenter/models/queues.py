"""Queues (agent groups by skill and level), overflow between them, wrap-up codes, settings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.contactcenter.choices import Outcome, QueueLevel
from lealtad.contactcenter.models.agents import Skill


def default_head_starts() -> dict[str, float]:
    return {"mvc": 60.0, "mgc": 30.0, "regular": 0.0, "below_zero": 0.0, "unknown": 0.0}


class Queue(models.Model):
    name = models.SlugField(max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=120)
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="queues")
    level = models.PositiveSmallIntegerField(
        _("level"), choices=QueueLevel.choices, default=QueueLevel.LEVEL_1
    )
    min_proficiency = models.PositiveSmallIntegerField(_("minimum proficiency"), default=1)
    # After this wait any agent with the skill at all may take the contact (none: never).
    relax_after_seconds = models.PositiveIntegerField(
        _("relax the proficiency after (s)"), null=True, blank=True, default=60
    )
    service_level_seconds = models.PositiveIntegerField(_("answer within (s)"), default=15)
    service_level_target = models.FloatField(_("service level target"), default=0.8)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.label or self.name


class QueueOverflow(models.Model):
    """After ``after_seconds`` of waiting, the agents of ``to_queue`` may take it too."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="overflows")
    after_seconds = models.PositiveIntegerField(_("after (s)"))
    to_queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("queue overflow")
        verbose_name_plural = _("queue overflows")
        ordering = ["queue", "after_seconds"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "to_queue"], name="cc_overflow_once"),
        ]

    def __str__(self) -> str:
        return f"{self.queue_id} → {self.to_queue_id} after {self.after_seconds} s"


class WrapUpCode(models.Model):
    """What the contact was about (seed 002's taxonomy) and how it ended."""

    code = models.SlugField(max_length=60, unique=True)
    label = models.CharField(_("label"), max_length=120)
    category = models.CharField(_("category"), max_length=60, blank=True)
    outcome = models.CharField(
        max_length=20, choices=Outcome.choices, default=Outcome.RESOLVED, blank=True
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("wrap-up code")
        verbose_name_plural = _("wrap-up codes")

    def __str__(self) -> str:
        return self.label


class CenterSettings(models.Model):
    """One row: how the ACD behaves (the router reads it when it starts or reconciles)."""

    offer_timeout_seconds = models.PositiveIntegerField(_("ring an agent for (s)"), default=20)
    wrap_up_seconds = models.PositiveIntegerField(_("wrap-up (s)"), default=30)
    trunks = models.PositiveIntegerField(_("trunks (calls at once)"), default=120)
    tier_head_start = models.JSONField(
        _("head start per value tier (s)"), default=default_head_starts
    )
    churn_head_start_seconds = models.FloatField(_("head start at churn risk 1 (s)"), default=0)
    head_start_cap_seconds = models.FloatField(_("largest head start (s)"), default=120)

    class Meta:
        verbose_name = _("contact center settings")
        verbose_name_plural = _("contact center settings")

    def __str__(self) -> str:
        return str(_("contact center settings"))
