"""Segments: the audience read model rules filter on, the segments themselves, who is in
each one and the history of who entered and left.

``AudienceProfile`` is marketing's own flat copy of what the other contexts know of a customer
(profile, identifiers, consent, behaviour, the analytics standing), one row per live customer
with indexed columns, so a rule compiles to one ``WHERE`` over one table instead of joins into
five contexts. It is rebuilt in chunks through their selectors and kept current from hub events.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "AudienceProfile",
    "Segment",
    "SegmentChange",
    "SegmentMember",
]


class AudienceProfile(models.Model):
    """What segment rules read about one customer. Booleans default to false and counts to
    zero so a rule never has to think about missing rows; dates stay null when unknown."""

    customer_id = models.BigIntegerField(primary_key=True)
    # profile
    kind = models.CharField(max_length=12, blank=True, db_index=True)
    gender = models.CharField(max_length=8, blank=True)
    birth_date = models.DateField(null=True, db_index=True)
    region = models.CharField(max_length=100, blank=True, db_index=True)
    city = models.CharField(max_length=100, blank=True, db_index=True)
    language = models.CharField(max_length=8, blank=True)
    income_band = models.CharField(max_length=14, blank=True)
    marital_status = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(null=True)
    first_contact_at = models.DateTimeField(null=True)
    first_contact_channel = models.CharField(max_length=20, blank=True)
    preferred_channel = models.CharField(max_length=20, blank=True)
    # identifiers
    has_email = models.BooleanField(default=False)
    has_mobile = models.BooleanField(default=False)
    has_national_id = models.BooleanField(default=False)
    # marketing consent granted, per channel
    consent_email = models.BooleanField(default=False)
    consent_sms = models.BooleanField(default=False)
    consent_phone = models.BooleanField(default=False)
    consent_whatsapp = models.BooleanField(default=False)
    consent_mail = models.BooleanField(default=False)
    # behaviour
    orders_count = models.PositiveIntegerField(default=0, db_index=True)
    total_spent = models.DecimalField(max_digits=14, decimal_places=2, default=0, db_index=True)
    first_order_on = models.DateField(null=True)
    last_order_on = models.DateField(null=True, db_index=True)
    returns_count = models.PositiveIntegerField(default=0)
    # channels bought on, as ",pos,web," so "bought on X" is one indexed-free LIKE
    channels_bought = models.CharField(max_length=200, blank=True)
    contacts_count = models.PositiveIntegerField(default=0)
    last_contact_at = models.DateTimeField(null=True)
    open_cases = models.PositiveIntegerField(default=0)
    # analytics standing
    value_tier = models.CharField(max_length=12, blank=True, db_index=True)
    rfm_code = models.CharField(max_length=8, blank=True)
    rfm_recency = models.PositiveSmallIntegerField(default=0)
    rfm_frequency = models.PositiveSmallIntegerField(default=0)
    rfm_monetary = models.PositiveSmallIntegerField(default=0)
    clv = models.DecimalField(max_digits=14, decimal_places=2, default=0, db_index=True)
    churn_risk = models.FloatField(null=True)
    churn_band = models.CharField(max_length=8, blank=True, db_index=True)
    lifecycle_stage = models.CharField(max_length=16, blank=True, db_index=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("audience profile")
        verbose_name_plural = _("audience profiles")

    def __str__(self) -> str:
        return f"audience {self.customer_id}"


class SegmentKind(models.TextChoices):
    DYNAMIC = "dynamic", _("Dynamic (kept current)")
    STATIC = "static", _("Static list")


class Segment(models.Model):
    """A named group of customers. A dynamic segment is its rule, re-evaluated as events
    arrive; a static one is a frozen list (from a query, an import or a pick) whose rule, if
    any, only records where the list came from."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=8, choices=SegmentKind.choices, default=SegmentKind.DYNAMIC
    )
    rule = models.JSONField(_("rule"), default=dict, blank=True)
    member_count = models.PositiveIntegerField(_("members"), default=0)
    built_at = models.DateTimeField(_("last built"), null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SegmentMember(models.Model):
    """A customer in a segment, since when."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members")
    customer_id = models.BigIntegerField()
    since = models.DateTimeField()

    class Meta:
        verbose_name = _("segment member")
        verbose_name_plural = _("segment members")
        constraints = [
            models.UniqueConstraint(fields=["segment", "customer_id"], name="segment_member_once")
        ]
        indexes = [models.Index(fields=["customer_id"], name="segment_member_customer")]

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.customer_id}"


class SegmentChange(models.Model):
    """A customer entering or leaving a segment and why (the rebuild, an import, a pick or the
    event that qualified them): the segment's history and the customer's timeline line."""

    class Change(models.TextChoices):
        ENTERED = "entered", _("Entered")
        LEFT = "left", _("Left")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="changes")
    customer_id = models.BigIntegerField()
    change = models.CharField(max_length=8, choices=Change.choices)
    at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)
    event_id = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("segment change")
        verbose_name_plural = _("segment changes")
        indexes = [
            models.Index(fields=["segment", "-at"], name="segment_change_at"),
            models.Index(fields=["customer_id", "-at"], name="segment_change_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.customer_id} {self.change}"
