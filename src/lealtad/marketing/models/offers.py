"""Next-best-offer: the offers a channel may make to a customer, what became of each showing,
and the running tallies the arbitration reads so a request never counts events.

An offer's eligibility is data (segment, tiers, lifecycle stages, churn bands, minimum CLV,
channels, dates); the ranking lives in :mod:`lealtad.marketing_engine.arbitration`.
Customers are referred to by id (``customer_id``), as the other contexts do: marketing never
joins the customers tables, it asks the customers selectors.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CapPeriod",
    "Offer",
    "OfferChannel",
    "OfferDaily",
    "OfferEvent",
    "OfferExposure",
    "OfferKind",
    "OfferPurpose",
    "OfferSettings",
    "OfferStat",
    "Outcome",
]


class OfferKind(models.TextChoices):
    CROSS_SELL = "cross_sell", _("Cross-sell")
    UPSELL = "upsell", _("Up-sell")
    RETENTION = "retention", _("Retention")
    SERVICE = "service", _("Service")
    LOYALTY = "loyalty", _("Loyalty")


class OfferPurpose(models.TextChoices):
    """A customer who objected to marketing still gets ``service`` offers (a repair, a
    warranty, a plan that fixes what they complained of), never ``marketing`` ones."""

    MARKETING = "marketing", _("Marketing")
    SERVICE = "service", _("Service")


class OfferChannel(models.TextChoices):
    WEB = "web", _("Web")
    KIOSK = "kiosk", _("Kiosk")
    POS = "pos", _("Store / point of sale")
    HANDHELD = "handheld", _("Store handheld")
    CALL_CENTER = "call_center", _("Agent desktop")
    EMAIL = "email", _("Email")


class CapPeriod(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class Outcome(models.TextChoices):
    SHOWN = "shown", _("Shown")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IGNORED = "ignored", _("Ignored")


class Offer(models.Model):
    """Something a channel may propose to a customer: a product to add, a bigger plan, a
    reason to stay, a service to book. Lists left empty (tiers, stages, bands) mean "any"."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    pitch_es = models.CharField(_("pitch (Spanish)"), max_length=300, blank=True)
    pitch_en = models.CharField(_("pitch (English)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=OfferKind.choices)
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=OfferPurpose.choices, default=OfferPurpose.MARKETING
    )
    product_sku = models.CharField(_("product SKU"), max_length=64, blank=True)
    product_category = models.CharField(_("product category"), max_length=80, blank=True)
    target_plan = models.CharField(_("target plan"), max_length=64, blank=True)
    channels = models.JSONField(_("channels"), default=list)
    # A segment of this context (helper seg's Segment); kept as an id so an offer and a
    # segment can be created in either order and a segment's removal leaves offers readable.
    segment_id = models.BigIntegerField(_("segment"), null=True, blank=True)
    tiers = models.JSONField(_("value tiers"), default=list, blank=True)
    lifecycle_stages = models.JSONField(_("lifecycle stages"), default=list, blank=True)
    churn_bands = models.JSONField(_("churn bands"), default=list, blank=True)
    min_clv = models.DecimalField(
        _("minimum lifetime value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    priority = models.PositiveSmallIntegerField(_("business priority"), default=50)
    value = models.DecimalField(_("value (margin)"), max_digits=12, decimal_places=2, default=0)
    starts_on = models.DateField(_("valid from"), null=True, blank=True)
    ends_on = models.DateField(_("valid until"), null=True, blank=True)
    max_shown = models.PositiveIntegerField(_("times shown per customer"), null=True, blank=True)
    cap_period = models.CharField(
        _("per"), max_length=5, choices=CapPeriod.choices, default=CapPeriod.WEEK
    )
    max_accepted = models.PositiveIntegerField(_("acceptances in all"), null=True, blank=True)
    daily_budget = models.PositiveIntegerField(_("showings per day"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-priority", "code"]

    def __str__(self) -> str:
        return self.code


class OfferEvent(models.Model):
    """One showing of an offer and every answer to it, from any channel. The idempotency key
    (the caller's screen or request id) makes a refresh or a retried post count once."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="events")
    customer_id = models.BigIntegerField()
    channel = models.CharField(max_length=12, choices=OfferChannel.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=120, unique=True)
    by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("offer event")
        verbose_name_plural = _("offer events")
        indexes = [
            models.Index(fields=["customer_id", "at"], name="offer_event_customer_at"),
            models.Index(fields=["offer", "at"], name="offer_event_offer_at"),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} {self.customer_id} {self.outcome}"


class OfferStat(models.Model):
    """All-time tallies per offer and channel: the observed acceptance rate the ranking
    blends in, kept current by the service that records an event."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="stats")
    channel = models.CharField(max_length=12, choices=OfferChannel.choices)
    shown = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    ignored = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["offer", "channel"], name="offer_stat_once")]

    def __str__(self) -> str:
        return f"{self.offer_id}/{self.channel}"


class OfferDaily(models.Model):
    """Showings and acceptances per offer and day: the daily budget and the cap on
    acceptances read these instead of counting events."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    shown = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["offer", "day"], name="offer_daily_once")]

    def __str__(self) -> str:
        return f"{self.offer_id} {self.day}"


class OfferExposure(models.Model):
    """A customer who reached an offer surface in a month, and the group the monthly draw put
    them in (``holdout``: shown nothing). The uplift report compares the two groups."""

    class Group(models.TextChoices):
        OFFERED = "offered", _("Offered")
        HOLDOUT = "holdout", _("Held out")

    customer_id = models.BigIntegerField()
    month = models.CharField(max_length=7)  # 2026-11
    group = models.CharField(max_length=8, choices=Group.choices)
    first_at = models.DateTimeField()
    channel = models.CharField(max_length=12, choices=OfferChannel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer_id", "month"], name="offer_exposure_once")
        ]
        indexes = [models.Index(fields=["month", "group"], name="offer_exposure_month")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month} {self.group}"


class OfferSettings(models.Model):
    """The offer program's knobs (one row): the holdout share and the fatigue limits across
    every offer and channel."""

    holdout_share = models.FloatField(_("holdout share"), default=0.05)
    max_per_day = models.PositiveSmallIntegerField(_("offers shown per customer a day"), default=6)
    max_per_week = models.PositiveSmallIntegerField(
        _("offers shown per customer a week"), default=20
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"holdout {self.holdout_share:.0%}"
