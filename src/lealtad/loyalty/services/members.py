"""Enrolment and tier reviews.

A customer joins a program on their first order when the program enrols automatically, or
by hand. Tiers are reviewed on the points EARNED in the program's rolling window (earned,
less what returns took back; never the balance), upwards at once after every earning and
downwards by the daily job once the grace period has passed."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from lealtad.core.db import insert_new, new_row
from lealtad.loyalty.choices import QUALIFYING_KINDS
from lealtad.loyalty.models import LedgerEntry, Member, Program, Tier
from lealtad.loyalty_engine import tiers
from lealtad.loyalty_engine.months import add_months

# Base32 (A-Z, 2-7) with O and I read as 8 and 9: no 0/O or 1/I to confuse over the phone.
_READABLE = str.maketrans("OI", "89")


def referral_code() -> str:
    """Eight characters, 40 random bits (one draw: enrolling thousands on a batch of first
    orders spent more time choosing characters one by one than inserting the members)."""
    return base64.b32encode(secrets.token_bytes(5)).decode().translate(_READABLE)


def enrol(
    program: Program, customer_ids: Iterable[int], at: datetime | None = None
) -> dict[int, Member]:
    """Every customer's membership of ``program``, the missing ones made now (in the
    caller's transaction, or one of its own)."""
    now = at or timezone.now()
    wanted = sorted(set(customer_ids))
    with transaction.atomic():
        found = {
            m.customer_id: m for m in Member.objects.filter(program=program, customer_id__in=wanted)
        }
        entry = entry_tier(program)
        fresh = [
            new_row(
                Member,
                program_id=program.pk,
                customer_id=customer_id,
                tier_id=entry.pk if entry else None,
                tier_since=now if entry else None,
                enrolled_at=now,
                referral_code=referral_code(),
                referral_issued_at=now,
                balance=0,
            )
            for customer_id in wanted
            if customer_id not in found
        ]
        insert_new(fresh)
    found.update({m.customer_id: m for m in fresh})
    return found


def entry_tier(program: Program) -> Tier | None:
    return Tier.objects.filter(program=program, threshold=0).order_by("rank").first()


def earned_in_window(program: Program, member_ids: Sequence[int], now: datetime) -> dict[int, int]:
    """Points earned (less returns) in the program's window up to ``now``, per member."""
    since = add_months(now, -program.tier_window_months)
    rows = (
        LedgerEntry.objects.filter(
            member_id__in=list(member_ids), kind__in=QUALIFYING_KINDS, at__gt=since, at__lte=now
        )
        .values("member_id")
        .annotate(total=Sum("points"))
    )
    found = {row["member_id"]: row["total"] or 0 for row in rows}
    return {pk: found.get(pk, 0) for pk in member_ids}


def review(program: Program, members: Sequence[Member], now: datetime, *, down: bool) -> int:
    """Move members to the tier their window earns; ``down=False`` (after an earning) only
    raises. Returns how many changed."""
    levels = [tiers.Tier(t.pk, t.rank, t.threshold) for t in program.tiers.all()]
    top = max(
        (t.id for t in levels), key=lambda pk: {t.id: t.rank for t in levels}[pk], default=None
    )
    if not down:  # after an earning only a rise can follow: the top tier has none to make
        members = [m for m in members if m.tier_id != top or m.grace_until is not None]
    if len(levels) < 2 or not members:
        return 0
    earned = earned_in_window(program, [m.pk for m in members], now)
    grace_end = add_months(now, program.grace_months)
    rank = {t.id: t.rank for t in levels}
    changed = 0
    for member in members:
        before = tiers.Standing(member.tier_id, member.grace_until)
        after = tiers.review(levels, before, earned[member.pk], now, grace_end)
        going_down = (
            after.tier_id != before.tier_id
            and before.tier_id is not None
            and (after.tier_id is None or rank[after.tier_id] < rank.get(before.tier_id, 0))
        )
        if not down and (going_down or after.grace_until != before.grace_until):
            continue
        if after == before:
            continue
        fields: dict[str, Any] = {"grace_until": after.grace_until}
        if after.tier_id != before.tier_id:
            fields.update(tier_id=after.tier_id, tier_since=now)
        Member.objects.filter(pk=member.pk).update(**fields)
        for name, value in fields.items():
            setattr(member, name, value)
        changed += 1
    return changed
