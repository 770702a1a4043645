"""The daily job: points past their date expire (oldest lots first), and tiers are reviewed
downwards once a member's grace period has passed.

``lealtad loyalty expire`` runs it with a progress bar; the dispatcher's ``before_pass`` hook
(``loyalty/events.py``) ticks it once a day, the way the SLA job runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from lealtad.core.db import insert_new, new_row
from lealtad.loyalty.choices import EntryKind
from lealtad.loyalty.models import LedgerEntry, Member, Program
from lealtad.loyalty.services import members as member_services
from lealtad.loyalty.services.common import add_to_balances, take
from lealtad.loyalty_engine import lots

CHUNK = 500


def due_members(now: datetime) -> list[int]:
    return list(
        LedgerEntry.objects.filter(remaining__gt=0, expires_at__lte=now)
        .values_list("member_id", flat=True)
        .distinct()
        .order_by("member_id")
    )


def expire(now: datetime | None = None, tick: Callable[[int], None] | None = None) -> int:
    """Expire what is due for every member, a few hundred members a transaction; the points
    expired in all. Run twice, the second run finds nothing (each lot is emptied)."""
    at = now or timezone.now()
    ids = due_members(at)
    total = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            total += _expire_chunk(chunk, at)
        if tick:
            tick(len(chunk))
    return total


def _expire_chunk(member_ids: list[int], at: datetime) -> int:
    held: dict[int, list[lots.Lot]] = defaultdict(list)
    rows = (
        LedgerEntry.objects.select_for_update()
        .filter(member_id__in=member_ids, remaining__gt=0)
        .order_by("at", "id")
        .values_list("member_id", "id", "at", "expires_at", "remaining")
    )
    for member_id, pk, when, ends, remaining in rows:
        held[member_id].append(lots.Lot(pk, when, ends, remaining))
    entries, deltas, total = [], {}, 0
    for member_id, found in held.items():
        taken = lots.expire(found, at)
        points = sum(p for _lot, p in taken)
        if not points:
            continue
        take(taken)
        entries.append(
            new_row(
                LedgerEntry,
                member_id=member_id,
                kind=EntryKind.EXPIRE,
                points=-points,
                source_kind="expiry",
                source_id=at.date().isoformat(),
                idempotency_key=f"expire:{member_id}:{at.isoformat()}",
                at=at,
                detail={"lots": taken},
                actor="expiry",
            )
        )
        deltas[member_id] = -points
        total += points
    insert_new(entries)
    add_to_balances(deltas)
    return total


def review_tiers(now: datetime | None = None) -> int:
    """Every member's tier reviewed, downgrades included once their grace has passed."""
    at = now or timezone.now()
    changed = 0
    for program in Program.objects.filter(active=True).prefetch_related("tiers"):
        ids = list(Member.objects.filter(program=program).values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK):
            with transaction.atomic():
                members = list(Member.objects.filter(pk__in=ids[start : start + CHUNK]))
                changed += member_services.review(program, members, at, down=True)
    return changed


def daily(now: datetime | None = None) -> tuple[int, int]:
    at = now or timezone.now()
    return expire(at), review_tiers(at)
