"""A loyalty program and its rules: tiers, earning rules and bonus campaigns."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.loyalty.choices import NegativeBalance

__all__ = ["BonusCampaign", "EarningRule", "Program", "Tier"]


class Program(models.Model):
    """A points program customers join: what a point is worth, when points expire, how
    tiers are qualified and what a return does to points already spent."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    point_value = models.DecimalField(
        _("value of a point"), max_digits=10, decimal_places=4, default=Decimal("0.01")
    )
    expiry_months = models.PositiveSmallIntegerField(_("points expire after (months)"), default=12)
    tier_window_months = models.PositiveSmallIntegerField(_("tier window (months)"), default=12)
    grace_months = models.PositiveSmallIntegerField(
        _("grace before a downgrade (months)"), default=3
    )
    negative_balance = models.CharField(
        _("negative balance policy"),
        max_length=10,
        choices=NegativeBalance.choices,
        default=NegativeBalance.OWE,
    )
    auto_enrol = models.BooleanField(_("enrol customers on their first order"), default=True)
    referrer_points = models.PositiveIntegerField(_("points to the referrer"), default=0)
    referred_points = models.PositiveIntegerField(_("points to the referred customer"), default=0)
    referral_code_months = models.PositiveSmallIntegerField(
        _("referral codes valid for (months)"), default=12
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("loyalty program")
        verbose_name_plural = _("loyalty programs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """A level of the program reached by points earned in the rolling window."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(_("rank"))
    threshold = models.PositiveIntegerField(_("points earned to reach it"))
    multiplier = models.DecimalField(
        _("earning multiplier"), max_digits=6, decimal_places=3, default=1
    )
    benefits = models.TextField(_("benefits"), blank=True)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["program", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["program", "rank"], name="loyalty_tier_rank"),
            models.UniqueConstraint(fields=["program", "name"], name="loyalty_tier_name"),
        ]

    def __str__(self) -> str:
        return self.name


class EarningRule(models.Model):
    """Points per currency unit of net amount for the lines it matches (empty fields match
    every channel, SKU, category or promotion); the most specific rule wins."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=40, blank=True)
    sku = models.CharField(_("SKU"), max_length=60, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)
    promotion = models.CharField(_("promotion code"), max_length=60, blank=True)
    points_per_unit = models.DecimalField(
        _("points per currency unit"), max_digits=8, decimal_places=3
    )
    multiplier = models.DecimalField(_("multiplier"), max_digits=6, decimal_places=3, default=1)
    starts = models.DateTimeField(_("valid from"), null=True, blank=True)
    ends = models.DateTimeField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        ordering = ["program", "id"]

    def __str__(self) -> str:
        return self.name


class BonusCampaign(models.Model):
    """Extra points for a while: a multiplier on the lines of a channel or category."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="bonuses")
    name = models.CharField(_("name"), max_length=120)
    multiplier = models.DecimalField(_("multiplier"), max_digits=6, decimal_places=3)
    channel = models.CharField(_("channel"), max_length=40, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)
    starts = models.DateTimeField(_("starts"))
    ends = models.DateTimeField(_("ends"))

    class Meta:
        verbose_name = _("bonus campaign")
        verbose_name_plural = _("bonus campaigns")
        ordering = ["program", "-starts"]

    def __str__(self) -> str:
        return self.name
