"""Campaigns and their sending: what a campaign says to whom and through which channel, every
message it planned (sent, held out as control, or skipped with the reason), the addresses
nobody may write to again, and the contact policy that keeps customers from being flooded.

Customers are referred to by id (``customer_id``): marketing never joins the customers tables,
it asks the customers selectors right before each chunk is handed over.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Campaign",
    "ContactPolicy",
    "Message",
    "MessageTemplate",
    "Sender",
    "Suppression",
]


class CampaignChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    CALL_LIST = "call_list", _("Call list")
    DIRECT_MAIL = "direct_mail", _("Direct mail")
    WEB = "web", _("Web offer slot")
    KIOSK = "kiosk", _("Kiosk offer slot")
    POS = "pos", _("Point-of-sale offer slot")
    HANDHELD = "handheld", _("Handheld offer slot")
    AGENT = "agent", _("Agent desktop offer slot")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class MessageStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD_OUT = "held_out", _("Held out (control)")
    SUPPRESSED = "suppressed", _("Suppressed")
    SKIPPED = "skipped", _("Skipped")
    DEFERRED = "deferred", _("Deferred (quiet hours)")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    DELIVERED = "delivered", _("Delivered")


class SkipReason(models.TextChoices):
    NO_CONSENT = "no_consent", _("No consent for the channel and purpose")
    REFUSED_TOPIC = "refused_topic", _("The customer refused the topic")
    FREQUENCY = "frequency", _("The customer asked for fewer messages")
    FATIGUE = "fatigue", _("Fatigue cap reached")
    SUPPRESSED = "suppressed", _("Address or customer suppressed")
    NO_ADDRESS = "no_address", _("No address for the channel")
    GONE = "gone", _("Customer merged or erased")
    ENDED = "ended", _("The campaign ended first")


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCE = "bounce", _("Bounce")
    COMPLAINT = "complaint", _("Complaint")
    MANUAL = "manual", _("Manual")
    IMPORT = "import", _("Import")


class Campaign(models.Model):
    """A planned conversation with a segment: an objective, the channels it speaks through,
    the consent purpose it needs, a random control group held out to measure lift, and what
    it costs. The segment's members are snapshotted into messages when the campaign is
    planned; later changes of the segment do not change who this run writes to."""

    name = models.CharField(_("name"), max_length=120)
    objective = models.CharField(_("objective"), max_length=300, blank=True)
    segment = models.ForeignKey(
        "marketing.Segment",
        verbose_name=_("segment"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    offer = models.ForeignKey(
        "marketing.Offer",
        verbose_name=_("offer"),
        on_delete=models.PROTECT,
        related_name="campaigns",
        null=True,
        blank=True,
    )
    channels = models.JSONField(_("channels"), default=list)
    purpose = models.CharField(_("consent purpose"), max_length=12, default="marketing")
    topic = models.CharField(_("topic"), max_length=40, blank=True)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    control_share = models.FloatField(_("control share"), default=0.1)
    fixed_cost = models.DecimalField(
        _("fixed cost"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    # {"email": "0.001", "sms": "0.05"}: the cost of one message handed over on each channel.
    unit_costs = models.JSONField(_("cost per message and channel"), default=dict, blank=True)
    conversion_days = models.PositiveSmallIntegerField(_("conversion window (days)"), default=14)
    planned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class MessageTemplate(models.Model):
    """What a campaign says on one channel in one language; ``{{ first_name }}`` and the
    other placeholders are filled from a restricted set of plain values at send time."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="templates")
    channel = models.CharField(_("channel"), max_length=12, choices=CampaignChannel.choices)
    language = models.CharField(_("language"), max_length=2)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text_body = models.TextField(_("text"), blank=True)
    html_body = models.TextField(_("HTML"), blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "channel", "language"], name="campaign_template_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.channel}/{self.language}"


class Message(models.Model):
    """One customer on one channel of one campaign: planned once (the unique key makes a
    re-plan a no-op), then held out, skipped with its reason, or handed over and sent."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="messages")
    customer_id = models.BigIntegerField()
    channel = models.CharField(max_length=12, choices=CampaignChannel.choices)
    address = models.CharField(max_length=254, blank=True)
    language = models.CharField(max_length=2, blank=True)
    is_control = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PLANNED
    )
    reason = models.CharField(max_length=14, choices=SkipReason.choices, blank=True)
    # Quiet hours: the earliest moment the customer's clock allows this message.
    not_before = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=120, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # The sender ("host:pid") that claimed it: while it is ``sending``, whose hand-off journal
    # tells what became of it should that sender die.
    worker = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("campaign message")
        verbose_name_plural = _("campaign messages")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer_id", "channel"], name="campaign_message_once"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "id"], name="campaign_message_queue"),
            models.Index(fields=["customer_id", "sent_at"], name="campaign_message_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.customer_id}/{self.channel} {self.status}"


class Sender(models.Model):
    """A worker process sending a campaign ("host:pid") and when it last said so: the lease
    on the chunks it claimed. Several may send one campaign at once, each claiming its own
    chunks; one whose process is gone, or silent past the lease, is settled by another."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="senders")
    worker = models.CharField(max_length=120)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("campaign sender")
        verbose_name_plural = _("campaign senders")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "worker"], name="campaign_sender_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.worker}"


class Suppression(models.Model):
    """An address (or a whole customer) that no campaign may write to on a channel: an
    unsubscribe, a hard bounce, a complaint, a manual entry or an imported list."""

    channel = models.CharField(_("channel"), max_length=12)
    address = models.CharField(_("address"), max_length=254, blank=True)
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=12, choices=SuppressionReason.choices)
    source = models.CharField(_("source"), max_length=120, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address"],
                condition=~models.Q(address=""),
                name="suppression_address_once",
            ),
            models.UniqueConstraint(
                fields=["channel", "customer_id"],
                condition=models.Q(address=""),
                name="suppression_customer_once",
            ),
        ]
        indexes = [models.Index(fields=["customer_id"], name="suppression_customer")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address or self.customer_id} {self.reason}"


class ContactPolicy(models.Model):
    """The one contact policy (a single row): the fatigue cap across every channel and
    campaign, and the quiet hours in the customer's own time zone."""

    max_messages = models.PositiveSmallIntegerField(_("messages at most"), default=3)
    per_days = models.PositiveSmallIntegerField(_("per days"), default=7)
    quiet_from = models.TimeField(_("quiet from"), default=time(21, 0))
    quiet_until = models.TimeField(_("quiet until"), default=time(8, 0))
    default_zone = models.CharField(
        _("default time zone"), max_length=40, default="America/Guayaquil"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("contact policy")
        verbose_name_plural = _("contact policy")

    def __str__(self) -> str:
        return f"{self.max_messages}/{self.per_days}d"
