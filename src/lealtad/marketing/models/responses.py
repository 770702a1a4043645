"""What comes back from a campaign: unsubscribes, tracked clicks, bounces and complaints, and
the orders it converted (for its treated customers and its control group alike, so the lift
can be measured). Customers and orders are referred to by id and number, never joined."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Bounce", "Click", "Conversion", "Unsubscribe"]


class BounceKind(models.TextChoices):
    HARD = "hard", _("Hard bounce")
    SOFT = "soft", _("Soft bounce")
    COMPLAINT = "complaint", _("Complaint")


class Unsubscribe(models.Model):
    """A customer left through a message's unsubscribe link (one row per message: a second
    POST of the same link finds it and changes nothing)."""

    message = models.OneToOneField(
        "marketing.Message", on_delete=models.CASCADE, related_name="unsubscribe"
    )
    campaign_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()
    channel = models.CharField(max_length=12)
    method = models.CharField(max_length=40)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("unsubscribe")
        verbose_name_plural = _("unsubscribes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["campaign_id"], name="unsubscribe_campaign")]

    def __str__(self) -> str:
        return f"{self.message_id} {self.at:%Y-%m-%d}"


class Click(models.Model):
    """One follow of a tracked link; ``first`` marks the message's first click (unique clicks)."""

    message = models.ForeignKey("marketing.Message", on_delete=models.CASCADE, related_name="+")
    campaign_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()
    target = models.CharField(max_length=2000)
    first = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["campaign_id", "first"], name="click_campaign")]
        constraints = [
            models.UniqueConstraint(
                fields=["message"], condition=models.Q(first=True), name="click_first_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.target[:60]}"


class Bounce(models.Model):
    """A delivery failure or complaint reported by the mail provider (webhook), a DSN or an
    ARF report: idempotent on the reporter's id (``external_id``)."""

    external_id = models.CharField(max_length=200, unique=True)
    message = models.ForeignKey(
        "marketing.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    campaign_id = models.BigIntegerField(null=True, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=12, default="email")
    address = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=10, choices=BounceKind.choices)
    status = models.CharField(max_length=20, blank=True)  # the DSN status code, 5.1.1
    detail = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=20)  # webhook, imap, file
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("bounce")
        verbose_name_plural = _("bounces")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["address", "kind", "at"], name="bounce_address"),
            models.Index(fields=["campaign_id", "kind"], name="bounce_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.address}"


class Conversion(models.Model):
    """An order placed within a campaign's window by a customer it wrote to or held out:
    once per campaign and order; ``returned`` is what came back of its revenue."""

    campaign = models.ForeignKey(
        "marketing.Campaign", on_delete=models.CASCADE, related_name="conversions"
    )
    customer_id = models.BigIntegerField()
    order = models.CharField(max_length=40)
    revenue = models.DecimalField(max_digits=14, decimal_places=2)
    returned = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # The returns already taken off (their numbers): a replayed ``order.returned`` finds its own.
    return_numbers = models.JSONField(default=list, blank=True)
    is_control = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("conversion")
        verbose_name_plural = _("conversions")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "order"], name="conversion_once")
        ]
        indexes = [models.Index(fields=["order"], name="conversion_order")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.order}"
