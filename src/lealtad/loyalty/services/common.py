"""What the loyalty use cases share: their refusals, the lots of a member, and the two
writes every movement makes (the lots it takes from, the cached balance)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from lealtad.core.db import rows_of
from lealtad.core.errors import DomainError
from lealtad.loyalty.choices import LOT_KINDS, EntryKind
from lealtad.loyalty.models import LedgerEntry, Member, Program
from lealtad.loyalty_engine import lots
from lealtad.loyalty_engine.months import add_months


class LoyaltyRefused(DomainError):
    code = "loyalty_refused"
    kind = "invalid"


class LoyaltyConflict(DomainError):
    code = "loyalty_conflict"
    kind = "conflict"


class LoyaltyNotFound(DomainError):
    code = "not_found"
    kind = "not_found"


PER_LOOKUP = 500  # values an IN list, far below SQLite's variable limit


def where(index: int, size: int, name: str) -> str:
    """A field's path in a batch (``rows[3].points``), or its name alone for a batch of one."""
    return f"rows[{index}].{name}" if size > 1 else name


def expiry(program: Program, at: datetime) -> datetime | None:
    return add_months(at, program.expiry_months) if program.expiry_months else None


def owed(member: Member) -> int:
    """Points the member owes: a balance below zero (every lot is empty then, see
    loyalty_engine.lots)."""
    return max(0, -member.balance)


def lots_of(member_ids: Iterable[int]) -> dict[int, list[lots.Lot]]:
    """The lots still holding points, per member, oldest first."""
    found: dict[int, list[lots.Lot]] = defaultdict(list)
    rows = (
        LedgerEntry.objects.filter(member_id__in=list(member_ids), remaining__gt=0)
        .order_by("at", "id")
        .values_list("member_id", "id", "at", "expires_at", "remaining")
    )
    for member_id, pk, at, expires_at, remaining in rows:
        found[member_id].append(lots.Lot(pk, at, expires_at, remaining))
    return found


def take(taken: lots.Taken) -> None:
    """Lower the lots points were taken from (the one change an entry ever gets)."""
    by_lot: dict[int, int] = defaultdict(int)
    for lot_id, points in taken:
        by_lot[lot_id] += points
    for lot_id, points in by_lot.items():
        LedgerEntry.objects.filter(pk=lot_id).update(remaining=F("remaining") - points)


def add_to_balances(deltas: dict[int, int]) -> None:
    """Move every member's cached balance by its delta, in one statement."""
    changed = {pk: d for pk, d in deltas.items() if d}
    if not changed:
        return
    table = connection.ops.quote_name(Member._meta.db_table)
    ids = sorted(changed)
    cases = " ".join("WHEN %s THEN %s" for _ in ids)
    params: list[int] = [v for pk in ids for v in (pk, changed[pk])]
    marks = ", ".join(["%s"] * len(ids))
    rows_of(
        f"UPDATE {table} SET balance = balance + (CASE id {cases} ELSE 0 END) "
        f"WHERE id IN ({marks}) RETURNING id",
        [*params, *ids],
    )


def is_lot(kind: str) -> bool:
    return kind in LOT_KINDS


def locked_member(member_id: int) -> Member:
    """The member row, locked for this transaction (PostgreSQL; SQLite's one writer holds
    the database already), so two redemptions cannot both spend the same points."""
    found = Member.objects.select_for_update().select_related("program").filter(pk=member_id)
    member = found.first()
    if member is None:
        raise LoyaltyNotFound(_("There is no such member."), field="member")
    return member


def member_of(program: Program | None, customer_id: int) -> Member | None:
    rows = Member.objects.select_related("program", "tier").filter(customer_id=customer_id)
    if program is not None:
        rows = rows.filter(program=program)
    return rows.order_by("program_id").first()


def default_program() -> Program | None:
    return Program.objects.filter(active=True).order_by("id").first()


def kinds_adding() -> Sequence[str]:
    return [k.value for k in EntryKind if k in LOT_KINDS]
