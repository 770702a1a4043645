"""Goods brought back: returns, their lines, and exchanges (a return and its replacement
order)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.commerce.models.fields import money
from lealtad.commerce.models.orders import Order, OrderLine
from lealtad.commerce.models.stock import Location


class Return(models.Model):
    """Goods brought back on any channel against an order from any channel."""

    class RefundMethod(models.TextChoices):
        ORIGINAL = "original", _("To the original payment")
        CASH = "cash", _("Cash at the till")

    class Receipt(models.TextChoices):
        NONE = "", _("Not given yet")
        EMAIL = "email", _("E-mailed")
        PRINT = "print", _("Printed")

    number = models.CharField(max_length=20, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    customer_id = models.BigIntegerField(db_index=True)
    channel = models.CharField(max_length=40)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=250)
    refund_amount = money()
    # How the money went back: the original payment (the card, or the cash of a cash sale),
    # or cash at the till for a card sale (no gateway call; recorded as the till's refund).
    refund_method = models.CharField(
        max_length=10, choices=RefundMethod.choices, default=RefundMethod.ORIGINAL
    )
    receipt = models.CharField(max_length=6, choices=Receipt.choices, default="", blank=True)
    receipt_to = models.CharField(max_length=254, blank=True)  # the address it was mailed to
    receipt_at = models.DateTimeField(null=True, blank=True)
    exchange_order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class ReturnLine(models.Model):
    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    refund = money()
    restocked = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.order_line_id} x{self.quantity}"


class Exchange(models.Model):
    """Goods brought back and replacements taken, as one operation: the return and the
    replacement order point at each other, and the price difference is charged or refunded
    on the original payment."""

    number = models.CharField(max_length=20, unique=True)
    customer_id = models.BigIntegerField(db_index=True)
    original_order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="exchanges")
    ret = models.OneToOneField(Return, on_delete=models.PROTECT, related_name="exchange")
    replacement = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="exchange_of")
    channel = models.CharField(max_length=40)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=250)
    returned_value = money()  # what the goods brought back had cost
    replacement_value = money()  # the replacements at today's price
    difference = money()  # > 0 the customer paid more, < 0 the customer got money back
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number
