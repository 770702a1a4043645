"""What a customer asked of our messages beyond consent: topics they do not want, how often
they accept to hear from us, and the language they read. Consents themselves (channel and
purpose) stay in the customers context; this is marketing's own part of the preference
center, with its history (every change with how it was made and its proof reference)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Preference", "PreferenceChange"]


class Frequency(models.TextChoices):
    ANY = "any", _("As often as there is something for me")
    WEEKLY = "weekly", _("At most a few per week")
    MONTHLY = "monthly", _("At most a few per month")
    IMPORTANT = "important", _("Only important messages")


class Preference(models.Model):
    """One customer's topics refused, frequency choice and language (one row per customer;
    no row means no restriction beyond consent)."""

    customer_id = models.BigIntegerField(_("customer"), unique=True)
    refused_topics = models.JSONField(_("topics refused"), default=list, blank=True)
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.ANY
    )
    # With WEEKLY or MONTHLY: how many messages at most in the period.
    frequency_limit = models.PositiveSmallIntegerField(_("messages at most"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=2, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("marketing preference")
        verbose_name_plural = _("marketing preferences")
        ordering = ["customer_id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.frequency}"


class PreferenceChange(models.Model):
    """A change of topics, frequency or language: before, after, when, how and the proof
    (the signed link's reference), as a consent change is for consents."""

    customer_id = models.BigIntegerField(_("customer"))
    field = models.CharField(_("field"), max_length=20)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    at = models.DateTimeField(_("at"))
    method = models.CharField(_("method"), max_length=120)
    proof_reference = models.CharField(_("proof reference"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("preference change")
        verbose_name_plural = _("preference changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer_id", "-at"], name="preference_change_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.field}"
