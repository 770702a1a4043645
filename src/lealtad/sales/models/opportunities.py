"""Opportunities: a deal in a pipeline, its product lines and the history of its stages."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.sales.choices import ForecastCategory
from lealtad.sales.models.leads import Lead
from lealtad.sales.models.pipelines import Pipeline, Stage
from lealtad.sales.models.teams import SalesTeam

__all__ = ["Opportunity", "OpportunityLine", "StageChange"]


class Opportunity(models.Model):
    """A deal being worked with a customer (referred to by id: no foreign key across
    contexts). A lead converts into at most one opportunity."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="opportunities")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="opportunities")
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True)
    lead = models.OneToOneField(
        Lead, null=True, blank=True, on_delete=models.PROTECT, related_name="opportunity"
    )
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    close_date = models.DateField(_("expected close date"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        SalesTeam, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=20,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
    )
    won_reason = models.CharField(_("won because"), max_length=200, blank=True)
    lost_reason = models.CharField(_("lost because"), max_length=200, blank=True)
    competitors = models.TextField(_("competitors"), blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["close_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="sales_opportunity_amount"
            ),
        ]
        indexes = [
            # The board: one pipeline's stages, each column by close date.
            models.Index(fields=["stage", "close_date"], name="sales_opp_stage_close"),
            # The forecast's months and slipped deals, read from the index alone (no row).
            models.Index(
                fields=["stage", "close_date", "owner", "team", "forecast_category", "amount"],
                name="sales_opp_forecast",
            ),
            # Wins and losses by the day they closed (quota coverage, dashboard, backtest).
            models.Index(fields=["stage", "closed_at", "owner", "amount"], name="sales_opp_closed"),
            # The latest edit, read as the dashboard's cache key (selectors_dashboard).
            models.Index(fields=["updated_at"], name="sales_opp_updated"),
            # Each column's biggest cards and its count and sum, read from the index alone.
            models.Index(fields=["stage", "-amount"], name="sales_opp_stage_amount"),
            models.Index(fields=["owner", "stage", "-amount"], name="sales_opp_owner_amount"),
            # A rep's board and forecast.
            models.Index(fields=["owner", "stage", "close_date"], name="sales_opp_owner"),
            models.Index(fields=["team", "close_date"], name="sales_opp_team"),
            models.Index(fields=["close_date"], name="sales_opp_close"),
            models.Index(fields=["customer_id"], name="sales_opp_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class OpportunityLine(models.Model):
    """A product the deal is about (a commerce SKU, referred to by code), at the price and
    discount the seller expects to agree; its net is quantity times price less the discount."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(_("SKU"), max_length=60)
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name = _("opportunity line")
        verbose_name_plural = _("opportunity lines")
        ordering = ["opportunity", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="sales_line_quantity"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="sales_line_price"),
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lte=100),
                name="sales_line_discount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} x {self.quantity}"


class StageChange(models.Model):
    """One move of an opportunity between stages, never changed: cycle time, win rate and
    slipped deals are computed from this history."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["opportunity", "at"], name="sales_stagechange_opp")]

    def __str__(self) -> str:
        return f"{self.from_stage_id} → {self.to_stage_id}"
