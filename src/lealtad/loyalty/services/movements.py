"""Redemptions, their cancellation and manual adjustments: movements a person asks for.

Each takes a batch, checks every row first (a refusal names the row and field and nothing is
written), then spends the oldest lots. A repeated idempotency key answers the redemption it
made the first time. A redemption is refused beyond the balance (409): a till asking for more
points than the customer holds gets a clear answer and nothing is spent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core import audit
from lealtad.core.audit import Actor
from lealtad.core.db import insert_new, new_row
from lealtad.loyalty.choices import EntryKind, RedemptionStatus
from lealtad.loyalty.models import LedgerEntry, Member, Redemption
from lealtad.loyalty.services.common import (
    LoyaltyConflict,
    LoyaltyNotFound,
    LoyaltyRefused,
    add_to_balances,
    expiry,
    locked_member,
    lots_of,
    owed,
    take,
    where,
)
from lealtad.loyalty_engine import lots

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Redeem:
    """Points (or an amount of money, turned into whole points) to spend on a channel."""

    member_id: int
    channel: str
    idempotency_key: str
    points: int | None = None
    amount: Decimal | None = None
    order_reference: str = ""


@dataclass(frozen=True)
class Adjust:
    member_id: int
    points: int
    reason: str
    idempotency_key: str


def _points_for(row: Redeem, member: Member, at: str) -> int:
    value = member.program.point_value
    if (row.points is None) == (row.amount is None):
        raise LoyaltyRefused(_("Give points or an amount, not both."), field=f"{at}points")
    if row.points is not None:
        points = row.points
    else:
        assert row.amount is not None
        if row.amount <= 0:
            raise LoyaltyRefused(_("The amount must be above zero."), field=f"{at}amount")
        points = int((row.amount / value).to_integral_value(rounding=ROUND_FLOOR))
    if points <= 0:
        raise LoyaltyRefused(_("Redeem at least one point."), field=f"{at}points")
    return points


def redeem(rows: Sequence[Redeem], actor: Actor, at: datetime | None = None) -> list[Redemption]:
    """Spend points, oldest lots first; all rows or none."""
    now = at or timezone.now()
    made: list[Redemption] = []
    with transaction.atomic():
        for index, row in enumerate(rows):
            prefix = where(index, len(rows), "")
            known = Redemption.objects.filter(idempotency_key=row.idempotency_key).first()
            if known is not None:
                made.append(known)
                continue
            if not row.idempotency_key or not row.channel:
                raise LoyaltyRefused(
                    _("A redemption needs a channel and an idempotency key."),
                    field=f"{prefix}idempotency_key",
                )
            member = locked_member(row.member_id)
            points = _points_for(row, member, prefix)
            made.append(_spend(member, row, points, actor, now, prefix))
    return made


def _spend(
    member: Member, row: Redeem, points: int, actor: Actor, now: datetime, prefix: str
) -> Redemption:
    if points > member.balance:
        raise LoyaltyConflict(
            _("%(asked)s points asked but the balance is %(balance)s."),
            field=f"{prefix}points",
            code="insufficient_points",
            asked=points,
            balance=member.balance,
        )
    taken = lots.spend(lots_of([member.pk]).get(member.pk, []), points)
    value = (points * member.program.point_value).quantize(CENT, rounding=ROUND_FLOOR)
    redemption = new_row(
        Redemption,
        member_id=member.pk,
        points=points,
        value=value,
        channel=row.channel,
        order_reference=row.order_reference,
        status=RedemptionStatus.DONE,
        idempotency_key=row.idempotency_key,
        created_at=now,
    )
    insert_new([redemption])
    take(taken)
    _entry(
        member,
        EntryKind.REDEEM,
        -points,
        "redemption",
        redemption.pk,
        now,
        actor,
        {"lots": taken, "channel": row.channel, "order": row.order_reference},
    )
    return redemption


def _entry(
    member: Member,
    kind: str,
    points: int,
    source_kind: str,
    source_id: object,
    now: datetime,
    actor: Actor,
    detail: dict,
    *,
    key: str = "",
    remaining: int = 0,
    expires_at: datetime | None = None,
) -> LedgerEntry:
    entry = new_row(
        LedgerEntry,
        member_id=member.pk,
        kind=kind,
        points=points,
        source_kind=source_kind,
        source_id=str(source_id),
        idempotency_key=key or f"{kind}:{source_kind}:{source_id}",
        at=now,
        remaining=remaining,
        expires_at=expires_at,
        detail=detail,
        actor=actor.label[:150],
    )
    insert_new([entry])
    add_to_balances({member.pk: points})
    member.balance += points
    return entry


def cancel(redemption_id: int, actor: Actor, at: datetime | None = None) -> Redemption:
    """Give the points back as a new lot expiring when the latest lot it came from would
    have (a cancellation never lengthens points' life); a second cancel is refused."""
    now = at or timezone.now()
    with transaction.atomic():
        found = Redemption.objects.select_for_update().filter(pk=redemption_id).first()
        if found is None:
            raise LoyaltyNotFound(_("There is no such redemption."), field="redemption")
        if found.status == RedemptionStatus.CANCELLED:
            raise LoyaltyConflict(_("This redemption was cancelled already."), field="redemption")
        member = locked_member(found.member_id)
        left = found.points - restored(found.pk)
        if left > 0:
            size, _still = lots.lot_size(left, owed(member))
            _entry(
                member,
                EntryKind.RESTORE,
                left,
                "redemption",
                found.pk,
                now,
                actor,
                {"channel": found.channel},
                remaining=size,
                expires_at=_lots_end(found),
            )
        Redemption.objects.filter(pk=found.pk).update(
            status=RedemptionStatus.CANCELLED, cancelled_at=now
        )
        found.status, found.cancelled_at = RedemptionStatus.CANCELLED, now
    return found


def restored(redemption_id: int) -> int:
    """Points of a redemption already given back (by returns of the order it paid)."""
    found = LedgerEntry.objects.filter(
        kind=EntryKind.RESTORE, source_kind="redemption", source_id=str(redemption_id)
    ).aggregate(total=Sum("points"))["total"]
    return int(found or 0)


def _lots_end(found: Redemption) -> datetime | None:
    """When the latest lot a redemption spent would have expired: points given back never
    live longer than they would have."""
    spent = LedgerEntry.objects.get(idempotency_key=f"redeem:redemption:{found.pk}")
    lot_ids = [lot_id for lot_id, _p in spent.detail.get("lots", [])]
    dates = LedgerEntry.objects.filter(pk__in=lot_ids).values_list("expires_at", flat=True)
    return max((d for d in dates if d is not None), default=None)


@dataclass(frozen=True)
class Restore:
    """Part of a redemption given back (a return of goods the points paid for), once per key."""

    redemption_id: int
    points: int
    idempotency_key: str


def restore(rows: Sequence[Restore], actor: Actor, at: datetime | None = None) -> list[int]:
    """Give back part of each redemption as a new lot (expiring as :func:`cancel`'s would);
    a key given before answers the points it gave; more than is left to give back, or a
    cancelled redemption, is refused and nothing is written. Returns the points given."""
    now = at or timezone.now()
    given: list[int] = []
    with transaction.atomic():
        for index, row in enumerate(rows):
            key = f"restore:{row.idempotency_key}"
            known = LedgerEntry.objects.filter(idempotency_key=key).first()
            if known is not None:
                given.append(known.points)
                continue
            given.append(_restore_one(row, key, actor, now, where(index, len(rows), "points")))
    return given


def _restore_one(row: Restore, key: str, actor: Actor, now: datetime, field: str) -> int:
    found = Redemption.objects.select_for_update().filter(pk=row.redemption_id).first()
    if found is None:
        raise LoyaltyNotFound(_("There is no such redemption."), field="redemption")
    left = found.points - restored(found.pk)
    if found.status == RedemptionStatus.CANCELLED or row.points > left or row.points < 1:
        raise LoyaltyConflict(
            _("%(asked)s points to give back but %(left)s are left of this redemption."),
            field=field,
            asked=row.points,
            left=0 if found.status == RedemptionStatus.CANCELLED else left,
        )
    member = locked_member(found.member_id)
    size, _still = lots.lot_size(row.points, owed(member))
    _entry(
        member,
        EntryKind.RESTORE,
        row.points,
        "redemption",
        found.pk,
        now,
        actor,
        {"channel": found.channel, "given_back_for": row.idempotency_key},
        key=key,
        remaining=size,
        expires_at=_lots_end(found),
    )
    return row.points


def adjust(rows: Sequence[Adjust], actor: Actor, at: datetime | None = None) -> list[LedgerEntry]:
    """Points added or taken by hand, with a reason, audited. Taking more than the balance
    is refused: an adjustment never makes a balance negative."""
    now = at or timezone.now()
    for index, row in enumerate(rows):
        if not row.reason.strip():
            raise LoyaltyRefused(_("Say why."), field=where(index, len(rows), "reason"))
        if row.points == 0:
            raise LoyaltyRefused(
                _("Adjust by at least one point."), field=where(index, len(rows), "points")
            )
        if not row.idempotency_key:
            raise LoyaltyRefused(
                _("An idempotency key is needed."), field=where(index, len(rows), "idempotency_key")
            )
    made = []
    with transaction.atomic():
        for index, row in enumerate(rows):
            known = LedgerEntry.objects.filter(
                idempotency_key=f"adjust:{row.idempotency_key}"
            ).first()
            if known is not None:
                made.append(known)
                continue
            made.append(_adjust_one(row, actor, now, where(index, len(rows), "points")))
    return made


def _adjust_one(row: Adjust, actor: Actor, now: datetime, field: str) -> LedgerEntry:
    member = locked_member(row.member_id)
    detail: dict = {"reason": row.reason.strip()}
    remaining, taken = 0, []
    if row.points < 0:
        if -row.points > member.balance:
            raise LoyaltyConflict(
                _("%(asked)s points to take but the balance is %(balance)s."),
                field=field,
                code="insufficient_points",
                asked=-row.points,
                balance=member.balance,
            )
        taken = lots.spend(lots_of([member.pk]).get(member.pk, []), -row.points)
        take(taken)
        detail["lots"] = taken
    else:
        remaining, _still = lots.lot_size(row.points, owed(member))
    entry = _entry(
        member,
        EntryKind.ADJUST,
        row.points,
        "adjustment",
        row.idempotency_key,
        now,
        actor,
        detail,
        key=f"adjust:{row.idempotency_key}",
        remaining=remaining,
        expires_at=expiry(member.program, now) if row.points > 0 else None,
    )
    audit.record(
        actor,
        "adjust_points",
        "loyalty_member",
        member.pk,
        {"balance": [member.balance - row.points, member.balance], "reason": [None, row.reason]},
        customer_id=member.customer_id,
    )
    return entry
