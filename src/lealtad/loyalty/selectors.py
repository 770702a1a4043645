"""Loyalty's reads: a member's standing, ledger and statement, the customer box panel, and
the proof that every cached balance equals its ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from lealtad.loyalty.models import LedgerEntry, Member, Program, Redemption
from lealtad.loyalty.services.members import earned_in_window
from lealtad.loyalty_engine import tiers

EXPIRING_SOON_DAYS = 30
_CENT = Decimal("0.01")


def programs() -> list[Program]:
    return list(Program.objects.prefetch_related("tiers", "rules", "bonuses").order_by("name"))


def member(member_id: int) -> Member | None:
    return Member.objects.select_related("program", "tier").filter(pk=member_id).first()


def member_for_customer(customer_id: int, program_id: int | None = None) -> Member | None:
    rows = Member.objects.select_related("program", "tier").filter(customer_id=customer_id)
    if program_id is not None:
        rows = rows.filter(program_id=program_id)
    return rows.order_by("program_id").first()


def members(query: str = "", limit: int = 50) -> list[Member]:
    rows = Member.objects.select_related("program", "tier").order_by("-balance", "id")
    if query.strip():
        text = query.strip()
        match = Q(referral_code=text.upper())
        if text.isdigit():
            match |= Q(customer_id=int(text))
        rows = rows.filter(match)
    return list(rows[:limit])


def standing(found: Member, now: datetime | None = None) -> dict[str, Any]:
    """Tier, balance, points to the next tier and what expires soon (the customer box)."""
    at = now or timezone.now()
    program = found.program
    levels = [tiers.Tier(t.pk, t.rank, t.threshold) for t in program.tiers.all()]
    earned = earned_in_window(program, [found.pk], at)[found.pk]
    soon = at + timedelta(days=EXPIRING_SOON_DAYS)
    expiring = (
        LedgerEntry.objects.filter(
            member=found, remaining__gt=0, expires_at__gt=at, expires_at__lte=soon
        ).aggregate(total=Sum("remaining"))["total"]
        or 0
    )
    return {
        "member_id": found.pk,
        "customer_id": found.customer_id,
        "program": program.code,
        "program_name": program.name,
        "tier": found.tier.name if found.tier else None,
        "tier_since": found.tier_since,
        "grace_until": found.grace_until,
        "balance": found.balance,
        "value": str((max(found.balance, 0) * program.point_value).quantize(_CENT)),
        "currency": program.currency,
        "earned_in_window": earned,
        "to_next_tier": tiers.to_next(levels, found.tier.rank if found.tier else None, earned),
        "expiring_soon": expiring,
        "expiring_by": soon,
        "referral_code": found.referral_code,
    }


def ledger(found: Member, limit: int = 200) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(member=found).order_by("-at", "-id")[:limit])


def entry_row(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "at": entry.at,
        "kind": entry.kind,
        "points": entry.points,
        "source_kind": entry.source_kind,
        "source_id": entry.source_id,
        "remaining": entry.remaining,
        "expires_at": entry.expires_at,
        "reason": entry.detail.get("reason", ""),
    }


@dataclass(frozen=True)
class Statement:
    member: Member
    start: datetime
    end: datetime
    opening: int
    movements: list[LedgerEntry]
    closing: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "member_id": self.member.pk,
            "customer_id": self.member.customer_id,
            "program": self.member.program.code,
            "start": self.start,
            "end": self.end,
            "opening_balance": self.opening,
            "movements": [entry_row(e) for e in self.movements],
            "closing_balance": self.closing,
        }


def statement(found: Member, start: datetime, end: datetime) -> Statement:
    """Movements in [start, end) with the balance before and after."""
    rows = LedgerEntry.objects.filter(member=found)
    opening = rows.filter(at__lt=start).aggregate(total=Sum("points"))["total"] or 0
    movements = list(rows.filter(at__gte=start, at__lt=end).order_by("at", "id"))
    return Statement(
        found, start, end, opening, movements, opening + sum(e.points for e in movements)
    )


def redemptions(found: Member, limit: int = 50) -> list[Redemption]:
    return list(Redemption.objects.filter(member=found)[:limit])


def redemption_row(r: Redemption) -> dict[str, Any]:
    return {
        "id": r.pk,
        "member_id": r.member_id,
        "points": r.points,
        "value": str(r.value),
        "channel": r.channel,
        "order_reference": r.order_reference,
        "status": r.status,
        "created_at": r.created_at,
        "cancelled_at": r.cancelled_at,
    }


def mismatches(limit: int = 100) -> list[tuple[int, int, int]]:
    """Members whose cached balance is not their ledger's sum: (member, cached, ledger)."""
    sums = dict(
        LedgerEntry.objects.values("member_id")
        .annotate(total=Sum("points"))
        .values_list("member_id", "total")
    )
    wrong = []
    for pk, cached in Member.objects.values_list("pk", "balance").iterator():
        if sums.get(pk, 0) != cached:
            wrong.append((pk, cached, sums.get(pk, 0)))
            if len(wrong) >= limit:
                break
    return wrong


def lots_mismatches(limit: int = 100) -> list[int]:
    """Members whose lots do not hold their balance (held less owed = balance)."""
    held = dict(
        LedgerEntry.objects.filter(remaining__gt=0)
        .values("member_id")
        .annotate(total=Sum("remaining"))
        .values_list("member_id", "total")
    )
    wrong = []
    for pk, balance in Member.objects.values_list("pk", "balance").iterator():
        lots_sum = held.get(pk, 0)
        if (balance >= 0 and lots_sum != balance) or (balance < 0 and lots_sum != 0):
            wrong.append(pk)
            if len(wrong) >= limit:
                break
    return wrong


def redemption(redemption_id: int) -> Redemption | None:
    return Redemption.objects.select_related("member").filter(pk=redemption_id).first()
