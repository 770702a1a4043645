"""Members and their points: the append-only ledger, redemptions and referrals.

The balance is the sum of the ledger. ``Member.balance`` caches it, written in the same
transaction as every entry; ``lealtad loyalty check`` proves the two agree."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lealtad.loyalty.choices import EntryKind, RedemptionStatus
from lealtad.loyalty.models.programs import Program, Tier

__all__ = ["LedgerEntry", "Member", "Redemption", "Referral"]


class Member(models.Model):
    """A customer enrolled in a program (customers are referred to by id: no foreign key
    across contexts)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="members")
    customer_id = models.BigIntegerField()
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL)
    tier_since = models.DateTimeField(null=True, blank=True)
    grace_until = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField()
    referral_code = models.CharField(max_length=16, unique=True)
    referral_issued_at = models.DateTimeField()
    balance = models.IntegerField(default=0)  # the ledger's sum, kept in its transaction

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["program", "customer_id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "customer_id"], name="loyalty_member_once")
        ]
        indexes = [models.Index(fields=["customer_id"], name="loyalty_member_customer")]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.customer_id}"


class LedgerEntry(models.Model):
    """One movement of points, never changed but for ``remaining`` (what is left of a lot:
    the movements that add points are spent and expired oldest first)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    points = models.IntegerField()
    source_kind = models.CharField(max_length=20, blank=True)  # order, return, redemption…
    source_id = models.CharField(max_length=80, blank=True)
    idempotency_key = models.CharField(max_length=160, unique=True)
    at = models.DateTimeField()
    remaining = models.IntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)  # lines earned, lots taken, reason
    actor = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["member", "at"], name="loyalty_entry_member_at"),
            models.Index(fields=["source_kind", "source_id"], name="loyalty_entry_source"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d}"


class Redemption(models.Model):
    """Points spent for their value on a channel, partly or wholly paying an order."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="redemptions")
    points = models.PositiveIntegerField()
    value = models.DecimalField(max_digits=12, decimal_places=2)
    channel = models.CharField(max_length=40)
    order_reference = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=10, choices=RedemptionStatus.choices, default=RedemptionStatus.DONE
    )
    idempotency_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.points} → {self.value}"


class Referral(models.Model):
    """A new customer who joined with a member's code; each is referred once per program."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="referrals")
    code = models.CharField(max_length=16)
    referrer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="referrals")
    referred_customer_id = models.BigIntegerField()
    rewarded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-rewarded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "referred_customer_id"], name="loyalty_referred_once"
            )
        ]

    def __str__(self) -> str:
        return self.code
