"""Tier qualification on points EARNED over a rolling window, never the balance: spending
points must not cost a customer their tier (the Open Loyalty and ERPNext bug). A customer
who falls short keeps their tier through a grace period before the downgrade."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Tier:
    id: int
    rank: int  # 0 the entry tier, higher is better
    threshold: int  # points earned in the window to reach it


@dataclass(frozen=True)
class Standing:
    tier_id: int | None
    grace_until: datetime | None


def qualifying(tiers: Sequence[Tier], earned: int) -> Tier | None:
    """The best tier whose threshold the points earned in the window reach."""
    found = [t for t in tiers if t.threshold <= earned]
    return max(found, key=lambda t: t.rank) if found else None


def review(
    tiers: Sequence[Tier],
    current: Standing,
    earned: int,
    now: datetime,
    grace_end: datetime,
) -> Standing:
    """The member's standing after a review at ``now``. Up (or the same): at once, grace
    cleared. Down: a grace period is opened ending at ``grace_end`` (now + the program's
    grace months; ``now`` itself for none); once it has passed, the member moves down."""
    target = qualifying(tiers, earned)
    by_id = {t.id: t for t in tiers}
    held = by_id.get(current.tier_id) if current.tier_id is not None else None
    if held is None or (target is not None and target.rank >= held.rank):
        return Standing(target.id if target else None, None)
    if current.grace_until is None:
        if grace_end <= now:
            return Standing(target.id if target else None, None)
        return Standing(held.id, grace_end)
    if now < current.grace_until:
        return current
    return Standing(target.id if target else None, None)


def to_next(tiers: Sequence[Tier], current_rank: int | None, earned: int) -> int | None:
    """Points still to earn in the window for the next tier up (None at the top)."""
    above = sorted(
        (t for t in tiers if current_rank is None or t.rank > current_rank), key=lambda t: t.rank
    )
    for tier in above:
        if tier.threshold > earned:
            return tier.threshold - earned
    return None
