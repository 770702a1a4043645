"""The loyalty context's fixed vocabularies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    EARN = "earn", _("earned")
    REDEEM = "redeem", _("redeemed")
    EXPIRE = "expire", _("expired")
    REVERSE = "reverse", _("reversed by a return")
    ADJUST = "adjust", _("adjustment")
    REFERRAL = "referral", _("referral reward")
    RESTORE = "restore", _("redemption cancelled")


class NegativeBalance(models.TextChoices):
    """What a return does to points already spent (docs/loyalty.md)."""

    OWE = "owe", _("the balance goes negative; later points pay it back first")
    FORFEIT = "forfeit", _("only the points still held are taken back")


class RedemptionStatus(models.TextChoices):
    DONE = "done", _("redeemed")
    CANCELLED = "cancelled", _("cancelled")


# Movements that add points make a lot (spent and expired oldest first).
LOT_KINDS = frozenset({EntryKind.EARN, EntryKind.ADJUST, EntryKind.REFERRAL, EntryKind.RESTORE})
# Movements that count towards a tier: points earned, less those a return took back.
QUALIFYING_KINDS = (EntryKind.EARN, EntryKind.REVERSE, EntryKind.REFERRAL)
