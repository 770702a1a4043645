"""Mail in and out of the service desk: the mailboxes we read, every inbound mail's fate,
and every mail we sent.

An inbound mail is written to a spool file before it is acknowledged; its ``InboundMail`` row
is written in the transaction that applies it, unique per mailbox and Message-ID, so a mail
applied twice (a worker killed after commit, an IMAP message fetched again) is applied once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.service.choices import CaseCategory
from lealtad.service.models.cases import Case, CaseEntry
from lealtad.service.models.desk import SupportGroup


class Mailbox(models.Model):
    address = models.EmailField(_("address"), unique=True)
    group = models.ForeignKey(SupportGroup, null=True, blank=True, on_delete=models.SET_NULL)
    # The category a new case opened from this mailbox gets (a billing@ mailbox: billing).
    category = models.CharField(
        _("category of new cases"), max_length=30, choices=CaseCategory.choices, default="other"
    )
    allow_new_customers = models.BooleanField(_("unknown senders become customers"), default=False)
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_user = models.CharField(_("IMAP user"), max_length=200, blank=True)
    # Sealed with the settings' secret (services.mailbox.seal), never the plain password.
    imap_password = models.TextField(blank=True)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    poll_seconds = models.PositiveIntegerField(_("poll every (s)"), default=60)
    uid_validity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    max_attachment_bytes = models.PositiveBigIntegerField(
        _("largest attachment kept (bytes)"), default=20 * 1024 * 1024
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["address"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.address


class InboundDecision(models.TextChoices):
    NEW_CASE = "new_case", _("New case")
    JOINED = "joined", _("Joined a case")
    AUTO_REPLY = "auto_reply", _("Dropped: automatic reply")
    BOUNCE = "bounce", _("Dropped: bounce")
    LOOP = "loop", _("Dropped: mail loop")
    FAILED = "failed", _("Could not be applied")


class InboundMail(models.Model):
    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="inbound")
    message_id = models.CharField(max_length=250)
    sha256 = models.CharField(max_length=64)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField()
    applied_at = models.DateTimeField()
    decision = models.CharField(max_length=20, choices=InboundDecision.choices)
    reason = models.TextField(blank=True)
    via = models.CharField(max_length=10, default="smtp")  # smtp, lmtp, imap
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL)
    entry = models.ForeignKey(CaseEntry, null=True, blank=True, on_delete=models.SET_NULL)
    # Outlook's conversation (from Thread-Index), so a later mail of it finds the case.
    conversation = models.CharField(max_length=32, blank=True, db_index=True)
    # Set when the case has no customer: a person must decide who wrote.
    needs_triage = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "message_id"], name="svc_inbound_once"),
        ]
        indexes = [models.Index(fields=["sender", "received_at"], name="svc_inbound_sender")]

    def __str__(self) -> str:
        return f"{self.message_id} {self.decision}"


class OutboundMail(models.Model):
    """One mail we sent, keyed by what caused it, so a handler run twice sends once."""

    key = models.CharField(max_length=250, unique=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)  # acknowledgement, reply, resolved
    to = models.CharField(max_length=254)
    message_id = models.CharField(max_length=250)
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} {self.to}"
