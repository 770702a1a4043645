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

from django.db import connection, transaction
from django.utils import timezone

from lealtad.core.db import insert_new, new_row, rows_of
from lealtad.loyalty.choices import QUALIFYING_KINDS
from lealtad.loyalty.models import LedgerEntry, Member, Program, Tier
from lealtad.loyalty.services.common import PER_LOOKUP
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


def earned_in_window(
    program: Program, member_ids: Sequence[int], now: datetime, at_least: int = 0
) -> dict[int, int]:
    """Points earned (less returns) in the program's window up to ``now``, per member; with
    ``at_least`` above zero, only the members whose total reaches it (the database leaves
    the others out). By the statement alone: every earning group asks, and the ORM compiled
    the query afresh each time for more than the database took to answer it."""
    ops = connection.ops
    since = ops.adapt_datetimefield_value(add_months(now, -program.tier_window_months))
    until = ops.adapt_datetimefield_value(now)
    kinds = [str(kind) for kind in QUALIFYING_KINDS]
    having = " HAVING SUM(points) >= %s" if at_least > 0 else ""
    table, at = ops.quote_name(LedgerEntry._meta.db_table), ops.quote_name("at")
    found: dict[int, int] = {}
    wanted = list(member_ids)
    for start in range(0, len(wanted), PER_LOOKUP):
        part = wanted[start : start + PER_LOOKUP]
        sql = (
            f"SELECT member_id, SUM(points) FROM {table} "
            f"WHERE member_id IN ({', '.join(['%s'] * len(part))}) "
            f"AND kind IN ({', '.join(['%s'] * len(kinds))}) AND {at} > %s AND {at} <= %s "
            f"GROUP BY member_id{having}"
        )
        params = [*part, *kinds, since, until, *([at_least] if at_least > 0 else [])]
        found.update((pk, int(total)) for pk, total in rows_of(sql, params))
    if at_least > 0:
        return found
    return {pk: found.get(pk) or 0 for pk in member_ids}


def review(program: Program, members: Sequence[Member], now: datetime, *, down: bool) -> int:
    """Move members to the tier their window earns; ``down=False`` (after an earning) only
    raises, and only members whose window total reaches the next tier's threshold are
    looked at. Returns how many changed."""
    levels = [tiers.Tier(t.pk, t.rank, t.threshold) for t in program.tiers.all()]
    if len(levels) < 2 or not members:
        return 0
    at_least = 0
    if not down:
        members, at_least = _may_rise(levels, members)
        if not members:
            return 0
    earned = earned_in_window(program, [m.pk for m in members], now, at_least)
    grace_end = add_months(now, program.grace_months)
    changed = 0
    for member in members:
        if member.pk in earned:
            changed += _review_one(levels, member, earned[member.pk], now, grace_end, down)
    return changed


def _may_rise(levels: Sequence[tiers.Tier], members: Sequence[Member]) -> tuple[list[Member], int]:
    """The members an earning may raise, and the least window total any of them needs.

    Only a rise follows an earning, and never for a member in a grace period (clearing it
    is the daily review's), nor at the top; a member rises only on reaching the threshold of
    a tier above their own, so totals below the lowest such threshold need no look."""
    rank = {t.id: t.rank for t in levels}
    needs: list[tuple[Member, int]] = []
    for member in members:
        if member.grace_until is not None:
            continue
        held = rank.get(member.tier_id) if member.tier_id is not None else None
        above = [t.threshold for t in levels if held is None or t.rank > held]
        if above:
            needs.append((member, min(above)))
    return [m for m, _ in needs], min((n for _, n in needs), default=0)


def _review_one(
    levels: Sequence[tiers.Tier],
    member: Member,
    earned: int,
    now: datetime,
    grace_end: datetime,
    down: bool,
) -> int:
    rank = {t.id: t.rank for t in levels}
    before = tiers.Standing(member.tier_id, member.grace_until)
    after = tiers.review(levels, before, earned, now, grace_end)
    going_down = (
        after.tier_id != before.tier_id
        and before.tier_id is not None
        and (after.tier_id is None or rank[after.tier_id] < rank.get(before.tier_id, 0))
    )
    if not down and (going_down or after.grace_until != before.grace_until):
        return 0
    if after == before:
        return 0
    fields: dict[str, Any] = {"grace_until": after.grace_until}
    if after.tier_id != before.tier_id:
        fields.update(tier_id=after.tier_id, tier_since=now)
    Member.objects.filter(pk=member.pk).update(**fields)
    for name, value in fields.items():
        setattr(member, name, value)
    return 1
