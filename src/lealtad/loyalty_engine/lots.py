"""Points kept in lots, one per movement that adds points (an earn, a referral reward, a
positive adjustment, a cancelled redemption given back), each with what is left of it and when
it expires. Spending and expiry both take the oldest lot first, so a customer never loses
points earned last month while older ones are still there.

A balance may owe points (a return reversed points already spent: docs/loyalty.md, the
negative-balance policy). What is owed is paid back first from the next points added, before
any of them become a lot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Lot:
    id: int
    at: datetime
    expires_at: datetime | None
    remaining: int


Taken = list[tuple[int, int]]  # (lot id, points taken from it)


def oldest_first(lots: Sequence[Lot]) -> list[Lot]:
    return sorted(lots, key=lambda lot: (lot.at, lot.id))


def spend(lots: Sequence[Lot], points: int) -> Taken:
    """Take ``points`` from the oldest lots; refuses (ValueError) more than they hold."""
    if points < 0:
        raise ValueError("points to spend must not be negative")
    left = points
    taken: Taken = []
    for lot in oldest_first(lots):
        if left == 0:
            break
        part = min(lot.remaining, left)
        if part > 0:
            taken.append((lot.id, part))
            left -= part
    if left:
        raise ValueError(f"{points} points asked, {points - left} held")
    return taken


def take_back(lots: Sequence[Lot], points: int, own: int | None = None) -> tuple[Taken, int]:
    """A reversal: from the order's own lot first, then the oldest; what no lot holds any
    more is owed (the second value), to be paid from the next points added."""
    ordered = oldest_first(lots)
    if own is not None:
        ordered = [lot for lot in ordered if lot.id == own] + [
            lot for lot in ordered if lot.id != own
        ]
    left = points
    taken: Taken = []
    for lot in ordered:
        part = min(lot.remaining, left)
        if part > 0:
            taken.append((lot.id, part))
            left -= part
    return taken, left


def expire(lots: Sequence[Lot], now: datetime) -> Taken:
    """What is left of every lot past its date, oldest first; a newer lot is never touched
    while an older one has points."""
    return [
        (lot.id, lot.remaining)
        for lot in oldest_first(lots)
        if lot.remaining > 0 and lot.expires_at is not None and lot.expires_at <= now
    ]


def lot_size(points: int, owed: int) -> tuple[int, int]:
    """Points added while ``owed`` points are owed: (the new lot's size, what is still owed)."""
    paid = min(points, owed)
    return points - paid, owed - paid


def expiring(lots: Sequence[Lot], now: datetime, until: datetime) -> int:
    """Points that will expire between ``now`` and ``until`` (for the customer box)."""
    return sum(
        lot.remaining
        for lot in lots
        if lot.expires_at is not None and now < lot.expires_at <= until
    )
