"""Quotes: priced offers to a customer, in versions, approved when the discount is large,
sent as PDF and accepted into a commerce order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.sales.models.opportunities import Opportunity

__all__ = ["Quote", "QuoteLine"]

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}


class Quote(models.Model):
    """One version of a quote. A revision is a new row with the same number and the next
    version; only a draft changes, every other version is kept as it was sent or decided.
    The amounts are the totals computed when the draft was last priced (commerce's prices,
    promotions and tax, plus the seller's discounts): the page and the PDF show these."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PENDING_APPROVAL = "pending_approval", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        SUPERSEDED = "superseded", _("superseded")

    number = models.CharField(_("number"), max_length=20)
    version = models.PositiveIntegerField(_("version"), default=1)
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.PROTECT, related_name="quotes"
    )
    customer_id = models.BigIntegerField(_("customer"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    channel = models.CharField(_("channel"), max_length=40, default="field")
    country = models.CharField(_("country"), max_length=2)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    language = models.CharField(_("language"), max_length=5, default="es")
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    discount_percent = models.DecimalField(
        _("quote discount %"), max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    discount_amount = models.DecimalField(_("quote discount"), **MONEY)
    # Computed when the draft was priced.
    tax_name = models.CharField(_("tax"), max_length=40, blank=True)
    tax_rate = models.DecimalField(_("tax rate"), max_digits=6, decimal_places=4, default=0)
    subtotal = models.DecimalField(_("subtotal"), **MONEY)
    discount = models.DecimalField(_("discount"), **MONEY)
    tax = models.DecimalField(_("tax"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    negotiated_percent = models.DecimalField(
        _("negotiated discount %"), max_digits=7, decimal_places=2, default=Decimal("0.00")
    )
    promotions = models.JSONField(_("promotions"), default=list, blank=True)
    priced_at = models.DateTimeField(null=True, blank=True)
    # Approval, sending, acceptance.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    sent_to = models.CharField(_("sent to"), max_length=254, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    order_number = models.CharField(_("order"), max_length=40, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "number", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="sales_quote_version"),
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lte=100),
                name="sales_quote_discount_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(discount_amount__gte=0), name="sales_quote_discount_amount"
            ),
        ]
        indexes = [
            models.Index(fields=["customer_id"], name="sales_quote_customer"),
            models.Index(fields=["status", "created_at"], name="sales_quote_status"),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"


class QuoteLine(models.Model):
    """A product on a quote (a commerce SKU by code), in a group (a section with its own
    subtotal), with the seller's discount and the amounts computed when priced."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"))
    group = models.CharField(_("group"), max_length=100, blank=True)
    sku = models.CharField(_("SKU"), max_length=60)
    product = models.CharField(_("product"), max_length=60, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=250, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    discount_amount = models.DecimalField(_("line discount"), **MONEY)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    base = models.DecimalField(_("amount"), **MONEY)
    discount = models.DecimalField(_("discount"), **MONEY)
    tax = models.DecimalField(_("tax"), **MONEY)

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote", "position"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "position"], name="sales_quote_line_pos"),
            models.UniqueConstraint(fields=["quote", "sku"], name="sales_quote_line_sku"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="sales_quote_line_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} x {self.quantity}"
