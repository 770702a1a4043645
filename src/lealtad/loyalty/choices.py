"""The loyalty context's fixed vocabularies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lealtad.core import vocabulary


class EntryKind(models.TextChoices):
    EARN = "earn", _("earned")
    REDEEM = "redeem", _("redeemed")
    EXPIRE = "expire", _("expired")
    REVERSE = "reverse", _("reversed by a return")
    ADJUST = "adjust", _("adjustment")
    REFERRAL = "referral", _("referral reward")
    RESTORE = "restore", _("given back (a redemption cancelled or its goods returned)")


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

# What a ledger entry stems from (``LedgerEntry.source_kind``), in words on the member's page.
vocabulary.register(
    "loyalty.source",
    {
        "order": pgettext_lazy("points from", "Order"),
        "return": pgettext_lazy("points from", "Return"),
        "redemption": pgettext_lazy("points from", "Redemption"),
        "referral": pgettext_lazy("points from", "Referral"),
        "expiry": pgettext_lazy("points from", "Expiry"),
        "merge": pgettext_lazy("points from", "Records merged"),
    },
)
