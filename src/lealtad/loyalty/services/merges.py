"""Memberships follow customer merges: the points of a person recorded twice end up with the
record that stays, and no member is left pointing at a customer merged away.

Per program, when the absorbed customer is a member:

* the survivor is not: the membership moves to the survivor as it is (balance, lots, tier,
  referral code), with a zero-point ``merge`` entry on its ledger saying so;
* both are: the absorbed member's lots move into the survivor's membership, each with its own
  expiry date (an ``adjust`` out of one ledger, one ``adjust`` per lot into the other, so both
  ledgers still balance); a debt (a balance below zero) follows the person; the survivor keeps
  the higher of the two tiers.

Undoing the merge gives a membership that moved whole back to its customer. Points pooled into
an existing membership stay there: they may have been spent since, and splitting them again
is a person's decision (an adjustment on each member page). Every step is keyed by the merge,
so a replayed event writes nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from lealtad.core.audit import Actor
from lealtad.loyalty.choices import EntryKind
from lealtad.loyalty.models import LedgerEntry, Member
from lealtad.loyalty.services.common import lots_of, take
from lealtad.loyalty.services.movements import _entry
from lealtad.loyalty_engine import lots

ACTOR = Actor.system("customer merge")


class MergedPair(NamedTuple):
    merge_id: int
    survivor_id: int
    absorbed_id: int


def follow_merges(pairs: Iterable[MergedPair], at: datetime | None = None) -> int:
    """Apply each merge to the memberships; returns how many memberships it touched."""
    now = at or timezone.now()
    touched = 0
    for pair in pairs:
        with transaction.atomic():
            # of=self: the tier is a nullable join PostgreSQL will not lock.
            locking = Member.objects.select_for_update(of=("self",))
            absorbed = locking.filter(customer_id=pair.absorbed_id)
            for member in absorbed.select_related("program", "tier"):
                key = f"merge:{pair.merge_id}:{member.pk}"
                if LedgerEntry.objects.filter(idempotency_key__startswith=key).exists():
                    continue  # this merge reached this member already
                kept = (
                    locking.select_related("tier")
                    .filter(program_id=member.program_id, customer_id=pair.survivor_id)
                    .first()
                )
                if kept is None:
                    _move_whole(member, pair, key, now)
                else:
                    _pool(member, kept, pair, key, now)
                touched += 1
    return touched


def follow_unmerges(pairs: Iterable[MergedPair], at: datetime | None = None) -> int:
    """Give back each membership that moved whole with the merge now undone."""
    now = at or timezone.now()
    given = 0
    for pair in pairs:
        with transaction.atomic():
            moved = LedgerEntry.objects.filter(
                source_kind="merge", source_id=str(pair.merge_id), detail__moved="member"
            ).select_related("member")
            for entry in moved:
                member = entry.member
                back = f"unmerge:{pair.merge_id}:{member.pk}"
                taken = Member.objects.filter(
                    program_id=member.program_id, customer_id=pair.absorbed_id
                ).exists()
                if taken or LedgerEntry.objects.filter(idempotency_key=back).exists():
                    continue
                Member.objects.filter(pk=member.pk).update(customer_id=pair.absorbed_id)
                detail = {"moved": "member back", "to_customer": pair.absorbed_id}
                _entry(
                    member,
                    EntryKind.ADJUST,
                    0,
                    "unmerge",
                    pair.merge_id,
                    now,
                    ACTOR,
                    detail,
                    key=back,
                )
                given += 1
    return given


def _move_whole(member: Member, pair: MergedPair, key: str, now: datetime) -> None:
    Member.objects.filter(pk=member.pk).update(customer_id=pair.survivor_id)
    detail = {"moved": "member", "from_customer": pair.absorbed_id}
    _entry(member, EntryKind.ADJUST, 0, "merge", pair.merge_id, now, ACTOR, detail, key=key)


def _pool(member: Member, kept: Member, pair: MergedPair, key: str, now: datetime) -> None:
    held = lots_of([member.pk]).get(member.pk, [])
    points = sum(lot.remaining for lot in held)
    debt = max(0, -member.balance)
    emptied = [(lot.id, lot.remaining) for lot in held]
    out = {"moved": "points", "to_member": kept.pk, "lots": emptied}
    take(emptied)
    _entry(
        member,
        EntryKind.ADJUST,
        -points + debt,
        "merge",
        pair.merge_id,
        now,
        ACTOR,
        out,
        key=f"{key}:out",
    )
    for lot in held:
        _entry(
            kept,
            EntryKind.ADJUST,
            lot.remaining,
            "merge",
            pair.merge_id,
            now,
            ACTOR,
            {"moved": "lot", "from_member": member.pk, "lot": lot.id},
            key=f"{key}:lot:{lot.id}",
            remaining=lot.remaining,
            expires_at=lot.expires_at,
        )
    if debt:
        _carry_debt(kept, debt, pair, key, now)
    if member.tier and (kept.tier is None or member.tier.rank > kept.tier.rank):
        Member.objects.filter(pk=kept.pk).update(
            tier=member.tier, tier_since=member.tier_since, grace_until=member.grace_until
        )


def _carry_debt(kept: Member, debt: int, pair: MergedPair, key: str, now: datetime) -> None:
    """What the absorbed member owed is taken from the survivor's lots as far as they go;
    the rest is owed by the survivor (paid from the next points, as after a return)."""
    held = lots_of([kept.pk]).get(kept.pk, [])
    paid = lots.spend(held, min(debt, sum(lot.remaining for lot in held)))
    take(paid)
    detail = {"moved": "debt", "lots": paid}
    _entry(
        kept, EntryKind.ADJUST, -debt, "merge", pair.merge_id, now, ACTOR, detail, key=f"{key}:debt"
    )


def pairs_of(event_type: str, payload: dict) -> list[MergedPair]:
    """The merges an event names: one (``customer.merged``/``unmerged``) or a batch's."""
    rows = payload.get("merges", []) if event_type == "customer.merged_batch" else [payload]
    return [
        MergedPair(int(r["merge_id"]), int(r["survivor_id"]), int(r["absorbed_id"]))
        for r in rows
        if r.get("merge_id") and r.get("survivor_id") and r.get("absorbed_id")
    ]
